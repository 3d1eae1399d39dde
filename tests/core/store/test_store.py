"""The Store API: sessions, messages with versions, events, settings, permissions."""

from __future__ import annotations

import os
from pathlib import Path
import stat
import time

import pytest
from tinydb.storages import MemoryStorage

from ccsess.core.models import Event, ForkPoint, Message, Totals
from ccsess.core.errors import AmbiguousSession, DataDirError, InvalidName, MessageNotFound, SessionNotFound
from ccsess.core.store.files import WholeStorage
from ccsess.core.store.store import Store
from ccsess.core.text import clean_name


def msg(mid, text="hi", role="user", **kw):
    return Message(id=mid, role=role, blocks=[{"type": "text", "text": text}], **kw)


@pytest.fixture(params=["journal", "memory"])
def open_store(request, data_dir):
    """Opens a Store on the test's data dir over each storage: the journaled JSON files, and TinyDB's
    MemoryStorage (kept per file for the whole test, so a second Store sees what the first wrote)."""
    if request.param == "journal":
        return lambda: Store(data_dir)
    memory: dict[Path, WholeStorage] = {}

    def storage(path: Path) -> WholeStorage:
        return memory.setdefault(path, WholeStorage(MemoryStorage(), path))

    return lambda: Store(data_dir, storage=storage)


@pytest.fixture
def store(open_store):
    return open_store()


def test_create_get_list_update_delete(store, open_store):
    a = store.create_session("alpha", "/work/a", model="sonnet")
    time.sleep(0.01)
    b = store.create_session("beta", "/work/b", fork_point=ForkPoint(message_id="m1"), totals=Totals(turns=2))
    assert store.get_session(a.id).model == "sonnet"
    assert store.get_session(b.id).fork_point == ForkPoint(message_id="m1")
    assert store.get_session(b.id).totals.turns == 2
    assert [s.id for s in store.list_sessions()] == [b.id, a.id]

    before = store.get_session(a.id).updated
    updated = store.update_session(a.id, status="archived", model="opus")
    assert updated.status == "archived" and updated.updated >= before
    assert [s.id for s in store.list_sessions()] == [b.id]
    assert {s.id for s in store.list_sessions(include_archived=True)} == {a.id, b.id}

    store.delete_session(a.id)
    with pytest.raises(SessionNotFound):
        store.get_session(a.id)
    assert not (store.data_dir / "sessions" / f"{a.id}.json").exists()
    assert [s.id for s in open_store().list_sessions(include_archived=True)] == [b.id]


def test_update_rejects_unknown_fields_and_bad_values(store):
    s = store.create_session("x", "/p")
    with pytest.raises(TypeError):
        store.update_session(s.id, colour="red")
    with pytest.raises(ValueError):
        store.update_session(s.id, status="sleeping")
    with pytest.raises(InvalidName):
        store.update_session(s.id, name="\x1b\n ")
    with pytest.raises(SessionNotFound):
        store.update_session("nosuchid", name="y")


def test_resolve_by_id_name_and_prefixes(store):
    a = store.create_session("deploy fix", "/p", id="abc11111")
    b = store.create_session("docs", "/p", id="abd22222")
    store.create_session("deploy fix 2", "/p", id="zzz33333")
    assert store.resolve("abc11111").id == a.id
    assert store.resolve("abc").id == a.id
    assert store.resolve("docs").id == b.id
    assert store.resolve("do").id == b.id
    assert store.resolve("deploy fix").id == a.id, "an exact name wins over a name prefix"
    with pytest.raises(AmbiguousSession) as info:
        store.resolve("ab")
    assert {s.id for s in info.value.candidates} == {a.id, b.id}
    assert "abc11111" in str(info.value) and "abd22222" in str(info.value)
    with pytest.raises(SessionNotFound, match="no session matches 'nope'"):
        store.resolve("nope")


