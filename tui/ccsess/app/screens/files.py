"""The file actions of a session, run off the event loop: its diffs, rewinding its files, its worktree."""

from __future__ import annotations

from typing import Any

from ccsess.core.models import Message


def turn_number(messages: list[Message], message_id: str | None) -> int | None:
    """The turn a message belongs to (its prompt's place among the prompts, from 1); the last turn for None."""
    number = 0
    for message in messages:
        if message.role == "user" and not message.synthetic:
            number += 1
        if message.id == message_id:
            break
    return number or None


def open_diff(app: Any, session_id: str, turn: int | None) -> None:
    """Show the diff of turn ``turn`` (or of the whole session), read off the event loop."""
    files = getattr(app.engine, "files", None)
    if files is None:
        app.notify("File snapshots are off (config snapshots = false, or no git).", severity="warning")
        return

    def read() -> tuple[list[Any], str, str]:
        outside = files.outside_changes(session_id, turn) if turn else []
        note = (f"Changed outside claude before this turn: {', '.join(c.path for c in outside)}" if outside else "")
        return files.changes(session_id, turn), files.diff(session_id, turn), note

    from ccsess.app.screens.diff import DiffScreen

    title = f"Files changed by turn {turn}" if turn else "Files changed by this session"
    app.call_engine("Could not read the changes", read,
                    lambda found: app.push_screen(DiffScreen(title, found[0], found[1], found[2])))


def rewind_files(app: Any, session_id: str, turn: int) -> None:
    """Show what putting the files back as they were before ``turn`` would change; do it on y."""
    files = getattr(app.engine, "files", None)
    if files is None:
        app.notify("File snapshots are off (config snapshots = false, or no git).", severity="warning")
        return

    def plan() -> tuple[list[Any], str]:
        target = files.turn(session_id, turn).start
        if target is None:
            raise LookupError(f"turn {turn} has no snapshot of the files to go back to")
        repo = files.repo(session_id)
        now = repo.snapshot().tree
        return repo.changes(now, target), repo.diff(now, target)

    def confirmed(yes: bool | None) -> None:
        if yes:
            app.call_engine("Could not rewind the files", lambda: files.rewind(session_id, turn),
                            lambda changed: app.notify(
                                f"Put {len(changed)} files back as they were before turn {turn} "
                                "(palette: Undo the last rewind)", timeout=8))

    def ask(found: tuple[list[Any], str]) -> None:
        from ccsess.app.screens.diff import DiffScreen

        if not found[0]:
            app.notify(f"The files are already as they were before turn {turn}.", timeout=5)
            return
        app.push_screen(DiffScreen(f"Rewind the files to before turn {turn}?", found[0], found[1],
                                   confirm="These changes will be made."), confirmed)

    app.call_engine("Could not compare the files", plan, ask)


def undo_rewind(app: Any, session_id: str) -> None:
    files = getattr(app.engine, "files", None)
    if files is not None:
        app.call_engine("Could not undo the rewind", lambda: files.undo(session_id),
                        lambda changed: app.notify(f"Put {len(changed)} files back as before the rewind", timeout=6))


def commit_worktree(app: Any, session_id: str) -> None:
    from ccsess.core.code.worktrees import commit_message, commit_worktree as commit

    store = app.store
    session = store.get_session(session_id)
    prompts = [m.text for m in store.messages(session_id) if m.role == "user" and not m.synthetic]
    message = commit_message(session, prompts[-1] if prompts else "")
    app.call_engine("Could not commit the worktree", lambda: commit(session.worktree, message),
                    lambda commit_id: app.notify(f"Committed {commit_id} to {session.worktree_branch}" if commit_id
                                                 else "Nothing to commit", timeout=6, markup=False))


def remove_worktree(app: Any, session_id: str) -> None:
    """Remove the session's worktree folder (its branch and commits stay); asks first when it has changes."""
    from ccsess.app.screens.dialogs import ConfirmDialog
    from ccsess.core.code.worktrees import remove_worktree as remove, worktree_changes

    store = app.store
    session = store.get_session(session_id)

    def removed(_: None) -> None:
        store.update_session(session_id, worktree=None, worktree_branch=None)
        app.notify(f"Removed the worktree; the branch {session.worktree_branch} keeps its commits", timeout=8,
                   markup=False)

    def go(force: bool) -> None:
        app.call_engine("Could not remove the worktree",
                        lambda: remove(session.worktree, session.worktree_source or session.worktree, force=force),
                        removed)

    def checked(changes: list[str]) -> None:
        if not changes:
            go(False)
            return
        app.push_screen(ConfirmDialog("Remove the worktree?", f"{len(changes)} files in {session.worktree} have "
                                      "uncommitted changes, which would be lost. The branch's commits stay.",
                                      confirm="Remove"), lambda yes: go(True) if yes else None)

    app.call_engine("Could not read the worktree", lambda: worktree_changes(session.worktree), checked)


def files_back_first(app: Any, session_id: str, message_id: str, why: str, then: Any) -> None:
    """Before a branch or a regenerate from ``message_id``: offer to put the files back as they were at that point
    (config ``rewind_files``: ask, always, never), then run ``then``. Sessions with a worktree are left alone: their
    branches get a worktree of their own."""
    from ccsess.app.screens.dialogs import ConfirmDialog

    files = getattr(app.engine, "files", None)
    session = app.store.get_session(session_id)
    if files is None or app.config.rewind_files == "never" or session.worktree:
        then()
        return

    def plan() -> tuple[str | None, list[Any]]:
        tree = files.tree_at(session_id, message_id)
        return tree, (files.pending(session_id, tree) if tree else [])

    def put_back(tree: str) -> None:
        app.call_engine("Could not put the files back",
                        lambda: files.move_to(session_id, tree, {"for": why, "message_id": message_id}),
                        lambda changed: (app.notify(f"Put {len(changed)} files back for the {why}", timeout=6),
                                         then()))

    def decide(found: tuple[str | None, list[Any]]) -> None:
        tree, changes = found
        if tree is None or not changes:
            then()
        elif app.config.rewind_files == "always":
            put_back(tree)
        else:
            names = ", ".join(c.path for c in changes[:5]) + (", …" if len(changes) > 5 else "")
            app.push_screen(ConfirmDialog(f"Files for the {why}", f"{len(changes)} files changed since that point "
                                          f"({names}). Put them back as they were there too?", confirm="Put back"),
                            lambda yes: put_back(tree) if yes else then())

    app.call_engine("Could not compare the files", plan, decide)


def give_worktree(app: Any, session: Any, opened: Any) -> None:
    """Move a new session into a git worktree of its own (off the event loop), then open it."""
    from ccsess.core.code.worktrees import give_worktree as give, worktrees_base
    from ccsess.core.errors import GitError

    store = app.store

    def move() -> str:
        try:
            moved, notes = give(store, session, worktrees_base(app.config.worktree_dir, store.data_dir))
        except GitError as error:
            app.call_from_thread(app.notify, f"{error}; the session works in the folder itself",
                                 severity="warning", timeout=10, markup=False)
            return session.id
        for line in (*notes, f"Working in a worktree on branch {moved.worktree_branch}"):
            app.call_from_thread(app.notify, line, timeout=8, markup=False)
        return moved.id

    app.call_engine("Could not create the worktree", move, opened)
