"""The statistics screen (the figures of ``ccsess stats`` and a bar chart of cost per day), and the limits of a
session, which those figures are about."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from ccsess.core.stats import bar_chart
from ccsess.core.text import one_line


class StatsScreen(ModalScreen):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape,q", "dismiss", "Close")]
    DEFAULT_CSS = """
    StatsScreen .dialog { width: 80; }
    StatsScreen .cost-chart { color: $accent; margin: 1 0 0 0; }
    """

    def __init__(self, figures: dict[str, Any]) -> None:
        super().__init__(id="stats-screen")
        self.figures = figures

    def compose(self) -> ComposeResult:
        data = self.figures
        statuses = sorted(data["by_status"].items(), key=lambda item: -item[1]["sessions"])
        days = data["cost_per_day"]
        top = max((day["cost_usd"] for day in days), default=0.0)
        with Vertical(classes="dialog"):
            yield Label("Statistics", classes="dialog-title")
            yield Static(Content(
                f"{data['sessions']} sessions, {data['turns']} turns ({data['average_turns']:g} per session), "
                f"${data['cost_usd']:.4f}"
                + (f" (≈${data['estimated_cost_usd']:.4f} estimated from token usage)"
                   if data.get("estimated_cost_usd") else "")
                + f"; {data['error_share']:.0%} of turns ended in an error"), classes="dialog-text")
            yield Static(Content("  ".join(f"{one_line(name, 12)} {group['sessions']}" for name, group in statuses)),
                         classes="dialog-text")
            yield Static(Content(f"Cost per day, last {len(days)} days (highest ${top:.4f})"), classes="field-label")
            yield Static(Content("\n".join(bar_chart(days))), classes="cost-chart")
            yield Label(Content("Escape closes"), classes="field-label")


def open_statistics(app: Any) -> None:
    """Read the figures off the event loop (a file per session), then show them."""
    from ccsess.core.stats import collect
    from ccsess.core.store.live_board import read_live

    store = app.store
    app.call_engine("Could not read the statistics", lambda: collect(store, read_live(store.data_dir)),
                    lambda figures: app.push_screen(StatsScreen(figures)))


def ask_limits(screen: Any) -> None:
    """The limits dialog for the open session; what is chosen goes to the engine."""
    from ccsess.app.screens.dialogs import LimitsDialog

    session = screen.reload_session()
    if session is None:
        return
    spent = f"So far: {session.totals.turns} turns, ${session.totals.cost_usd:.4f}."

    def chosen(limits: tuple[int | None, float | None] | None) -> None:
        if limits is not None:
            screen.app.set_limits(*limits)

    screen.app.push_screen(LimitsDialog(session.max_turns, session.max_budget_usd, spent), chosen)
