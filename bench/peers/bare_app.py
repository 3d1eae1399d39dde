"""The floor for first-frame figures: a Textual app with a header, a footer and a 20-row list."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, OptionList

ROWS = 20
MARKER = f"bench row {ROWS}"


class BareApp(App):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield OptionList(*(f"bench row {n}" for n in range(1, ROWS + 1)))
        yield Footer()


if __name__ == "__main__":
    BareApp().run()
