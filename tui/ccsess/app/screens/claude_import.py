"""Importing Claude Code's own sessions into ccsess from the app.

The import reads files and writes the store, so it runs in a thread of the ``ImportProgress`` line that sits
above the status line meanwhile; when it ends the line posts ``ImportProgress.Finished`` and removes itself.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.content import Content
from textual.message import Message
from textual.widgets import Static


if TYPE_CHECKING:
    from ccsess.core.store.api import SessionStore
    from ccsess.core.transfer.claude_import import ImportReport

PROGRESS_EVERY_SECONDS = 0.1


class ImportProgress(Static):
    """``Importing Claude Code sessions: 12/300 files``, shown while an import runs."""

    DEFAULT_CSS = """
    ImportProgress { height: 1; padding: 0 1; color: $text-muted; background: $panel; }
    """

    class Finished(Message):
        """The import ended: ``report`` says what it did, or ``error`` why it could not run."""

        def __init__(self, report: ImportReport | None, error: BaseException | None) -> None:
            super().__init__()
            self.report = report
            self.error = error

    def __init__(self, store: SessionStore, source: Path) -> None:
        super().__init__(Content("Importing Claude Code sessions…"), id="import-progress")
        self._store = store
        self._source = source

    def on_mount(self) -> None:
        self._import()

    def show_progress(self, done: int, total: int) -> None:
        self.update(Content(f"Importing Claude Code sessions: {done}/{total} files"))

    @work(thread=True, exit_on_error=False)
    def _import(self) -> None:
        from ccsess.core.transfer.claude_import import import_sessions

        shown_at = 0.0

        def report_progress(done: int, total: int, _path: Path) -> None:
            nonlocal shown_at
            now = time.monotonic()
            if now - shown_at >= PROGRESS_EVERY_SECONDS or done == total:
                shown_at = now
                self.app.call_from_thread(self.show_progress, done, total)

        try:
            finished = self.Finished(import_sessions(self._store, self._source, progress=report_progress), None)
        except Exception as exc:  # a store or file problem: the user gets one line, never a traceback
            finished = self.Finished(None, exc)
        self.post_message(finished)
        self.app.call_from_thread(self.remove)
