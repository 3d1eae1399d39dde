"""Engine events on their way from the engine's threads to the screen.

Deltas of one block that arrive while the screen is busy are merged into one event, so the screen draws all the
text that came in since it last looked in one go instead of once per delta. Order is kept: a delta only merges
with the event just before it.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any


def _merge_key(event: Any) -> tuple | None:
    """What a delta must share with the one before it to merge, or None for events that never merge."""
    from ccsess.core.claude import events as ev

    if isinstance(event, (ev.TextDelta, ev.ThinkingDelta)):
        return type(event), event.session_id, event.index
    if isinstance(event, ev.ToolInputDelta):
        return type(event), event.session_id, event.tool_use_id
    return None


def _delta_text(event: Any) -> str:
    return event.partial_json if hasattr(event, "partial_json") else event.text


def _with_text(event: Any, text: str) -> Any:
    if hasattr(event, "partial_json"):
        return replace(event, partial_json=text)
    return replace(event, text=text)


class EngineEventQueue:
    """Thread-safe, ordered; ``put`` from any thread, ``take`` from the app."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # (event, merge key, text parts of merged deltas)
        self._entries: list[tuple[Any, tuple | None, list[str]]] = []

    def put(self, event: Any) -> bool:
        """Queue ``event``; True when the queue was empty, so whoever takes must be woken."""
        key = _merge_key(event)
        with self._lock:
            if self._entries:
                last = self._entries[-1]
                if key is not None and last[1] == key:
                    last[2].append(_delta_text(event))
                    return False
                self._entries.append((event, key, [_delta_text(event)] if key else []))
                return False
            self._entries.append((event, key, [_delta_text(event)] if key else []))
            return True

    def take(self) -> list[Any]:
        """Everything queued, oldest first, with merged deltas."""
        with self._lock:
            entries, self._entries = self._entries, []
        return [_with_text(event, "".join(parts)) if key is not None and len(parts) > 1 else event
                for event, key, parts in entries]

