"""Files per turn with the real claude CLI through the mock: claude changes files with a Bash command; the turn's
diff shows exactly that; rewinding restores the files byte for byte and can be undone; the user's own repository
(index, branches, stash) is never touched."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from ccsess.core.claude import events as ev
from support.engine_kit import kit  # noqa: F401 - fixture

pytestmark = pytest.mark.real_cli

COMMAND = ("echo changed > 'with space.txt'; rm gone.txt; printf 'made\\n' > created.txt; chmod -x run.sh; "
           "printf '\\001\\002\\003' > data.bin; echo line >> kept.txt")


def git(project, *args) -> str:
    return subprocess.run(["git", *args], cwd=project, check=True, capture_output=True, text=True).stdout


def tree_state(folder) -> dict[str, tuple[bytes, bool]]:
    found = {}
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in files:
            path = os.path.join(root, name)
            found[os.path.relpath(path, folder)] = (open(path, "rb").read(), os.access(path, os.X_OK))
    return found


def make_project(project) -> None:
    (project / "with space.txt").write_text("original\n")
    (project / "gone.txt").write_text("to be removed\n")
    (project / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (project / "run.sh").chmod(0o755)
    (project / "data.bin").write_bytes(b"\x00\xff\x10")
    (project / "kept.txt").write_text("one\n")
    git(project, "init", "-q")
    git(project, "-c", "user.name=t", "-c", "user.email=t@t", "add", "-A")
    git(project, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "start")


def wait_end(engine, sid, number: int = 1):
    deadline = time.monotonic() + 30
    while (turn := engine.files.turns(sid)[number - 1]).end is None:
        assert time.monotonic() < deadline, "no end snapshot"
        time.sleep(0.05)
    return turn


def test_a_turns_diff_rewind_and_undo(kit, mock_api):
    project = kit.project
    make_project(project)
    index_before = (project / ".git" / "index").read_bytes()
    before = tree_state(project)
    engine = kit.start()
    sid = kit.new_session()
    engine.send(sid, f"@@tool:{COMMAND}")
    engine.answer_permission(sid, kit.wait_type(ev.PermissionRequested, sid).request_id, "allow")
    assert not kit.wait_type(ev.TurnFinished, sid).is_error
    wait_end(engine, sid)
    after = tree_state(project)
    assert after != before

    changes = {c.path: c for c in engine.files.changes(sid, 1)}
    assert set(changes) == {"with space.txt", "gone.txt", "created.txt", "run.sh", "data.bin", "kept.txt"}
    assert changes["gone.txt"].status == "D" and changes["created.txt"].status == "A"
    assert changes["data.bin"].added is None, "binary"
    assert (changes["kept.txt"].added, changes["kept.txt"].removed) == (1, 0)
    diff = engine.files.diff(sid, 1)
    assert "+made" in diff and "old mode 100755\nnew mode 100644" in diff and "-to be removed" in diff

    engine.files.rewind(sid, 1)
    assert tree_state(project) == before, "byte for byte, executable bits included"
    engine.files.undo(sid)
    assert tree_state(project) == after

    assert (project / ".git" / "index").read_bytes() == index_before, "the user's index is untouched"
    assert git(project, "stash", "list") == "" and git(project, "branch", "--format=%(refname:short)").split() in (
        ["master"], ["main"])