def test_names_are_cleaned():
    assert clean_name("  a\x1b[31m\nb\t c \u202e ") == "a[31m b c"
    assert clean_name("🚀 feature/login") == "🚀 feature/login"
    assert len(clean_name("x" * 500)) == 200
    with pytest.raises(InvalidName):
        clean_name("\x00\x07")


def test_append_messages_count_and_paging(store):
    s = store.create_session("s", "/p")
    for n in range(10):
        store.append_message(s.id, msg(f"m{n}", f"text {n}"))
    assert store.get_session(s.id).message_count == 10
    assert [m.id for m in store.messages(s.id)] == [f"m{n}" for n in range(10)]
    assert [m.id for m in store.messages(s.id, last=3)] == ["m7", "m8", "m9"]
    assert [m.id for m in store.messages(s.id, last=3, before="m7")] == ["m4", "m5", "m6"]
    assert store.messages(s.id, before="m0") == []
    assert store.get_message(s.id, "m4").text == "text 4"
    with pytest.raises(MessageNotFound):
        store.get_message(s.id, "nope")
    with pytest.raises(SessionNotFound):
        store.append_message("missing1", msg("x"))


def test_returned_messages_do_not_alias_the_store(store):
    s = store.create_session("s", "/p")
    store.append_message(s.id, msg("m1", "original"))
    store.messages(s.id)[0].blocks[0]["text"] = "changed"
    assert store.get_message(s.id, "m1").text == "original"


def test_put_message_upserts_partial_flushes(store, open_store):
    s = store.create_session("s", "/p")
    store.append_message(s.id, msg("u1"))
    for text in ("He", "Hello", "Hello there"):
        store.put_message(s.id, msg("a1", text, role="assistant", partial=True))
    assert store.get_session(s.id).message_count == 2
    [reply] = store.messages(s.id, last=1)
    assert reply.partial and reply.text == "Hello there" and not reply.interrupted
    store.put_message(s.id, msg("a1", "Hello there!", role="assistant"))
    assert [m.text for m in open_store().messages(s.id)] == ["hi", "Hello there!"]


def test_partial_from_a_crashed_writer_becomes_interrupted_on_disk(store, open_store):
    s = store.create_session("s", "/p")
    store.put_message(s.id, msg("a1", "cut o", role="assistant", partial=True))

    other = open_store()
    [reply] = other.messages(s.id)
    assert reply.interrupted and not reply.partial
    [again] = open_store().messages(s.id)
    assert again.interrupted and not again.partial


def test_partial_of_a_turn_another_live_process_streams_stays_partial(store, open_store):
    s = store.create_session("s", "/p")
    store.update_session(s.id, status="active")
    store.put_message(s.id, msg("a1", "still comi", role="assistant", partial=True))
    [reply] = open_store().messages(s.id)
    assert reply.partial and not reply.interrupted


def test_versions_show_the_chosen_or_latest_reply(store):
    s = store.create_session("s", "/p")
    store.append_message(s.id, msg("u1", "question"))
    for version in range(3):
        store.append_message(
            s.id,
            msg(f"a{version}", f"answer {version}", role="assistant", version_group="u1", version=version),
        )
    store.append_message(s.id, msg("u2", "next"))
    assert [m.id for m in store.messages(s.id)] == ["u1", "a2", "u2"]
    store.update_session(s.id, chosen_versions={"u1": 0})
    assert [m.id for m in store.messages(s.id)] == ["u1", "a0", "u2"]
    assert [m.id for m in store.messages(s.id, all_versions=True)] == ["u1", "a0", "a1", "a2", "u2"]
    store.update_session(s.id, chosen_versions={"u1": 9})
    assert [m.id for m in store.messages(s.id)] == ["u1", "a2", "u2"]


def test_copy_messages_for_a_branch(store):
    src = store.create_session("src", "/p")
    for n in range(5):
        store.append_message(src.id, msg(f"m{n}"))
    dst = store.create_session("branch", "/p", parent_id=src.id)
    assert store.copy_messages(src.id, dst.id, up_to_message_id="m2") == 3
    assert [m.id for m in store.messages(dst.id)] == ["m0", "m1", "m2"]
    assert store.get_session(dst.id).message_count == 3
    with pytest.raises(MessageNotFound):
        store.copy_messages(src.id, dst.id, up_to_message_id="zz")


