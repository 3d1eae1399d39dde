"""What the prompt box remembers: a draft per session and the prompts sent, both kept in the store's settings so
they survive a restart."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

HISTORY_KEEP = 500
DRAFTS = "prompt_drafts"
HISTORY = "prompt_history"


class PromptMemory:
    def __init__(self, read: Callable[[str], Any], write: Callable[[str, Any], None]) -> None:
        self._write = write
        self.unsaved = False
        drafts, history = read(DRAFTS), read(HISTORY)
        self.drafts: dict[str, str] = dict(drafts) if isinstance(drafts, dict) else {}
        self.history: list[list[str]] = [list(e) for e in history if isinstance(e, list) and len(e) == 2] \
            if isinstance(history, list) else []

    def draft(self, session_id: str | None) -> str:
        return self.drafts.get(session_id or "", "")

    def typing(self, session_id: str | None, text: str) -> None:
        """The prompt changed: remember it (written when the session is left, or at exit)."""
        key = session_id or ""
        if self.drafts.get(key, "") == text:
            return
        if text.strip():
            self.drafts[key] = text
        else:
            self.drafts.pop(key, None)
        self.unsaved = True

    def keep_draft(self, session_id: str | None, text: str) -> None:
        self.typing(session_id, text)
        if self.unsaved:
            self.unsaved = False
            self._write(DRAFTS, dict(self.drafts))

    def sent(self, session_id: str, text: str) -> None:
        self.history = [e for e in self.history if e != [session_id, text]][-(HISTORY_KEEP - 1):]
        self.history.append([session_id, text])
        self.drafts.pop(session_id, None)
        self.unsaved = False
        self._write(HISTORY, list(self.history))
        self._write(DRAFTS, dict(self.drafts))

    def browse(self, session_id: str | None) -> list[str]:
        """The prompts up walks through, nearest first: this session's, newest first, then the other sessions'."""
        mine = [text for sid, text in reversed(self.history) if sid == session_id]
        others = [text for sid, text in reversed(self.history) if sid != session_id and text not in mine]
        return list(dict.fromkeys(mine + others))
