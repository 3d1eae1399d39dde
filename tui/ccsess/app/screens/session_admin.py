"""Renaming, deleting and archiving the open session, from the main screen."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ccsess.core.errors import StoreError

if TYPE_CHECKING:
    from ccsess.app.screens.live_screen import LiveScreen


def rename(screen: LiveScreen) -> None:
    session = screen.session
    if session is None:
        return

    def renamed(name: str | None) -> None:
        if name and name != session.name:
            rename_to(screen, session, name)

    from ccsess.app.screens.dialogs import TextPromptDialog

    screen.app.push_screen(TextPromptDialog("Rename session", "Name", session.name, confirm="Rename",
                                            dialog_id="rename-dialog"), renamed)


def rename_to(screen: LiveScreen, session: Any, name: str) -> None:
    try:
        screen.app.store.update_session(session.id, name=name)
    except StoreError as error:
        screen.app.report_error("Could not rename", error)
        return
    screen.reload_session()
    screen.refresh_session_row(session.id)
    screen.notify(f"Renamed to “{name}”")


def delete(screen: LiveScreen) -> None:
    session = screen.session
    if session is None:
        return

    async def confirmed(yes: bool | None) -> None:
        if not yes:
            return
        if screen.is_busy(session.id) and screen.app.engine is not None:
            screen.app.engine.stop(session.id)
        try:
            screen.app.store.delete_session(session.id)
        except StoreError as error:
            screen.app.report_error("Could not delete", error)
            return
        screen.sidebar.remove_session(session.id)
        await screen.open_session(None)
        screen.notify(f"Deleted “{session.name}”")

    from ccsess.app.screens.dialogs import ConfirmDialog

    kept = (f" Its worktree {session.worktree} (branch {session.worktree_branch}) is kept: remove it first from "
            "the palette (Remove worktree) if you do not want it." if session.worktree else "")
    screen.app.push_screen(ConfirmDialog(
        "Delete session?", f"“{session.name}” and its {session.message_count} messages will be removed "
        f"from ccsess. Claude's own session file is kept.{kept}"), confirmed)


async def archive(screen: LiveScreen) -> None:
    session = screen.session
    if session is None:
        return
    try:
        screen.app.store.update_session(session.id, status="archived")
    except StoreError as error:
        screen.app.report_error("Could not archive", error)
        return
    screen.sidebar.remove_session(session.id)
    if screen.app.attention is not None:
        screen.app.attention.archived(session)
    await screen.open_session(None)
    screen.notify(f"Archived “{session.name}”: it stays in the store and in exports")
