"""Damaged, old and newer files: quarantined or migrated, reported in `problems`, the rest still loads."""

from __future__ import annotations

import json
import multiprocessing
import os

import pytest
from tinydb import TinyDB
from tinydb.storages import JSONStorage

from ccsess.core.models import SCHEMA_VERSION, Message
from ccsess.core.errors import StoreLocked
from ccsess.core.store.store import Store


def msg(mid, text="hi"):
    return Message(id=mid, role="user", blocks=[{"type": "text", "text": text}])


@pytest.fixture
def populated(data_dir):
    store = Store(data_dir)
    good = store.create_session("good one", "/p")
    bad = store.create_session("broken one", "/p")
    for sid in (good.id, bad.id):
        for n in range(3):
            store.append_message(sid, msg(f"m{n}"))
    return data_dir, good, bad


def corrupt_names(directory):
    return sorted(p.name for p in directory.iterdir() if ".corrupt-" in p.name)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b'{"messages": {"m0": ',
        os.urandom(300),
        b"[]",
        json.dumps({"_meta": {"schema": {"version": 99}}}).encode(),
    ],
    ids=["empty", "truncated", "random-bytes", "not-tinydb", "newer-schema"],
)
def test_bad_session_file_is_quarantined_and_reported(populated, content):
    data_dir, good, bad = populated
    session_file = data_dir / "sessions" / f"{bad.id}.json"
    session_file.write_bytes(content)
    (data_dir / "sessions" / f"{bad.id}.json.journal").unlink()

    store = Store(data_dir)
    assert [m.id for m in store.messages(good.id)] == ["m0", "m1", "m2"]
    assert store.messages(bad.id) == []
    assert len(store.problems) == 1
    assert "broken one" in store.problems[0] and bad.id in store.problems[0]
    assert [n.startswith(f"{bad.id}.json.corrupt-") for n in corrupt_names(data_dir / "sessions")] == [True]
    assert store.get_session(bad.id).message_count == 0

    store.append_message(bad.id, msg("again"))
    assert [m.id for m in Store(data_dir).messages(bad.id)] == ["again"]


def test_newer_schema_message_is_clear(populated):
    data_dir, _good, bad = populated
    path = data_dir / "sessions" / f"{bad.id}.json"
    path.write_text(json.dumps({"_meta": {"schema": {"version": SCHEMA_VERSION + 1}}}))
    store = Store(data_dir)
    store.messages(bad.id)
    assert "newer ccsess" in store.problems[0]


@pytest.mark.parametrize("content", [b"", b"\x00\x01garbage", b'{"sessions": '])
def test_corrupt_index_is_rebuilt_from_session_files(populated, content):
    data_dir, good, bad = populated
    (data_dir / "index.json").write_bytes(content)
    (data_dir / "index.json.journal").unlink()

    store = Store(data_dir)
    assert {s.id for s in store.list_sessions()} == {good.id, bad.id}
    assert {s.name for s in store.list_sessions()} == {"good one", "broken one"}
    assert all(s.message_count == 3 for s in store.list_sessions())
    assert len(store.problems) == 1 and "index" in store.problems[0] and "rebuilt" in store.problems[0]
    assert corrupt_names(data_dir)[0].startswith("index.json.corrupt-")
    assert Store(data_dir).problems == []


def test_missing_index_is_rebuilt(populated):
    data_dir, good, bad = populated
    for name in ("index.json", "index.json.journal"):
        if (data_dir / name).exists():
            (data_dir / name).unlink()
    store = Store(data_dir)
    assert {s.id for s in store.list_sessions()} == {good.id, bad.id}


def test_version_0_files_are_migrated(data_dir):
    (data_dir / "sessions").mkdir(mode=0o700)
    index = TinyDB(data_dir / "index.json", storage=JSONStorage)
    index.table("sessions").insert(
        {"id": "old00001", "name": "from v0", "project": "/old", "message_count": 2}
    )
    index.table("settings").insert({"key": "theme", "value": "ccsess-light"})
    index.close()
    session = TinyDB(data_dir / "sessions" / "old00001.json", storage=JSONStorage)
    session.table("messages").insert_multiple([msg("first").to_dict(), msg("second").to_dict()])
    session.table("events").insert({"kind": "start", "at": 1.0, "detail": {}})
    session.close()

    store = Store(data_dir)
    assert store.problems == []
    [old] = store.list_sessions()
    assert (old.id, old.name, old.project, old.status) == ("old00001", "from v0", "/old", "new")
    assert store.get_setting("theme") == "ccsess-light"
    assert [m.id for m in store.messages("old00001")] == ["first", "second"]
    assert [e.kind for e in store.events("old00001")] == ["start"]
    for path in (data_dir / "index.json", data_dir / "sessions" / "old00001.json"):
        assert json.loads(path.read_text())["_meta"]["schema"]["version"] == SCHEMA_VERSION
    store.append_message("old00001", msg("third"))
    assert Store(data_dir).get_session("old00001").message_count == 3


def _hold_lock(path, locked, release):
    from filelock import FileLock

    with FileLock(path):
        locked.set()
        release.wait(30)


def test_lock_timeout_raises_store_locked(data_dir):
    store = Store(data_dir, lock_timeout=0.2)
    ctx = multiprocessing.get_context("spawn")
    locked, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(data_dir / "index.json.lock"), locked, release))
    holder.start()
    try:
        assert locked.wait(30)
        with pytest.raises(StoreLocked) as info:
            store.list_sessions()
        assert str(info.value) == (f"the data dir {data_dir} is locked by another ccsess process; try again")
    finally:
        release.set()
        holder.join(30)
    assert store.list_sessions() == []
