"""The session list: grouped by project, newest activity first, narrowed by a filter box.

The list is one OptionList (rows are drawn on demand), so 10,000 sessions cost one widget, not 10,000.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Protocol

from textual import getters, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.geometry import Size
from textual.content import Content
from textual.message import Message
from textual.reactive import var
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from ccsess.app.formatting import short_path
from ccsess.core.text import relative_time, visible_text

PROJECT_PREFIX = "project:"
SIDEBAR_WIDTH = 38
# Room left for a name: the sidebar's inner width minus row padding, a scrollbar and the icon; then the age column.
ROW_CHROME = 2 + 2 + 2
AGE_COLUMN = 7
# Narrower than this (a terminal under 100 columns), rows leave out the age so that names stay readable.
AGE_MIN_WIDTH = 30


def name_width(inner_width: int) -> int:
    return max(8, inner_width - ROW_CHROME - (AGE_COLUMN if inner_width >= AGE_MIN_WIDTH else 0))

# state -> (icon, style)
ICONS: dict[str, tuple[str, str]] = {
    "streaming": ("▶", "$accent"),
    "retrying": ("↻", "$warning"),
    "waiting": ("?", "bold $warning"),
    "unread": ("◆", "bold $accent"),
    "limited": ("⊘", "$warning"),
    "live": ("●", "$success"),
    "failed": ("✗", "$error"),
    "branch": ("⑂", "$secondary"),
    "idle": ("○", "$foreground-muted"),
}


class ListedSession(Protocol):
    """What the list reads of a session: a ``Session`` or a ``SessionSummary``."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def project(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def last_active(self) -> float: ...
    @property
    def parent_id(self) -> str | None: ...
    @property
    def worktree_branch(self) -> str | None: ...


def session_icon(session: ListedSession, process_state: str | None, unread: bool = False) -> str:
    """Which icon a session gets: what its process is doing first, then whether it has news, then what is stored
    about it."""
    if process_state == "waiting":
        return "waiting"
    if process_state in ("streaming", "stopping"):
        return "streaming"
    if process_state == "retrying":
        return "retrying"
    if unread:
        return "unread"
    if session.status == "limited":
        return "limited"
    if process_state in ("warm", "starting"):
        return "live"
    if session.status == "failed":
        return "failed"
    if session.parent_id:
        return "branch"
    return "idle"


def haystack(session: ListedSession) -> str:
    """The text the filter box matches against."""
    return f"{session.name}\n{session.project}".lower()


class SessionOption(Option):
    """A session row whose text is built the first time the row is drawn, not when the list is filled."""

    def __init__(self, session: ListedSession, render: Callable[[ListedSession], Content]) -> None:
        # Option.__init__ sets these same fields; assigning them directly halves the cost of filling a long list.
        self._prompt = None
        self._visual = None
        self._id = session.id
        self.disabled = False
        self._divider = False
        self._session = session
        self._render = render

    @property
    def prompt(self) -> Content:
        if self._prompt is None:
            self._prompt = self._render(self._session)
        return self._prompt


class SessionList(OptionList):
    """Session rows under project headers."""

    DEFAULT_CSS = """
    SessionList {
        height: 1fr;
        border: none;
        padding: 0;
        background: transparent;
        & > .option-list--option { padding: 0 1; }
        &:focus { border: none; background-tint: $foreground 3%; }
    }
    """

    def _update_lines(self) -> None:
        """Every row is exactly one line, so the line map is built without measuring each row.

        OptionList measures every option's wrapped height when options are added; with 10,000 sessions that is
        most of the start-up time. The rows here are cut to the list's width, so their height is known.
        """
        if not self.scrollable_content_region:
            return
        cache = self._line_cache
        start = len(cache.lines)
        count = len(self.options)
        if start < count:
            cache.lines.extend((index, 0) for index in range(start, count))
            cache.heights.update(dict.fromkeys(range(start, count), 1))
            cache.index_to_line.update({index: index for index in range(start, count)})
        width = self.scrollable_content_region.width - self._get_left_gutter_width()
        virtual_size = Size(width, count)
        if virtual_size != self.virtual_size:
            self.virtual_size = virtual_size
            self._scroll_update(virtual_size)

    def on_focus(self) -> None:
        if self.highlighted is None:
            for index, option in enumerate(self.options):
                if not option.disabled:
                    self.highlighted = index
                    break


