"""What a turn (or a whole session) changed in the session's folder: the files with their added and removed
lines, then a coloured unified diff per file with the changed lines syntax-highlighted."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from ccsess.core.text import visible_text

MAX_LINES = 4_000


def file_list(changes: list[Any]) -> Content:
    parts: list[Any] = []
    for change in changes:
        counts = (("binary", "$text-muted") if change.added is None else
                  Content.assemble((f"+{change.added}", "$text-success"), " ", (f"-{change.removed}", "$text-error")))
        parts += [(f"{change.status} ", "bold"), visible_text(change.path), "  ", counts, "\n"]
    added = sum(c.added or 0 for c in changes)
    removed = sum(c.removed or 0 for c in changes)
    parts.append((f"{len(changes)} files changed, {added} insertions(+), {removed} deletions(-)", "$text-muted"))
    return Content.assemble(*parts)


def coloured_diff(diff: str) -> Content:
    """A unified diff with file headers in bold, hunks in the accent colour, added and removed lines on green
    and red, their code highlighted for the file's language."""
    from textual.highlight import highlight

    lines = diff.splitlines()
    out: list[Content] = []
    path: str | None = None
    for line in lines[:MAX_LINES]:
        if line.startswith("diff --git "):
            path = line.rsplit(" b/", 1)[-1]
            out.append(Content.styled(visible_text(path), "bold $text on $panel"))
        elif line.startswith(("+++", "---", "index ", "old mode", "new mode", "new file", "deleted file")):
            out.append(Content.styled(visible_text(line), "$text-muted"))
        elif line.startswith("@@"):
            out.append(Content.styled(visible_text(line), "$accent"))
        elif line.startswith(("+", "-")) and path:
            background = "on $success 15%" if line[0] == "+" else "on $error 15%"
            code = highlight(visible_text(line[1:]), path=path)
            out.append(Content.assemble((line[0], "bold"), code).stylize_before(background))
        else:
            out.append(Content.styled(visible_text(line), "$text-muted"))
    if len(lines) > MAX_LINES:
        out.append(Content.styled(f"… {len(lines) - MAX_LINES} more lines (ccsess diff prints them all)",
                                  "$text-muted"))
    return Content("\n").join(out) if out else Content("No file changed.")


class DiffScreen(ModalScreen):
    """The diff; with ``confirm`` it asks before a change of the files: y does it, Escape does not."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape,q", "dismiss(False)", "Close"), Binding("y", "dismiss(True)", "Yes", show=False)]
    DEFAULT_CSS = """
    DiffScreen .dialog { width: 90%; height: 90%; }
    DiffScreen .diff-files { margin: 0 0 1 0; }
    DiffScreen VerticalScroll { height: 1fr; }
    """

    def __init__(self, title: str, changes: list[Any], diff: str, note: str = "", confirm: str = "") -> None:
        super().__init__(id="diff-screen")
        self._title = title
        self._changes = changes
        self._diff = diff
        self._note = note
        self._confirm = confirm

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action == "dismiss" and parameters == (True,) and not self._confirm)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Content(self._title), classes="dialog-title")
            if self._note:
                yield Static(Content.styled(self._note, "$text-warning"), classes="dialog-text")
            with VerticalScroll():
                yield Static(file_list(self._changes), classes="diff-files")
                yield Static(coloured_diff(self._diff), id="diff-text")
            hint = f"{self._confirm}  y: yes  Escape: no" if self._confirm else "Escape closes"
            yield Label(Content(hint), classes="field-label")


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
