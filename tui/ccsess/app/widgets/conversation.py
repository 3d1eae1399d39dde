"""The transcript pane: recent messages first, earlier ones loaded as the reader scrolls up, live replies streamed.

Only the tail of a session is turned into widgets when it opens: the last page of messages, cut further to a
character budget, so a session with a megabyte of Markdown opens as fast as a short one.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Protocol

from textual import events
from textual.containers import VerticalScroll
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Static

from ccsess.app.gc_tuning import collect_young_if_due, pause_automatic_collection
from ccsess.app.widgets.blocks import ToolCallView
from ccsess.app.widgets.chunked_markdown import ChunkedMarkdown
from ccsess.app.widgets.message_view import MessageView, is_tool_result_message
from ccsess.core.models import Message
from ccsess.core.errors import StoreError

PAGE_MESSAGES = 30
INITIAL_BUDGET_CHARS = 10_000


class TranscriptSource(Protocol):
    """Where the pane reads the messages of a session from, a page at a time (the store's read side)."""

    def messages(self, session_id: str, *, last: int | None = None, before: str | None = None,
                 all_versions: bool = False) -> list[Message]: ...
    def get_message(self, session_id: str, message_id: str) -> Message: ...


class EarlierMarker(Static):
    """The bar at the top while earlier messages are not loaded; clicking it loads them."""

    DEFAULT_CSS = """
    EarlierMarker { color: $text-muted; text-align: center; width: 1fr; height: 1; margin: 0 0 1 0; }
    EarlierMarker:hover { color: $accent; }
    """

    def on_click(self, event: events.Click) -> None:
        event.stop()
        conversation = self.query_ancestor(ConversationView)
        self.run_worker(conversation.load_earlier(), exclusive=True, group="load-earlier")


class EmptyState(Static):
    DEFAULT_CSS = """
    EmptyState { width: 1fr; height: 1fr; content-align: center middle; color: $text-muted; }
    """


class ConversationView(VerticalScroll):
    """Messages of one session."""

    DEFAULT_CSS = """
    ConversationView { height: 1fr; padding: 1 2 0 1; background: $background; }
    """

    def __init__(self, transcripts: TranscriptSource, **kwargs) -> None:
        super().__init__(**kwargs)
        self._transcripts = transcripts
        self.session_id: str | None = None
        self._oldest_loaded: str | None = None
        self._unmounted: list[Message] = []
        self._more_stored = False
        self._loading = False
        self._live: MessageView | None = None
        self._collector: Timer | None = None
        self._shown_ids: set[str] = set()
        self._tools: dict[str, ToolCallView] = {}
        self._showing = asyncio.Lock()
        self._show_requests = 0

    @property
    def message_views(self) -> list[MessageView]:
        return list(self.query_children(MessageView))

    @property
    def live_view(self) -> MessageView | None:
        return self._live

    def _set_live(self, view: MessageView | None) -> None:
        streaming = view is not None
        if streaming and self._collector is None:
            self._collector = self.set_interval(0.05, collect_young_if_due)
        elif not streaming and self._collector is not None:
            self._collector.stop()
            self._collector = None
        pause_automatic_collection(streaming)
        self._live = view

    def on_unmount(self) -> None:
        self._set_live(None)

    @property
    def has_earlier(self) -> bool:
        views = self.message_views
        return bool(self._unmounted or self._more_stored or (views and views[0].hidden_chars))

    def leave(self) -> None:
        """The pane is about to show another session: the reply being drawn stops drawing ahead, so the switch
        does not wait for it."""
        if self._live is not None:
            for part in self._live.query(ChunkedMarkdown):
                part.drawing_paused = True
            self._live.display = False  # and is left out of the layout until it is removed

    async def show_session(self, session_id: str | None, *, empty_text: str = "") -> None:
        """Replace the pane with the recent part of ``session_id`` (or the empty state).

        Calls made while one is mounting wait for it, and only the last of them is carried out: two at once would
        mount their views side by side."""
        self.session_id = session_id
        self._show_requests += 1
        request = self._show_requests
        async with self._showing:
            if request == self._show_requests:
                await self._show_session(session_id, empty_text)

    async def _show_session(self, session_id: str | None, empty_text: str) -> None:
        self.session_id = session_id
        self._set_live(None)
        self._shown_ids.clear()
        self._tools.clear()
        self._unmounted = []
        self._more_stored = False
        await self.remove_children()
        if session_id is None:
            await self.mount(EmptyState(Content(empty_text)))
            return
        messages = self._transcripts.messages(session_id, last=PAGE_MESSAGES + 1)
        self._more_stored = len(messages) > PAGE_MESSAGES
        messages = messages[-PAGE_MESSAGES:]
        self._oldest_loaded = messages[0].id if messages else None
        budget = 0
        keep = len(messages)
        while keep > 0 and (keep == len(messages) or budget + len(messages[keep - 1].text) <= INITIAL_BUDGET_CHARS):
            keep -= 1
            budget += len(messages[keep].text)
        self._unmounted = messages[:keep]
        views = self._views_for(messages[keep:])
        await self.mount_all(views)
        await self._sync_marker()
        if not messages:
            await self.mount(EmptyState(Content("No messages yet. Type a prompt below and press Enter.")))
        self.refresh_versions()
        self.anchor()

    def _views_for(self, messages: list[Message]) -> list[MessageView]:
        views: list[MessageView] = []
        for message in messages:
            self._shown_ids.add(message.id)
            if message.parent_tool_use_id:
                caller = self._tool_view(message.parent_tool_use_id)
                if caller is not None:
                    caller.add_step(message)
                    continue
            if is_tool_result_message(message) and self._attach_results(message):
                continue
            view = MessageView(message)
            self._tools.update(view.tool_views)
            views.append(view)
        return views

    def _tool_view(self, tool_use_id: str) -> ToolCallView | None:
        view = self._tools.get(tool_use_id)
        if view is None and self._live is not None:
            view = self._live.tool_views.get(tool_use_id)
        return view

    def _attach_results(self, message: Message) -> bool:
        """Put tool results into the tool-call blocks they answer; False if some call is not on screen."""
        targets = [self._tools.get(block.get("tool_use_id", "")) for block in message.blocks]
        if not all(targets):
            return False
        for view, block in zip(targets, message.blocks):
            assert view is not None
            view.set_result(block)
        return True

    async def _sync_marker(self) -> None:
        marker = self.query_children(EarlierMarker)
        if self.has_earlier:
            if not marker:
                await self.mount(EarlierMarker(Content("↑ earlier messages: scroll up or click to load")),
                                 before=0 if self.children else None)
        else:
            await marker.remove()

    async def load_earlier(self) -> int:
        """Show more of the transcript above what is shown; returns how many messages were added."""
        if self._loading or self.session_id is None:
            return 0
        self._loading = True
        try:
            old_height = self.virtual_size.height
            old_y = self.scroll_y
            added = await self._mount_earlier()
            await self._sync_marker()
            if added or old_height:
                self.call_after_refresh(self._keep_position, old_height, old_y)
            return added
        finally:
            self._loading = False

    async def _mount_earlier(self) -> int:
        views = self.message_views
        if views and views[0].hidden_chars:
            await views[0].reveal_earlier()
            return 0
        if not self._unmounted and self._more_stored and self._oldest_loaded:
            page = self._transcripts.messages(self.session_id, last=PAGE_MESSAGES + 1, before=self._oldest_loaded)
            self._more_stored = len(page) > PAGE_MESSAGES
            self._unmounted = page[-PAGE_MESSAGES:]
            if self._unmounted:
                self._oldest_loaded = self._unmounted[0].id
        if not self._unmounted:
            return 0
        batch, budget = [], 0
        while self._unmounted and (not batch or budget + len(self._unmounted[-1].text) <= INITIAL_BUDGET_CHARS):
            message = self._unmounted.pop()
            budget += len(message.text)
            batch.insert(0, message)
        new_views = self._views_for(batch)
        first = views[0] if views else None
        if new_views:
            if first is not None:
                await self.mount_all(new_views, before=first)
            else:
                await self.mount_all(new_views)
        self.refresh_versions()
        return len(batch)

    def _keep_position(self, old_height: int, old_y: float) -> None:
        self.scroll_to(y=old_y + self.virtual_size.height - old_height, animate=False, immediate=True)

    async def reveal(self, message_id: str) -> MessageView | None:
        """Load earlier pages until the message is on screen, then scroll to it and focus it. Returns its view, or
        None when it is not part of the transcript shown (an unchosen version of a regenerated reply)."""
        view = self._view_showing(message_id)
        while view is None and self.has_earlier:
            while self._loading:
                await asyncio.sleep(0.01)
            self._loading = True
            try:
                await self._mount_earlier()
            finally:
                self._loading = False
            view = self._view_showing(message_id)
        await self._sync_marker()
        if view is not None:
            self.release_anchor()
            view.focus(scroll_visible=False)
            self.call_after_refresh(self.scroll_to_widget, view, top=True, animate=False)
        return view

    def _view_showing(self, message_id: str) -> MessageView | None:
        if message_id not in self._shown_ids or self.session_id is None:
            return None
        for view in self.message_views:
            if view.message_id == message_id:
                return view
        # A tool result, or a step of a subagent, is drawn inside the call it belongs to.
        try:
            message = self._transcripts.get_message(self.session_id, message_id)
        except StoreError:
            return None
        callers = [message.parent_tool_use_id] if message.parent_tool_use_id else [
            block.get("tool_use_id", "") for block in message.blocks]
        for caller in callers:
            tool = self._tools.get(caller)
            if tool is not None and tool.is_attached:
                tool.collapsed = False
                return tool.query_ancestor(MessageView)
        return None

    async def read(self, where: str) -> None:
        """Move through the conversation from the prompt: page_up, page_down, start (every earlier message
        loaded), end, or messages (the focus to the last message)."""
        if where == "page_up":
            self.scroll_page_up(animate=False)
        elif where == "page_down":
            self.scroll_page_down(animate=False)
        elif where == "start":
            for _ in range(10_000):  # every page and every hidden part of a long reply
                if not self.has_earlier:
                    break
                await self.load_earlier()
                await asyncio.sleep(0)
            self.release_anchor()
            self.call_after_refresh(self.scroll_home, animate=False)
        elif where == "end":
            self.scroll_end(animate=False)
            self.anchor()
        elif self.message_views:
            self.message_views[-1].focus()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value < old_value and new_value <= 1 and self.has_earlier and not self._loading:
            self.run_worker(self.load_earlier(), exclusive=True, group="load-earlier")

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        if self.scroll_y <= 0 and self.has_earlier and not self._loading:
            self.run_worker(self.load_earlier(), exclusive=True, group="load-earlier")

    def refresh_versions(self) -> None:
        """Label replies that have more than one version (after regenerate) with ``version n/m``."""
        if self.session_id is None:
            return
        views = [view for view in self.message_views if view.message is not None and view.message.version_group]
        if not views:
            return
        groups: dict[str, set[int]] = defaultdict(set)
        for message in self._transcripts.messages(self.session_id, all_versions=True):
            if message.version_group and message.role == "assistant":
                groups[message.version_group].add(message.version)
        for view in views:
            message = view.message
            assert message is not None and message.version_group is not None
            versions = sorted(groups.get(message.version_group, {message.version}))
            position = versions.index(message.version) + 1 if message.version in versions else len(versions)
            view.set_versions(len(versions), position)

    async def append_message(self, message: Message) -> MessageView | None:
        """Add a stored message (the user's prompt, a marker) at the bottom, once."""
        if message.id in self._shown_ids:
            return None
        views = self._views_for([message])
        if not views:
            return None
        # One layout for both changes: the empty state goes as the first message comes.
        with self.app.batch_update():
            removed = self.query_children(EmptyState).remove()
            mounted = self.mount_all(views, before=self._live) if self._live is not None else self.mount_all(views)
        await removed
        await mounted
        return views[0]

    async def live(self) -> MessageView:
        """The reply being streamed, created on first use."""
        if self._live is None:
            await self.query_children(EmptyState).remove()
            self._set_live(MessageView(streaming=True))
            await self.mount(self._live)
        return self._live

    async def complete_message(self, message: Message, *, replaces_streamed: bool = False) -> None:
        """A finished message from the engine: it ends the live reply or is added below it."""
        if message.role == "assistant" and self._live is not None and not message.parent_tool_use_id:
            live = self._live
            self._set_live(None)
            self._shown_ids.add(message.id)
            await live.finalize(message, replaces_streamed=replaces_streamed)
            self._tools.update(live.tool_views)
            if message.version_group:
                self.refresh_versions()
            return
        await self.append_message(message)

    async def end_turn(self) -> None:
        """The turn ended; a reply still marked as streaming had no final message (stopped early)."""
        if self._live is not None:
            live = self._live
            self._set_live(None)
            for part in live.query("ChunkedMarkdown"):
                await part.finish()
            live.streaming = False
            live.add_class("-interrupted")
            live._update_header()
