"""The palette command that imports Claude Code's own sessions (``~/.claude/projects``) into ccsess.

The import reads files and writes the store, so it runs in a thread; a one-line progress bar sits above the status
line meanwhile, and the outcome arrives as notifications.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from textual.content import Content
from textual.css.query import NoMatches
from textual.widgets import Static

from ccsess.app.formatting import short_path
from ccsess.core.errors import StoreError
from ccsess.core.paths import claude_projects_dir
from ccsess.core.text import one_line, visible_text

if TYPE_CHECKING:
    from ccsess.app.screens.main import MainScreen
    from ccsess.core.transfer.claude_import import ImportReport

WORKER_GROUP = "import-claude"
PROGRESS_EVERY_SECONDS = 0.1


class ImportProgress(Static):
    """``Importing Claude Code sessions: 12/300 files``, shown while an import runs."""

    DEFAULT_CSS = """
    ImportProgress { height: 1; padding: 0 1; color: $text-muted; background: $panel; }
    """

    def show_progress(self, done: int, total: int) -> None:
        self.update(Content(f"Importing Claude Code sessions: {done}/{total} files"))


def import_claude_sessions(screen: MainScreen, source: Path | None = None) -> None:
    """Start importing in the background; the sidebar is reloaded and the summary notified when it ends."""
    if any(worker.group == WORKER_GROUP and not worker.is_finished for worker in screen.workers):
        screen.notify("An import is already running.", timeout=4)
        return
    source = source or claude_projects_dir()
    if not source.is_dir():
        screen.notify(f"No Claude Code sessions to import: {short_path(str(source))} does not exist.",
                      severity="warning", timeout=8, markup=False)
        return
    progress = ImportProgress(Content("Importing Claude Code sessions…"), id="import-progress")
    try:
        screen.query_one("#main-pane").mount(progress, before="#status")
    except NoMatches:
        screen.mount(progress)
    screen.run_worker(lambda: _run_import(screen, source, progress), thread=True, group=WORKER_GROUP,
                      exit_on_error=False)


def _run_import(screen: MainScreen, source: Path, progress: ImportProgress) -> None:
    from ccsess.core.transfer.claude_import import import_sessions

    app = screen.app
    shown_at = 0.0

    def report_progress(done: int, total: int, _path: Path) -> None:
        nonlocal shown_at
        now = time.monotonic()
        if now - shown_at >= PROGRESS_EVERY_SECONDS or done == total:
            shown_at = now
            app.call_from_thread(progress.show_progress, done, total)

    report: ImportReport | None = None
    error: BaseException | None = None
    try:
        report = import_sessions(app.store, source, progress=report_progress)
    except Exception as exc:  # a store or file problem: the user gets one line, never a traceback
        error = exc
    try:
        app.call_from_thread(_import_finished, screen, progress, report, error)
    except RuntimeError:
        pass


async def _import_finished(screen: MainScreen, progress: ImportProgress, report: ImportReport | None,
                           error: BaseException | None) -> None:
    if progress.is_attached:
        await progress.remove()
    if report is None:
        screen.app.report_error("Could not import Claude Code sessions", error or RuntimeError("unknown error"))
        return
    summary = report.summary()
    screen.notify(summary[:1].upper() + summary[1:] + ".", title="Import", timeout=8, markup=False)
    issues = [*report.problems, *report.malformed]
    if issues:
        noun = "problem" if len(issues) == 1 else "problems"
        screen.notify(f"{len(issues)} {noun} while importing, skipped; the first: {one_line(visible_text(issues[0]), 160)}",
                      title="Import", severity="warning", timeout=15, markup=False)
    try:
        screen.reload_sessions()
    except StoreError as exc:
        screen.app.report_error("Could not read the sessions", exc)
        return
    current = screen.session_id
    if current is not None and current in report.updated and not screen.is_busy(current):
        await screen.open_session(current)
