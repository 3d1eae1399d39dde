"""Engine actions that reshape history: branch, regenerate, choose a version.

All three rest on one claude primitive: ``--resume <id> --resume-session-at <assistant uuid> --fork-session``
starts a new Claude session holding the history up to that assistant record. ccsess records the wish as the
session's ``pending_fork`` and the next spawn carries it out. The functions reshape the stored session;
``SessionHistory`` calls them under the engine's lock and then does what they ask of the live process.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ccsess.core.claude import events as ev
from ccsess.core.claude.live import PendingTurn
from ccsess.core.store.images import inline_images
from ccsess.core.claude.pool import ProcessPool
from ccsess.core.code.turn_files import TurnFiles
from ccsess.core.errors import EngineError, GitError
from ccsess.core.models import Event, ForkPoint, Message, Session
from ccsess.core.store.api import SessionStore


def _fork_point_before(messages: list[Message], index: int, fallback_claude_id: str | None) -> ForkPoint | None:
    """The last assistant message at or before ``index`` that claude knows by uuid, as a fork point."""
    for message in reversed(messages[: index + 1]):
        if message.role == "assistant" and message.claude_uuid and not message.synthetic:
            return ForkPoint(message.id, message.claude_uuid, message.claude_session_id or fallback_claude_id)
    return None


def _log_fork(store: SessionStore, session_id: str, **detail: Any) -> None:
    store.add_event(session_id, Event(kind="fork", detail=detail))


def branch(store: SessionStore, session_id: str, at_message_id: str | None = None, *, name: str | None = None) -> Session:
    """A new session whose history is this one's up to ``at_message_id`` (default: the last message)."""
    source = store.get_session(session_id)
    messages = store.messages(session_id)
    if not messages:
        raise EngineError("there is nothing to branch from yet")
    if at_message_id is None:
        index = len(messages) - 1
    else:
        index = next((i for i, m in enumerate(messages) if m.id == at_message_id), -1)
        if index < 0:
            raise EngineError(f"message {at_message_id} is not in the visible transcript")
    point = _fork_point_before(messages, index, source.claude_session_id)
    created = store.create_session(
        name or f"{source.name} (branch)", source.project, model=source.model,
        permission_mode=source.permission_mode, parent_id=source.id,
        fork_point=point or ForkPoint(messages[index].id), pending_fork=point,
    )
    if point is not None:
        store.copy_messages(session_id, created.id, up_to_message_id=point.message_id)
    at = point.message_id if point else None
    _log_fork(store, created.id, parent_id=source.id, at_message_id=at)
    _log_fork(store, session_id, branch_id=created.id, at_message_id=at)
    return store.get_session(created.id)


def plan_regenerate(store: SessionStore, session_id: str) -> PendingTurn:
    """Make the last reply version 0 of its group, set the session to fork from before the last prompt, and
    return that prompt as the turn that makes the next version."""
    session = store.get_session(session_id)
    messages = store.messages(session_id)
    prompt_index = next((i for i in range(len(messages) - 1, -1, -1) if messages[i].role == "user"), -1)
    if prompt_index < 0:
        raise EngineError("there is no prompt to regenerate a reply for")
    prompt = messages[prompt_index]
    group = prompt.id
    for reply in messages[prompt_index + 1:]:
        if reply.version_group is None:
            reply.version_group = group
            reply.version = 0
            store.put_message(session_id, reply)
    everything = store.messages(session_id, all_versions=True)
    version = 1 + max((m.version for m in everything if m.version_group == group), default=0)
    point = _fork_point_before(messages, prompt_index - 1, session.claude_session_id)
    chosen = {**session.chosen_versions, group: version}
    if point is not None:
        store.update_session(session_id, pending_fork=point, chosen_versions=chosen)
    else:
        store.update_session(session_id, pending_fork=None, claude_session_id=str(uuid.uuid4()),
                             chosen_versions=chosen)
    _log_fork(store, session_id, regenerate=group, version=version)
    images = [block for block in inline_images(getattr(store, "data_dir", "."), prompt.blocks)
              if block.get("type") == "image" and block.get("source", {}).get("type") == "base64"]
    return PendingTurn(prompt.id, prompt.text, version_group=group, version=version, images=tuple(images))


def choose_version(store: SessionStore, session_id: str, group_id: str, version: int) -> bool:
    """Show another version of a regenerated reply; the next message continues that version's Claude session.
    Returns whether the session's running claude holds another Claude session and must be closed."""
    session = store.get_session(session_id)
    candidates = [m for m in store.messages(session_id, all_versions=True)
                  if m.version_group == group_id and m.version == version]
    if not candidates:
        raise EngineError(f"there is no version {version} of that reply")
    claude_ids = [m.claude_session_id for m in candidates if m.claude_session_id]
    fields: dict[str, Any] = {"chosen_versions": {**session.chosen_versions, group_id: version}}
    if claude_ids:
        fields.update(claude_session_id=claude_ids[-1], pending_fork=None)
    store.update_session(session_id, **fields)
    _log_fork(store, session_id, chose=group_id, version=version)
    return bool(claude_ids) and claude_ids[-1] != session.claude_session_id


class SessionHistory:
    """Branch, regenerate and choose a version, with the engine's lock and live processes."""

    def __init__(self, store: SessionStore, pool: ProcessPool, lock: threading.RLock, files: TurnFiles | None,
                 emit: Callable[[ev.EngineEvent], None], queue_turn: Callable[[str, PendingTurn], None],
                 worktree_base: Path) -> None:
        self.worktree_base = worktree_base
        self.store = store
        self.pool = pool
        self.lock = lock
        self.files = files
        self.emit = emit
        self.queue_turn = queue_turn

    def branch(self, session_id: str, at_message_id: str | None = None, *, name: str | None = None) -> Session:
        with self.lock:
            created = branch(self.store, session_id, at_message_id, name=name)
        source = self.store.get_session(session_id)
        return self._branch_worktree(source, created) if source.worktree else created

    def _branch_worktree(self, source: Session, created: Session) -> Session:
        """The branch of a session with a worktree gets its own, with the files of the fork point."""
        from ccsess.core.code.worktrees import branch_worktree

        point = created.fork_point.message_id if created.fork_point else None
        tree = self.files.tree_at(source.id, point) if (self.files is not None and point) else None
        git_dir = self.files.repo(source.id).git_dir if self.files is not None else None
        try:
            created, notes = branch_worktree(self.store, source, created, self.worktree_base, git_dir, tree)
        except (GitError, OSError) as error:
            self.emit(ev.Notice(created.id, f"the branch works in {source.worktree} too: {error}"))
            return created
        for note in notes:
            self.emit(ev.Notice(created.id, note))
        return created

    def regenerate(self, session_id: str) -> None:
        with self.lock:
            self._refuse_if_busy(session_id)
            turn = plan_regenerate(self.store, session_id)
            self._close_live(session_id)
            self.queue_turn(session_id, turn)

    def choose_version(self, session_id: str, group_id: str, version: int) -> None:
        with self.lock:
            self._refuse_if_busy(session_id)
            if choose_version(self.store, session_id, group_id, version):
                self._close_live(session_id)

    def _refuse_if_busy(self, session_id: str) -> None:
        live = self.pool.get(session_id)
        if live is not None and live.busy:
            raise EngineError("a reply is still streaming; stop it first")

    def _close_live(self, session_id: str) -> None:
        live = self.pool.get(session_id)
        if live is not None:
            self.pool.retire(live)
