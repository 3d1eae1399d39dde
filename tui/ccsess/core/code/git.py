"""Running git: an argument list, never a shell; a failure is a ``GitError`` whose text is one line."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from ccsess.core.errors import GitError

TIMEOUT = 60.0


def git_program() -> str:
    found = shutil.which("git")
    if found is None:
        raise GitError("git was not found; install git to use snapshots, diffs and worktrees")
    return found


def git(args: Sequence[str], *, cwd: Path | str | None = None, env: Mapping[str, str] | None = None,
        input: bytes | None = None, check: bool = True, private: bool = False) -> subprocess.CompletedProcess[bytes]:
    """Run ``git args``; raise GitError with git's own first line of complaint when it fails. ``private``: what
    git creates is readable by the user only (for what ccsess keeps in its data dir)."""
    argv = [git_program(), *args]
    full_env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", **(env or {})}
    try:
        done = subprocess.run(argv, cwd=cwd, env=full_env, input=input, capture_output=True, timeout=TIMEOUT,
                              umask=0o077 if private else -1)
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} took longer than {TIMEOUT:g} s") from None
    except OSError as error:
        raise GitError(f"could not run git: {error.strerror or error}") from None
    if check and done.returncode != 0:
        lines = [line for line in done.stderr.decode(errors="replace").splitlines() if line.strip()]
        reason = next((line for line in lines if line.startswith(("fatal:", "error:"))), lines[0] if lines else "")
        raise GitError(f"git {args[0]} failed: {reason.removeprefix('fatal: ').removeprefix('error: ') or done.returncode}")
    return done


def text(args: Sequence[str], **kwargs) -> str:
    return git(args, **kwargs).stdout.decode("utf-8", errors="surrogateescape").strip()


def repository_root(folder: Path | str) -> Path | None:
    """The top of the git work tree that holds ``folder``, or None when it is not in one (or git is missing)."""
    try:
        done = git(["rev-parse", "--show-toplevel"], cwd=folder, check=False)
    except GitError:
        return None
    if done.returncode != 0:
        return None
    return Path(done.stdout.decode(errors="surrogateescape").strip())


def current_branch(folder: Path | str) -> str | None:
    """The branch checked out in ``folder``, or None (not a repository, or a detached HEAD)."""
    try:
        done = git(["symbolic-ref", "--quiet", "--short", "HEAD"], cwd=folder, check=False)
    except GitError:
        return None
    return done.stdout.decode(errors="replace").strip() or None if done.returncode == 0 else None


def folder_state(folder: Path | str) -> tuple[str, int] | None:
    """The branch checked out in ``folder`` (or the short commit of a detached HEAD) and how many files differ from
    it; None outside a repository. Never writes the repository's index (no optional locks)."""
    try:
        done = git(["status", "--porcelain=v1", "--branch", "--untracked-files=normal"], cwd=folder,
                   env={"GIT_OPTIONAL_LOCKS": "0"}, check=False)
    except GitError:
        return None
    if done.returncode != 0:
        return None
    lines = done.stdout.decode(errors="replace").splitlines()
    head = lines[0][3:] if lines and lines[0].startswith("## ") else ""
    branch = head.split("...", 1)[0].removeprefix("No commits yet on ")
    return branch, len(lines) - 1
