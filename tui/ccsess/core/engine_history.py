"""Engine actions that reshape history: branch, regenerate, choose a version.

All three rest on one claude primitive: ``--resume <id> --resume-session-at <assistant uuid> --fork-session``
starts a new Claude session holding the history up to that assistant record. ccsess records the wish as the
session's ``pending_fork`` and the next spawn carries it out.
"""

from __future__ import annotations

import threading
import uuid
from typing import TYPE_CHECKING, Any

from ccsess.core.live import PendingTurn
from ccsess.core.models import ForkPoint, Message, Session

if TYPE_CHECKING:
    from collections import OrderedDict

    from ccsess.core.live import LiveSession


class EngineError(Exception):
    """An action that cannot be done now; str() is a user-facing line."""


def _fork_point_before(messages: list[Message], index: int, fallback_claude_id: str | None) -> ForkPoint | None:
    """The last assistant message at or before ``index`` that claude knows by uuid, as a fork point."""
    for message in reversed(messages[: index + 1]):
        if message.role == "assistant" and message.claude_uuid and not message.synthetic:
            return ForkPoint(message.id, message.claude_uuid, message.claude_session_id or fallback_claude_id)
    return None


class HistoryActions:
    store: Any
    _lock: threading.RLock
    _live: OrderedDict[str, LiveSession]

    def branch(self, session_id: str, at_message_id: str | None = None, *, name: str | None = None) -> Session:
        """A new session whose history is this one's up to ``at_message_id`` (default: the last message)."""
        with self._lock:
            source = self.store.get_session(session_id)
            messages = self.store.messages(session_id)
            if not messages:
                raise EngineError("there is nothing to branch from yet")
            if at_message_id is None:
                index = len(messages) - 1
            else:
                index = next((i for i, m in enumerate(messages) if m.id == at_message_id), -1)
                if index < 0:
                    raise EngineError(f"message {at_message_id} is not in the visible transcript")
            point = _fork_point_before(messages, index, source.claude_session_id)
            branch = self.store.create_session(
                name or f"{source.name} (branch)", source.project, model=source.model,
                permission_mode=source.permission_mode, parent_id=source.id,
                fork_point=point or ForkPoint(messages[index].id), pending_fork=point,
            )
            if point is not None:
                self.store.copy_messages(session_id, branch.id, up_to_message_id=point.message_id)
            self._log(branch.id, "fork", parent_id=source.id, at_message_id=point.message_id if point else None)
            self._log(session_id, "fork", branch_id=branch.id, at_message_id=point.message_id if point else None)
            return self.store.get_session(branch.id)

    def regenerate(self, session_id: str) -> None:
        """A new reply to the last prompt, from the state before it; the old reply stays as a sibling version."""
        with self._lock:
            self._refuse_if_busy(session_id)
            session = self.store.get_session(session_id)
            messages = self.store.messages(session_id)
            prompt_index = next((i for i in range(len(messages) - 1, -1, -1) if messages[i].role == "user"), -1)
            if prompt_index < 0:
                raise EngineError("there is no prompt to regenerate a reply for")
            prompt = messages[prompt_index]
            group = prompt.id
            for reply in messages[prompt_index + 1:]:
                if reply.version_group is None:
                    reply.version_group = group
                    reply.version = 0
                    self.store.put_message(session_id, reply)
            everything = self.store.messages(session_id, all_versions=True)
            version = 1 + max((m.version for m in everything if m.version_group == group), default=0)
            point = _fork_point_before(messages, prompt_index - 1, session.claude_session_id)
            chosen = {**session.chosen_versions, group: version}
            if point is not None:
                self.store.update_session(session_id, pending_fork=point, chosen_versions=chosen)
            else:
                self.store.update_session(session_id, pending_fork=None, claude_session_id=str(uuid.uuid4()),
                                          chosen_versions=chosen)
            self._log(session_id, "fork", regenerate=group, version=version)
            self._close_live(session_id)
            self._queue_turn(session_id, PendingTurn(prompt.id, prompt.text, version_group=group, version=version))

    def choose_version(self, session_id: str, group_id: str, version: int) -> None:
        """Show another version of a regenerated reply; the next message continues that version's Claude session."""
        with self._lock:
            self._refuse_if_busy(session_id)
            session = self.store.get_session(session_id)
            candidates = [m for m in self.store.messages(session_id, all_versions=True)
                          if m.version_group == group_id and m.version == version]
            if not candidates:
                raise EngineError(f"there is no version {version} of that reply")
            claude_ids = [m.claude_session_id for m in candidates if m.claude_session_id]
            fields: dict[str, Any] = {"chosen_versions": {**session.chosen_versions, group_id: version}}
            if claude_ids:
                fields.update(claude_session_id=claude_ids[-1], pending_fork=None)
            self.store.update_session(session_id, **fields)
            self._log(session_id, "fork", chose=group_id, version=version)
            if claude_ids and claude_ids[-1] != session.claude_session_id:
                self._close_live(session_id)

    def _refuse_if_busy(self, session_id: str) -> None:
        live = self._live.get(session_id)
        if live is not None and live.busy:
            raise EngineError("a reply is still streaming; stop it first")

    def _close_live(self, session_id: str) -> None:
        live = self._live.get(session_id)
        if live is not None:
            self._retire(live)

    # Provided by Engine.
    def _retire(self, live: LiveSession) -> None: ...
    def _queue_turn(self, session_id: str, turn: PendingTurn) -> None: ...
    def _log(self, session_id: str, kind: str, /, **detail: Any) -> None: ...
