"""Open in Claude: the session continued in interactive claude, with the app suspended, and the turns made
there brought back into the transcript."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

from textual.app import SuspendNotSupported


def sync_session(store, session_id: str) -> int:
    """Pick up turns made in interactive claude (the importer is loaded when first needed)."""
    from ccsess.core.transfer.claude_import import sync_session as sync

    return sync(store, session_id)


async def open_in_claude(screen: Any) -> None:  # the main screen
    app = screen.app
    session = screen.session
    if session is None:
        return
    if not session.claude_session_id:
        screen.notify("Nothing to resume yet: send a message first.", severity="warning")
        return
    if screen.is_busy(session.id):
        screen.notify("Wait for the reply to finish (or stop it) first.", severity="warning")
        return
    if app.engine is not None:
        app.engine.release(session.id)
    argv = [app.config.claude, "--resume", session.claude_session_id]
    cwd = session.project if Path(session.project).is_dir() else None
    try:
        with app.suspend():
            subprocess.run(argv, cwd=cwd, env={**os.environ, **app.claude_env}, check=False)
    except SuspendNotSupported:
        screen.notify("Open in Claude needs a real terminal.", severity="warning")
        return
    except OSError as error:
        app.report_error(f"Could not start {app.config.claude}", error)
        return
    await pick_up_claude_turns(screen, session.id)


async def pick_up_claude_turns(screen: Any, session_id: str) -> None:
    """Bring turns made in interactive claude into the transcript."""
    try:
        added = sync_session(screen.app.store, session_id)
    except Exception as error:
        screen.app.report_error("Could not read the turns made in claude", error)
    else:
        if added:
            screen.notify(f"Picked up {added} new messages from claude")
    screen.reload_sessions()
    await screen.open_session(session_id)
