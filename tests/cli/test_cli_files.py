"""``ccsess diff`` and ``ccsess rewind`` on a real folder with recorded snapshots."""

from __future__ import annotations

import io

import pytest

from ccsess.cli import main
from ccsess.core.code.turn_files import TurnFiles
from support.files_kit import folder_session, record_turn


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def worked(data_dir, tmp_path):
    folder = tmp_path / "work"
    store, sid = folder_session(data_dir, folder, {"notes.txt": "first\n"})
    files = TurnFiles(store, data_dir)
    record_turn(store, files, sid, lambda: (folder / "notes.txt").write_text("first\nsecond\n"))
    record_turn(store, files, sid, lambda: (folder / "new file.txt").write_text("hello\n"))
    files.close()
    store.close()
    return folder, sid


def test_diff_of_a_turn_and_of_the_session(capsys, worked):
    folder, sid = worked
    code, out, _ = run(capsys, "diff", sid, "--turn", "1")
    assert code == 0 and "+second" in out and "new file.txt" not in out
    code, out, _ = run(capsys, "diff", "edits", "--stat")
    assert code == 0 and out.splitlines() == ["  A new file.txt  +1 -0", "  M notes.txt  +1 -0",
                                              "2 files changed, 2 insertions(+), 0 deletions(-)"]
    code, _, err = run(capsys, "diff", sid, "--turn", "3")
    assert code == 1 and err.strip() == "ccsess: this session has 2 turns; there is no turn 3"


def test_rewind_needs_yes_then_restores_and_undoes(capsys, worked, monkeypatch):
    folder, sid = worked
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, _, err = run(capsys, "rewind", sid, "--turn", "1")
    assert code == 1 and "without --yes" in err and (folder / "new file.txt").exists()
    code, out, _ = run(capsys, "rewind", sid, "--turn", "1", "--yes")
    assert code == 0 and out.startswith("put 2 files back as they were before turn 1")
    assert (folder / "notes.txt").read_text() == "first\n" and not (folder / "new file.txt").exists()
    code, out, _ = run(capsys, "rewind", sid, "--undo", "--yes")
    assert code == 0 and (folder / "new file.txt").read_text() == "hello\n"
    assert (folder / "notes.txt").read_text() == "first\nsecond\n"


def test_markdown_export_lists_the_files_each_turn_changed(capsys, worked):
    folder, sid = worked
    code, out, _ = run(capsys, "export", sid)
    assert code == 0
    first, second = out.split("#### Files changed")[1:3]
    assert "- `notes.txt` changed, +1 −0" in first and "new file.txt" not in first
    assert "- `new file.txt` added, +1 −0" in second


def test_changes_between_turns_are_told_as_outside_claude(data_dir, tmp_path):
    folder = tmp_path / "work"
    store, sid = folder_session(data_dir, folder, {"a.txt": "1\n"})
    told: list[str] = []
    files = TurnFiles(store, data_dir, on_problem=lambda _sid, line: told.append(line))
    record_turn(store, files, sid, lambda: (folder / "a.txt").write_text("2\n"))
    (folder / "b.txt").write_text("by hand\n")
    record_turn(store, files, sid, lambda: None)
    files.close()
    assert told == ["changed outside claude since the last turn: b.txt"]
    assert [c.path for c in TurnFiles(store, data_dir).outside_changes(sid, 2)] == ["b.txt"]
