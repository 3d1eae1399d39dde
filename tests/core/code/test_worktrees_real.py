"""A worktree per session, with the real claude CLI through the mock: two sessions in one repository do not see
each other's edits; commit and remove act on the session's branch only; a branch of a session gets a worktree with
the fork point's files; the user's checkout, index and stash are never touched."""

from __future__ import annotations

import subprocess
import time

import pytest

from ccsess.core.claude import events as ev
from ccsess.core.code.worktrees import WORKTREES_DIR, commit_worktree, give_worktree, remove_worktree
from ccsess.core.errors import GitError
from support.engine_kit import kit  # noqa: F401 - fixture

pytestmark = pytest.mark.real_cli

IDENTITY = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@t"}


def git(folder, *args) -> str:
    import os
    return subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True, text=True,
                          env={**os.environ, **IDENTITY}).stdout


def allowed_turn(kit, engine, sid, command) -> None:
    engine.send(sid, f"@@tool:{command}")
    engine.answer_permission(sid, kit.wait_for(
        lambda e: isinstance(e, ev.PermissionRequested) and e.session_id == sid).request_id, "allow")
    kit.wait_for(lambda e: isinstance(e, ev.TurnFinished) and e.session_id == sid)


def test_sessions_in_their_own_worktrees(kit, mock_api, monkeypatch):
    for key, value in IDENTITY.items():
        monkeypatch.setenv(key, value)
    repo = kit.project
    (repo / "shared.txt").write_text("base\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    index = (repo / ".git" / "index").read_bytes()
    base = kit.store.data_dir / WORKTREES_DIR
    first, notes = give_worktree(kit.store, kit.store.get_session(kit.new_session("first task")), base)
    second, _ = give_worktree(kit.store, kit.store.get_session(kit.new_session("second task")), base)
    assert notes == () and first.worktree_branch == "ccsess/first-task"
    assert first.project == first.worktree and (base / f"project-{first.id}").is_dir()

    engine = kit.start()
    allowed_turn(kit, engine, first.id, "echo one > mine.txt")
    allowed_turn(kit, engine, second.id, "echo two > mine.txt")
    assert (base / f"project-{first.id}" / "mine.txt").read_text() == "one\n"
    assert (base / f"project-{second.id}" / "mine.txt").read_text() == "two\n"
    assert not (repo / "mine.txt").exists(), "the user's checkout is untouched"

    fork_at = kit.store.messages(first.id)[-1].id
    allowed_turn(kit, engine, first.id, "echo later > mine.txt")
    deadline = time.monotonic() + 30
    while engine.files.turns(first.id)[-1].end is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    branch = engine.branch(first.id, fork_at)
    assert branch.worktree and branch.worktree != first.worktree and branch.worktree_branch.startswith("ccsess/")
    assert open(f"{branch.worktree}/mine.txt").read() == "one\n", "the branch has the fork point's files"
    assert (base / f"project-{first.id}" / "mine.txt").read_text() == "later\n", "the original keeps its own"

    assert commit_worktree(first.worktree, "first task: mine") != ""
    assert git(repo, "log", "-1", "--format=%s", "ccsess/first-task").strip() == "first task: mine"
    with pytest.raises(GitError, match="uncommitted changes"):
        remove_worktree(second.worktree, second.worktree_source)
    remove_worktree(second.worktree, second.worktree_source, force=True)
    assert not (base / f"project-{second.id}").exists()
    branches = set(git(repo, "branch", "--format=%(refname:short)").split())
    assert {"main", "ccsess/first-task", "ccsess/second-task"} <= branches, "branches and commits are kept"
    assert (repo / ".git" / "index").read_bytes() == index and git(repo, "stash", "list") == ""
    assert git(repo, "status", "--porcelain") == ""


def test_not_a_repository_is_one_clear_line(kit, tmp_path):
    session = kit.store.get_session(kit.new_session("plain"))
    with pytest.raises(GitError, match="is not in a git repository"):
        give_worktree(kit.store, session, tmp_path / "wt")