def test_events_settings_and_totals(store, open_store):
    s = store.create_session("s", "/p")
    store.add_event(s.id, Event(kind="start", detail={"pid": 1}))
    store.add_event(s.id, Event(kind="turn"))
    assert [e.kind for e in open_store().events(s.id)] == ["start", "turn"]

    assert store.get_setting("theme", "default") == "default"
    store.set_setting("theme", "ccsess-light")
    store.set_setting("recent", ["a", "b"])
    fresh = open_store()
    assert fresh.get_setting("theme") == "ccsess-light"
    assert fresh.get_setting("recent") == ["a", "b"]

    store.add_totals(s.id, cost_usd=0.25, input_tokens=10, output_tokens=5, turns=1)
    totals = store.add_totals(s.id, cost_usd=0.5, output_tokens=5, turns=1).totals
    assert totals == Totals(cost_usd=0.75, input_tokens=10, output_tokens=10, turns=2)


def test_listing_does_not_read_transcripts(data_dir):
    store = Store(data_dir)
    s = store.create_session("s", "/p")
    store.append_message(s.id, msg("m1"))
    (store.data_dir / "sessions" / f"{s.id}.json").write_bytes(b"garbage")
    fresh = Store(data_dir)
    assert [x.message_count for x in fresh.list_sessions()] == [1]
    assert fresh.problems == []


def test_permissions_and_no_temp_files(store):
    s = store.create_session("s", "/p")
    store.append_message(s.id, msg("m1"))
    store.set_setting("k", "v")
    for directory in (store.data_dir, store.data_dir / "sessions", store.data_dir / "logs"):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    files = [p for p in store.data_dir.rglob("*") if p.is_file()]
    assert files
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        assert ".ccsess-tmp-" not in path.name


def test_stale_temp_files_cleaned_on_open(data_dir):
    Store(data_dir)
    leftover = data_dir / "sessions" / ".ccsess-tmp-abc"
    leftover.write_text("{")
    os.utime(leftover, (time.time() - 120, time.time() - 120))
    Store(data_dir)
    assert not leftover.exists()


def test_data_dir_that_is_a_file_gives_a_clear_error(tmp_path):
    target = tmp_path / "data"
    target.write_text("not a dir")
    with pytest.raises(DataDirError, match="not a directory"):
        Store(target)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_data_dir_gives_a_clear_error(tmp_path):
    target = tmp_path / "data"
    target.mkdir(mode=0o500)
    with pytest.raises(DataDirError):
        Store(target / "inner")


def test_a_session_left_active_by_a_dead_process_reads_as_stopped(data_dir):
    import multiprocessing

    store = Store(data_dir)
    sid = store.create_session("crashed", "/p").id

    def mark_active() -> None:
        Store(data_dir).update_session(sid, status="active")

    writer = multiprocessing.get_context("fork").Process(target=mark_active)
    writer.start()
    writer.join()
    assert Store(data_dir).get_session(sid).status == "stopped"
    assert [s.status for s in Store(data_dir).list_summaries() if s.id == sid] == ["stopped"]
    store.update_session(sid, status="active")
    assert Store(data_dir).get_session(sid).status == "active"


def test_close_folds_journals_into_plain_tinydb_files(data_dir):
    import json

    store = Store(data_dir)
    sid = store.create_session("folded", "/p").id
    store.append_message(sid, msg("m1", "kept"))
    store.close()
    for name in ("index.json", f"sessions/{sid}.json"):
        assert (data_dir / name).exists()
        assert (data_dir / (name + ".journal")).stat().st_size == 0
    messages = json.loads((data_dir / "sessions" / f"{sid}.json").read_text())["messages"]
    assert [doc["id"] for doc in messages.values()] == ["m1"]
    assert [m.text for m in Store(data_dir).messages(sid)] == ["kept"]
