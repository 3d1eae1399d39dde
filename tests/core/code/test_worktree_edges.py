"""The edges of worktrees and snapshots: each is one clear line or a note, and the session still works."""

from __future__ import annotations

import subprocess

import pytest

from ccsess.core.code.turn_files import TurnFiles
from ccsess.core.code.worktrees import create_worktree
from ccsess.core.errors import GitError
from ccsess.core.models import Message, new_id
from ccsess.core.store.store import Store

IDENTITY = ["-c", "user.name=t", "-c", "user.email=t@t"]


def repo_with_commit(folder):
    folder.mkdir()
    (folder / "a.txt").write_text("a\n")
    for args in (["init", "-q", "-b", "main"], [*IDENTITY, "add", "-A"], [*IDENTITY, "commit", "-qm", "one"]):
        subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True)
    return folder


def test_dirty_checkout_taken_branch_and_detached_head_are_told(tmp_path):
    repo = repo_with_commit(tmp_path / "repo")
    (repo / "a.txt").write_text("edited, not committed\n")
    first = create_worktree(repo, "Same name", "s1", tmp_path / "wt")
    assert first.branch == "ccsess/same-name"
    assert any("uncommitted changes" in note for note in first.notes)
    assert (first.path / "a.txt").read_text() == "a\n", "the worktree starts from the last commit"
    second = create_worktree(repo, "Same name", "s2", tmp_path / "wt")
    assert second.branch == "ccsess/same-name-s2"
    assert any("exists already" in note for note in second.notes)
    subprocess.run(["git", "checkout", "-q", "--detach"], cwd=repo, check=True, capture_output=True)
    third = create_worktree(repo, "Detached", "s3", tmp_path / "wt")
    assert any("detached HEAD" in note for note in third.notes)


def test_a_repository_without_commits_is_refused(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=folder, check=True)
    with pytest.raises(GitError, match="has no commit yet"):
        create_worktree(folder, "x", "s1", tmp_path / "wt")


def test_without_git_snapshots_are_off_in_one_line(data_dir, tmp_path, monkeypatch):
    folder = tmp_path / "work"
    folder.mkdir()
    store = Store(data_dir)
    sid = store.create_session("plain", str(folder)).id
    prompt = Message(id=new_id(), role="user", blocks=[{"type": "text", "text": "hi"}])
    store.append_message(sid, prompt)
    told: list[str] = []
    files = TurnFiles(store, data_dir, on_problem=lambda _sid, line: told.append(line))
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    assert files.record(sid, prompt.id, "start").result() is None
    assert files.record(sid, prompt.id, "end").result() is None
    files.close()
    assert told == ["file snapshots are off for this session: git was not found; install git to use snapshots, "
                    "diffs and worktrees"], "said once"


def test_files_over_the_limit_are_left_out_and_named(tmp_path):
    from ccsess.core.code.snapshots import ShadowRepo

    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "small.txt").write_text("s\n")
    (folder / "grows.txt").write_text("g\n")
    (folder / "big.bin").write_bytes(b"x" * 500)
    repo = ShadowRepo(tmp_path / "data", folder, max_file_bytes=100)
    first = repo.snapshot()
    assert first.left_out == ("big.bin",)
    (folder / "grows.txt").write_bytes(b"y" * 300)
    second = repo.snapshot()
    assert second.left_out == ("big.bin", "grows.txt")
    assert [c.path for c in repo.changes(first.tree, second.tree)] == ["grows.txt"]
    (folder / "small.txt").write_text("changed\n")
    repo.restore(first.tree, repo.snapshot().tree)
    assert (folder / "small.txt").read_text() == "s\n" and (folder / "big.bin").read_bytes() == b"x" * 500
