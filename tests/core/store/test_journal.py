"""JournaledStorage: journal replay, incremental tail reads, torn lines, compaction, stale journals."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ccsess.core.atomic import TEMP_PREFIX, atomic_write_text, clean_stale_temp_files
from ccsess.core.store.journal import JournaledStorage
from ccsess.core.errors import CorruptFile


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "x.json"


def journal_lines(path):
    return [json.loads(line) for line in open(str(path) + ".journal", "rb").read().splitlines()]


def test_appends_replay_in_a_fresh_reader(db_path):
    writer = JournaledStorage(db_path)
    writer.append("messages", "a", {"text": "one"})
    writer.append("messages", "b", {"text": "two"})
    writer.append("messages", "a", {"text": "one, edited"})
    writer.delete("messages", "b")
    writer.append("messages", "c", {"text": "three"})

    reader = JournaledStorage(db_path)
    assert reader.read() == {"messages": {"a": {"text": "one, edited"}, "c": {"text": "three"}}}
    assert list(reader.read()["messages"]) == ["a", "c"]
    assert not db_path.exists(), "appends alone never rewrite the snapshot"


def test_reader_reads_only_the_new_tail(db_path):
    writer = JournaledStorage(db_path)
    writer.write({"messages": {"a": {"n": 1}}})
    reader = JournaledStorage(db_path)
    assert reader.read() == {"messages": {"a": {"n": 1}}}

    writer.append("messages", "b", {"n": 2})

    def no_full_reload(*args, **kwargs):
        raise AssertionError("the snapshot did not change, only the journal tail should be read")

    reader._load_snapshot = no_full_reload
    assert reader.read() == {"messages": {"a": {"n": 1}, "b": {"n": 2}}}
    assert reader.journal_bytes == writer.journal_bytes


def test_reader_reloads_after_another_writer_compacts(db_path):
    writer = JournaledStorage(db_path)
    reader = JournaledStorage(db_path)
    writer.append("t", "1", {"v": 1})
    assert reader.read() == {"t": {"1": {"v": 1}}}
    writer.delete("t", "1")
    writer.append("t", "2", {"v": 2})
    writer.compact()
    writer.append("t", "3", {"v": 3})
    assert reader.read() == {"t": {"2": {"v": 2}, "3": {"v": 3}}}


def test_torn_last_line_is_ignored_then_cut_off(db_path):
    writer = JournaledStorage(db_path)
    writer.append("t", "1", {"v": 1})
    with open(str(db_path) + ".journal", "ab") as journal:
        journal.write(b'{"t":"t","id":"2","doc":{"v"')

    fresh = JournaledStorage(db_path)
    assert fresh.read() == {"t": {"1": {"v": 1}}}

    fresh.append("t", "3", {"v": 3})
    raw = open(str(db_path) + ".journal", "rb").read()
    assert raw.endswith(b"\n")
    assert b'"id":"2"' not in raw
    assert JournaledStorage(db_path).read() == {"t": {"1": {"v": 1}, "3": {"v": 3}}}


def test_compaction_when_journal_outgrows_snapshot(db_path):
    storage = JournaledStorage(db_path, compact_min_bytes=2000)
    for n in range(200):
        storage.append("t", str(n), {"payload": "x" * 50})
        assert storage.journal_bytes <= max(db_path.stat().st_size if db_path.exists() else 0, 2000) + 200
    assert db_path.exists()
    snapshot = json.loads(db_path.read_text())
    assert len(snapshot["t"]) + len(journal_lines(db_path)) > 200 - 1
    assert JournaledStorage(db_path).read()["t"].keys() == {str(n) for n in range(200)}


def test_journal_left_by_crash_during_compaction_is_not_replayed(db_path):
    storage = JournaledStorage(db_path)
    storage.write({"t": {"keep": {"v": 0}}})
    storage.append("t", "gone", {"v": 1})
    old_journal = open(str(db_path) + ".journal", "rb").read()
    # A bulk write drops "gone"; simulate a crash after the snapshot was replaced but before the journal was
    # emptied by putting the old journal back.
    storage.write({"t": {"keep": {"v": 0}}})
    with open(str(db_path) + ".journal", "wb") as journal:
        journal.write(old_journal)

    reader = JournaledStorage(db_path)
    assert reader.read() == {"t": {"keep": {"v": 0}}}
    reader.append("t", "new", {"v": 2})
    assert JournaledStorage(db_path).read() == {"t": {"keep": {"v": 0}, "new": {"v": 2}}}


def test_journal_without_header_is_kept_when_appending(db_path):
    with open(str(db_path) + ".journal", "wb") as journal:
        journal.write(b'{"t":"t","id":"old","doc":{"v":1}}\n')
    storage = JournaledStorage(db_path)
    storage.append("t", "new", {"v": 2})
    assert JournaledStorage(db_path).read() == {"t": {"old": {"v": 1}, "new": {"v": 2}}}


def test_garbage_journal_line_is_skipped_and_counted(db_path):
    storage = JournaledStorage(db_path)
    storage.append("t", "1", {"v": 1})
    with open(str(db_path) + ".journal", "ab") as journal:
        journal.write(b"\x00\xffnot json\n")
    storage.append("t", "2", {"v": 2})
    fresh = JournaledStorage(db_path)
    assert fresh.read() == {"t": {"1": {"v": 1}, "2": {"v": 2}}}
    assert fresh.bad_lines == 1


@pytest.mark.parametrize(
    "content", [b"", b"   ", b"{not json", b"[1, 2]", b'{"t": [1]}', b"\x89PNG\r\n\x1a\n"]
)
def test_unreadable_snapshot_raises_corrupt_file(db_path, content):
    db_path.write_bytes(content)
    with pytest.raises(CorruptFile):
        JournaledStorage(db_path).read()


def test_files_are_private_and_no_temp_files_remain(db_path):
    storage = JournaledStorage(db_path)
    storage.append("t", "1", {"v": 1})
    storage.compact()
    storage.append("t", "2", {"v": 2})
    atomic_write_text(db_path.parent / "other.txt", "hello")
    for path in (db_path, db_path.parent / "x.json.journal", db_path.parent / "other.txt"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not [p for p in db_path.parent.iterdir() if p.name.startswith(TEMP_PREFIX)]


def test_stale_temp_files_are_cleaned_and_young_ones_kept(tmp_path):
    old = tmp_path / f"{TEMP_PREFIX}old"
    young = tmp_path / f"{TEMP_PREFIX}young"
    other = tmp_path / "index.json"
    for path in (old, young, other):
        path.write_text("x")
    os.utime(old, (1_000_000, 1_000_000))
    os.utime(other, (1_000_000, 1_000_000))
    assert clean_stale_temp_files(tmp_path) == 1
    assert not old.exists() and young.exists() and other.exists()
