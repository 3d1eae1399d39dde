"""A git worktree per session: created on a new branch ``ccsess/<session-name>`` from the repository's HEAD, so
two sessions in one repository never see each other's edits; committed and removed on request.

These are the only git commands ccsess runs in a user's repository, and only when the user asked for a worktree:
``worktree add`` (which creates the branch), ``add``/``commit`` inside the worktree, ``worktree remove``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ccsess.core.code.git import current_branch, git, repository_root, text
from ccsess.core.errors import GitError
from ccsess.core.models import Session
from ccsess.core.store.api import SessionStore

WORKTREES_DIR = "worktrees"


def worktrees_base(worktree_dir: str | None, data_dir: Path | str) -> Path:
    """Where new worktrees go: config ``worktree_dir``, else ``worktrees/`` in the data dir."""
    return Path(worktree_dir).expanduser() if worktree_dir else Path(data_dir) / WORKTREES_DIR


@dataclass(frozen=True)
class Worktree:
    path: Path
    branch: str
    source: Path  # the repository it belongs to
    notes: tuple[str, ...] = ()  # what the user should know (a dirty checkout left behind, a renamed branch)


def branch_slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-.") or "session"
    return re.sub(r"\.{2,}", ".", slug)[:48].rstrip("-.")


def _branch_exists(root: Path, branch: str) -> bool:
    return git(["rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"], cwd=root, check=False).returncode == 0


def create_worktree(project: Path | str, name: str, session_id: str, base_dir: Path | str,
                    start: str = "HEAD") -> Worktree:
    """A new worktree of the repository holding ``project``, on a new branch, under ``base_dir``."""
    root = repository_root(project)
    if root is None:
        raise GitError(f"{project} is not in a git repository, so the session cannot have its own worktree")
    if git(["rev-parse", "--verify", "--quiet", "HEAD"], cwd=root, check=False).returncode != 0:
        raise GitError(f"the repository {root} has no commit yet; commit once to give sessions worktrees")
    notes = []
    if current_branch(root) is None and start == "HEAD":
        notes.append(f"{root} has a detached HEAD: the worktree starts from commit {text(['rev-parse', '--short', 'HEAD'], cwd=root)}")
    if text(["status", "--porcelain", "--untracked-files=no"], cwd=root, env={"GIT_OPTIONAL_LOCKS": "0"}):
        notes.append(f"uncommitted changes in {root} are not in the worktree (it starts from the last commit)")
    branch = f"ccsess/{branch_slug(name)}"
    if _branch_exists(root, branch):
        taken, branch = branch, f"{branch}-{session_id}"
        notes.append(f"the branch {taken} exists already, so this session uses {branch}")
    path = Path(base_dir).expanduser() / f"{root.name}-{session_id}"
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    git(["worktree", "add", "--quiet", "-b", branch, str(path), start], cwd=root, private=True)
    return Worktree(path, branch, root, tuple(notes))


def worktree_changes(path: Path | str) -> list[str]:
    """``git status --porcelain`` lines of a worktree (without taking the index lock)."""
    if not Path(path).is_dir():
        raise GitError(f"the worktree {path} no longer exists (removed by hand?)")
    listed = text(["status", "--porcelain"], cwd=path, env={"GIT_OPTIONAL_LOCKS": "0"})
    return [line for line in listed.splitlines() if line.strip()]


def commit_worktree(path: Path | str, message: str) -> str:
    """Commit everything in the worktree to its branch; the new commit's short id ('' when nothing changed)."""
    if not worktree_changes(path):
        return ""
    git(["add", "--all"], cwd=path)
    git(["commit", "--quiet", "--no-verify", "-m", message], cwd=path)
    return text(["rev-parse", "--short", "HEAD"], cwd=path)


def remove_worktree(worktree: Path | str, source: Path | str, *, force: bool = False) -> None:
    """Remove the worktree's folder; its branch and commits stay. Refused with uncommitted changes unless
    ``force``. A worktree already removed by hand is pruned from the repository's list."""
    if not Path(worktree).is_dir():
        git(["worktree", "prune"], cwd=source, check=False)
        return
    if not force and worktree_changes(worktree):
        raise GitError(f"the worktree {worktree} has uncommitted changes; commit them first or remove with --force")
    git(["worktree", "remove", *(["--force"] if force else []), str(worktree)], cwd=source)


def give_worktree(store: SessionStore, session: Session, base_dir: Path | str,
                  start: str = "HEAD") -> tuple[Session, tuple[str, ...]]:
    """Move a new session into a worktree of its project's repository; its project becomes the worktree."""
    made = create_worktree(session.project, session.name, session.id, base_dir, start)
    updated = store.update_session(session.id, project=str(made.path), worktree=str(made.path),
                                   worktree_branch=made.branch, worktree_source=str(made.source))
    return updated, made.notes


def commit_message(session: Session, last_prompt: str) -> str:
    first = " ".join(last_prompt.split())[:60]
    return f"{session.name}" + (f": {first}" if first else "") + f"\n\nccsess session {session.id}"


def branch_worktree(store: SessionStore, source: Session, branch: Session, base_dir: Path | str,
                    snapshots_git_dir: Path | None, tree: str | None) -> tuple[Session, tuple[str, ...]]:
    """Give a branch of a session with a worktree a worktree of its own, from the source's branch, with the files
    of the fork point (``tree``, a snapshot in the source's shadow repository) when there is one."""
    from ccsess.core.code.snapshots import ShadowRepo

    assert source.worktree is not None
    made = create_worktree(source.worktree, branch.name, branch.id, base_dir, start=source.worktree_branch or "HEAD")
    updated = store.update_session(branch.id, project=str(made.path), worktree=str(made.path),
                                   worktree_branch=made.branch, worktree_source=str(made.source))
    if tree is not None and snapshots_git_dir is not None:
        view = ShadowRepo(Path(base_dir), made.path, git_dir=snapshots_git_dir)
        view.restore(tree, view.snapshot().tree)
    return updated, made.notes
