"""Search every stored message: results appear as you type, best first, each with the session it is in and the
words it matched; choosing one opens that session scrolled to the message."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from ccsess.core.errors import StoreError
from ccsess.core.text import one_line, relative_time, visible_text


DEBOUNCE_SECONDS = 0.15
RESULT_LIMIT = 50
HITS_PER_SESSION = 3
# Indexed text has its control characters removed, so these two never occur in a snippet except as marks.
MARK = ("\x02", "\x03")
HINT_TEXT = "Type words from any message. ↑↓ choose, Enter opens the message, Escape closes."
MATCH_STYLE = "bold $text-accent on $accent 20%"


@dataclass(frozen=True)
class FoundMessage:
    """A search hit with what its row shows."""

    session_id: str
    message_id: str
    session_name: str
    last_active: float
    snippet: str


def find_messages(store, query: str) -> list[FoundMessage]:
    """Messages matching every word of ``query`` (the last one as a prefix), best first, in sessions that
    still exist."""
    from ccsess.core.search import search

    hits = search(store, query, RESULT_LIMIT, per_session=HITS_PER_SESSION, prefix=True, mark=MARK)
    sessions: dict[str, object] = {}
    found: list[FoundMessage] = []
    for hit in hits:
        if hit.session_id not in sessions:
            try:
                sessions[hit.session_id] = store.get_session(hit.session_id)
            except StoreError:
                sessions[hit.session_id] = None
        session = sessions[hit.session_id]
        if session is None:
            continue
        found.append(FoundMessage(hit.session_id, hit.message_id, session.name, session.last_active, hit.snippet))
    return found


def snippet_content(snippet: str) -> Content:
    """The snippet as plain text with the matched words highlighted."""
    opening, closing = MARK
    parts: list[str | tuple[str, str]] = []
    for number, piece in enumerate(snippet.split(opening)):
        if number == 0:
            parts.append(visible_text(piece.replace(closing, "")))
            continue
        matched, _, rest = piece.partition(closing)
        if matched:
            parts.append((visible_text(matched), MATCH_STYLE))
        if rest:
            parts.append(visible_text(rest))
    return Content.assemble(*parts)


def hit_prompt(found: FoundMessage, now: float) -> Content:
    return Content.assemble(
        (one_line(found.session_name, 60), "bold"),
        ("  " + relative_time(found.last_active, now), "$text-muted"),
        "\n",
        snippet_content(found.snippet),
    )


class SearchScreen(ModalScreen["FoundMessage | None"]):
    """A search box over every message; returns the chosen hit, or None."""

    CSS_PATH = "search.tcss"
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="search-screen")
        self.query_text = ""
        self.found: list[FoundMessage] = []
        self.shown_query = ""
        self._open_when_shown = False
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="search-box"):
            yield Label(Content("Search messages"), id="search-title")
            yield Input(placeholder="words in any message", id="search-input")
            yield Static(Content(HINT_TEXT), id="search-status")
            yield OptionList(id="search-hits")

    def on_mount(self) -> None:
        self.hits.display = False
        self.query_one("#search-input", Input).focus()

    @property
    def hits(self) -> OptionList:
        return self.query_one("#search-hits", OptionList)

    @property
    def status_text(self) -> str:
        return str(self.query_one("#search-status", Static).content)

    def _set_status(self, text: str) -> None:
        status = self.query_one("#search-status", Static)
        status.update(Content(text))
        status.display = bool(text)

    @on(Input.Changed, "#search-input")
    def _query_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.query_text = event.value
        self._open_when_shown = False
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if not event.value.strip():
            self.workers.cancel_group(self, "search")
            self._show_found([], event.value)
            self._set_status(HINT_TEXT)
            return
        self._timer = self.set_timer(DEBOUNCE_SECONDS, self._search_now)

    def _search_now(self) -> None:
        self._timer = None
        self._search(self.query_text)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _search(self, query: str) -> None:
        worker = get_current_worker()
        problem = ""
        try:
            found = find_messages(self.app.store, query)
        except Exception as error:  # an unreadable store or index: say so in the box, never a traceback
            found = []
            problem = str(error).strip().splitlines()[0] if str(error).strip() else error.__class__.__name__
        if worker.is_cancelled:
            return
        try:
            self.app.call_from_thread(self._results_arrived, query, found, problem)
        except RuntimeError:
            pass

    def _results_arrived(self, query: str, found: list[FoundMessage], problem: str) -> None:
        if query != self.query_text or not self.is_attached:
            return
        self._show_found(found, query)
        if self._open_when_shown and found:
            self.dismiss(found[0])
            return
        self._open_when_shown = False
        if problem:
            self._set_status(f"Search failed: {visible_text(problem)}")
        elif not found:
            self._set_status(f"No messages match “{one_line(query, 40)}”.")
        else:
            self._set_status("")

    def _show_found(self, found: list[FoundMessage], query: str) -> None:
        self.found = found
        self.shown_query = query
        hits = self.hits
        now = self.app.clock()
        hits.set_options([Option(hit_prompt(item, now)) for item in found])
        hits.display = bool(found)
        if found:
            hits.highlighted = 0

    def action_move(self, step: int) -> None:
        hits = self.hits
        if not self.found or hits.has_focus:
            return
        current = hits.highlighted if hits.highlighted is not None else -step
        hits.highlighted = max(0, min(len(self.found) - 1, current + step))

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted, "#search-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.shown_query != self.query_text:
            # Enter pressed before the results for the latest text arrived: open the best one when they do.
            self._open_when_shown = True
            if self._timer is not None:
                self._timer.stop()
                self._search_now()
            return
        index = self.hits.highlighted
        if self.found and index is not None:
            self.dismiss(self.found[index])

    @on(OptionList.OptionSelected, "#search-hits")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self.found):
            self.dismiss(self.found[event.option_index])