class SessionSidebar(Vertical):
    """A filter box over the session list; posts ``SessionChosen`` when a row is picked."""

    DEFAULT_CSS = """
    SessionSidebar {
        width: 38;
        height: 1fr;
        background: $surface;
        border-right: tall $panel;
        #session-filter { margin: 0 0 1 0; border: tall $panel; background: $surface; }
        #session-filter:focus { border: tall $primary; }
    }
    """

    filter_text: var[str] = var("")

    class SessionChosen(Message):
        def __init__(self, sidebar: SessionSidebar, session_id: str) -> None:
            super().__init__()
            self.sidebar = sidebar
            self.session_id = session_id

        @property
        def control(self) -> SessionSidebar:
            return self.sidebar

    option_list = getters.query_one(SessionList)

    def __init__(self, clock: Callable[[], float] = time.time, **kwargs) -> None:
        super().__init__(**kwargs)
        self._clock = clock
        self._sessions: list[ListedSession] = []
        self._haystacks: dict[str, str] = {}
        self._by_id: dict[str, ListedSession] = {}
        self._states: dict[str, str] = {}
        self._unread: set[str] = set()
        self._selected: str | None = None
        self._inner_width = SIDEBAR_WIDTH - 1
        self._name_width = name_width(self._inner_width)

    def compose(self) -> ComposeResult:
        yield Input(placeholder="Filter sessions", id="session-filter")
        yield SessionList(id="session-list")

    @property
    def selected_id(self) -> str | None:
        return self._selected

    @property
    def session_ids(self) -> list[str]:
        """Ids of the sessions currently listed, in display order."""
        return [opt.id for opt in self.option_list.options if opt.id and not opt.id.startswith(PROJECT_PREFIX)]

    @property
    def sessions(self) -> list[ListedSession]:
        """Every session given to the list, newest activity first, filtered or not."""
        return list(self._sessions)

    def set_sessions(self, sessions: Iterable[ListedSession]) -> None:
        """The sessions to list, newest activity first."""
        self._sessions = list(sessions)
        self._haystacks = {}
        self._by_id = {session.id: session for session in self._sessions}
        self._rebuild()

    def update_session(self, session: ListedSession) -> None:
        """Refresh one row in place; a change of activity time re-sorts the list."""
        old = self._by_id.get(session.id)
        if old is None or old.last_active != session.last_active or old.project != session.project:
            sessions = [item for item in self._sessions if item.id != session.id]
            sessions.insert(0, session)
            sessions.sort(key=lambda item: item.last_active, reverse=True)
            self.set_sessions(sessions)
            return
        self._sessions = [session if item.id == session.id else item for item in self._sessions]
        self._haystacks.pop(session.id, None)
        self._by_id[session.id] = session
        self._refresh_row(session.id)

    def remove_session(self, session_id: str) -> None:
        self.set_sessions(item for item in self._sessions if item.id != session_id)

    def set_state(self, session_id: str, state: str) -> None:
        if self._states.get(session_id) == state:
            return
        self._states[session_id] = state
        self._refresh_row(session_id)

    def set_unread(self, session_id: str, unread: bool) -> None:
        """A session that finished a turn while another was on screen, until it is opened."""
        if (session_id in self._unread) == unread:
            return
        if unread:
            self._unread.add(session_id)
        else:
            self._unread.discard(session_id)
        self._refresh_row(session_id)

    def select(self, session_id: str | None) -> None:
        self._selected = session_id
        if session_id is None:
            return
        option_list = self.option_list
        try:
            option_list.highlighted = option_list.get_option_index(session_id)
        except OptionDoesNotExist:
            pass

    def refresh_times(self) -> None:
        self._rebuild()

    def _refresh_row(self, session_id: str) -> None:
        session = self._by_id.get(session_id)
        if session is None:
            return
        try:
            self.option_list.replace_option_prompt(session_id, self._prompt(session))
        except OptionDoesNotExist:
            pass

    def _prompt(self, session: ListedSession) -> Content:
        icon, style = ICONS[session_icon(session, self._states.get(session.id), session.id in self._unread)]
        age = relative_time(session.last_active, self._clock())
        name = visible_text(session.name).replace("\n", " ") or session.id
        if session.worktree_branch:
            name = f"⎇ {name}"  # works in its own git worktree (the status line names the branch)
        width = max(8, self._name_width)
        if len(name) > width:
            name = name[: width - 1] + "…"
        if width + ROW_CHROME + AGE_COLUMN > self._inner_width:
            return Content.assemble((icon, style), " ", name)
        return Content.assemble((icon, style), " ", name.ljust(width), " ", (age.rjust(6), "$text-muted"))

    def _rebuild(self) -> None:
        terms = self.filter_text.lower().split()
        groups: dict[str, list[ListedSession]] = {}
        if terms:
            haystacks = self._haystacks
            for session in self._sessions:
                text = haystacks.get(session.id)
                if text is None:
                    text = haystacks[session.id] = haystack(session)
                if all(term in text for term in terms):
                    groups.setdefault(session.project, []).append(session)
        else:
            for session in self._sessions:
                groups.setdefault(session.project, []).append(session)
        options: list[Option] = []
        header_width = self._inner_width - 5
        for project, sessions in groups.items():
            label = short_path(visible_text(project)) or "(no project)"
            if len(label) > header_width:
                label = "…" + label[-(header_width - 1):]
            header = Content.assemble((label, "bold $secondary"))
            options.append(Option(header, id=PROJECT_PREFIX + project, disabled=True))
            options.extend(SessionOption(session, self._prompt) for session in sessions)
        option_list = self.option_list
        option_list.set_options(options)
        if self._selected is not None:
            self.select(self._selected)

    def watch_filter_text(self) -> None:
        if self.is_mounted:
            self._rebuild()

    def on_resize(self) -> None:
        new_width = name_width(self.size.width)
        if self.size.width and new_width != self._name_width:
            self._inner_width = self.size.width
            self._name_width = new_width
            self._rebuild()

    @on(Input.Changed, "#session-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.filter_text = event.value

    @on(Input.Submitted, "#session-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.option_list.focus()
        if self.option_list.highlighted is None and self.session_ids:
            self.select(self.session_ids[0])

    @on(OptionList.OptionSelected)
    def _option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        option_id = event.option.id
        if option_id and not option_id.startswith(PROJECT_PREFIX):
            self._selected = option_id
            self.post_message(self.SessionChosen(self, option_id))
