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
