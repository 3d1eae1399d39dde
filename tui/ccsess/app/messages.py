"""Messages the app passes around. Engine events arrive from reader threads wrapped in one message."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from ccsess.core.events import EngineEvent


class EngineEventReceived(Message):
    """An engine event, posted from the engine's thread (``post_message`` is thread-safe)."""

    def __init__(self, event: EngineEvent) -> None:
        super().__init__()
        self.event = event


class EngineEventsWaiting(Message):
    """Engine events were queued (see ``app.event_queue``); posted when the queue stops being empty."""


class SessionsChanged(Message):
    """The list of sessions changed (created, renamed, deleted, archived, new activity)."""

    def __init__(self, select: str | None = None) -> None:
        super().__init__()
        self.select = select
