"""Messages the app passes around. Engine events arrive from reader threads wrapped in one message."""

from __future__ import annotations

from textual.message import Message


class EngineEventsWaiting(Message):
    """Engine events were queued (see ``app.event_queue``); posted when the queue stops being empty."""

