"""One line under the prompt: model, permission mode, process state, cost and tokens of the session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from ccsess.app.formatting import format_tokens
from ccsess.core.text import visible_text

if TYPE_CHECKING:
    from ccsess.core.claude.events import ProcessStateChanged
    from ccsess.core.models import Session

STATE_STYLES = {
    "cold": "$text-muted",
    "starting": "$accent",
    "warm": "$success",
    "streaming": "bold $accent",
    "retrying": "bold $warning",
    "stopping": "$warning",
    "failed": "bold $error",
    "waiting": "bold $warning",
}


@dataclass(frozen=True)
class StatusInfo:
    model: str = ""
    permission_mode: str = "default"
    state: str = "cold"
    detail: str = ""
    cost: str = "$0.0000"
    input_tokens: int = 0
    output_tokens: int = 0
    session_name: str = ""
    waiting: int = 0  # sessions waiting for the user, this one included
    branch: str = ""  # of the session's folder, when it is a git repository
    changed_files: int = 0

    @classmethod
    def of(cls, session: Session, live: ProcessStateChanged, *, default_model: str | None, waiting: int,
           git_state: tuple[str, int]) -> StatusInfo:
        """The line for ``session`` in the live state the engine last reported for it."""
        state, detail = live.state, live.detail
        if not live.busy and session.status == "failed":
            state, detail = "failed", ""
        elif live.waiting:
            state, detail = "waiting", "for you"
        return cls(model=session.model or default_model or "default", permission_mode=session.permission_mode,
                   state=state, detail=detail, cost=session.totals.cost_label(),
                   input_tokens=session.totals.input_tokens, output_tokens=session.totals.output_tokens,
                   session_name=session.name, waiting=waiting, branch=git_state[0], changed_files=git_state[1])


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { height: 1; padding: 0 1; background: $panel; color: $text-muted; }
    """

    info: reactive[StatusInfo | None] = reactive(None, layout=False)

    def render(self) -> Content:
        info = self.info
        if info is None:
            return Content("no session")
        state = info.state + (f" {info.detail}" if info.detail else "")
        return Content.assemble(
            ("model ", "$text-muted"), (visible_text(info.model) or "default", "bold $text"),
            (" │ ", "$panel-lighten-2"),
            ("mode ", "$text-muted"), (visible_text(info.permission_mode), "$text"),
            (" │ ", "$panel-lighten-2"),
            (visible_text(state), STATE_STYLES.get(info.state, "$text")),
            (" │ ", "$panel-lighten-2"),
            *(("⎇ ", "$text-muted"), (visible_text(info.branch), "$text"),
              (f" {info.changed_files} changed" if info.changed_files else "", "$text-warning"),
              (" │ ", "$panel-lighten-2")) if info.branch else (),
            (info.cost, "$text"),
            (" │ ", "$panel-lighten-2"),
            (f"{format_tokens(info.input_tokens)} in · {format_tokens(info.output_tokens)} out", "$text"),

            *((" │ ", "$panel-lighten-2"), (f"{info.waiting} waiting (alt+w)", "bold $warning"))
            if info.waiting else (),
        )
