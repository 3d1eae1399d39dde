"""What each turn of a session did to its folder: a snapshot when the turn starts and when it ends, the diff
between them, and rewinding the folder to the start of a turn (itself undoable).

Snapshots are recorded as ``snapshot`` events of the session (``prompt_message_id``, ``at``: start or end, the
tree, the files left out). Turns are numbered from 1 in the order of the session's prompts.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ccsess.core.code.snapshots import FileChange, ShadowRepo, Snapshot
from ccsess.core.config import Config
from ccsess.core.errors import EngineError, GitError
from ccsess.core.models import Event
from ccsess.core.store.api import SessionStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Turn:
    number: int
    prompt_message_id: str
    start: str | None
    end: str | None
    left_out: tuple[str, ...] = ()


class TurnFiles:
    def __init__(self, store: SessionStore, data_dir: Path, *, max_file_bytes: int = 10 * 1024 * 1024,
                 on_problem: Callable[[str, str], None] | None = None) -> None:
        self.store = store
        self.data_dir = Path(data_dir)
        self.max_file_bytes = max_file_bytes
        self.on_problem = on_problem
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ccsess-snapshots")
        self._told: set[str] = set()
        self._lock = threading.Lock()

    @classmethod
    def for_config(cls, store: SessionStore, config: Config,
                   on_problem: Callable[[str, str], None]) -> TurnFiles | None:
        """Snapshots as the config asks (``snapshots``, ``snapshot_max_file_mb``); None when they are off."""
        data_dir = getattr(store, "data_dir", None)
        if not config.snapshots or data_dir is None:
            return None
        return cls(store, data_dir, max_file_bytes=int(config.snapshot_max_file_mb * 1024 * 1024),
                   on_problem=on_problem)

    def repo(self, session_id: str) -> ShadowRepo:
        return ShadowRepo(self.data_dir, Path(self.store.get_session(session_id).project), self.max_file_bytes)

    # Recording -----------------------------------------------------------------------------------------------

    def record(self, session_id: str, prompt_message_id: str, at: str) -> Future[Snapshot | None]:
        """Snapshot the session's folder on the snapshot thread (snapshots are taken in the order asked)."""
        return self._worker.submit(self._record, session_id, prompt_message_id, at)

    def _record(self, session_id: str, prompt_message_id: str, at: str) -> Snapshot | None:
        try:
            repo = self.repo(session_id)
            snapshot = repo.snapshot()
        except (GitError, OSError) as error:
            self._problem(session_id, f"file snapshots are off for this session: {error}")
            return None
        if snapshot.left_out:
            self._problem(session_id, f"left out of the file snapshots (over {self.max_file_bytes / 1048576:g} MB): "
                                      f"{', '.join(snapshot.left_out[:5])}")
        if at == "start":
            last_end = next((e.detail["tree"] for e in reversed(self.store.events(session_id))
                             if e.kind == "snapshot" and e.detail.get("at") == "end"), None)
            if last_end and last_end != snapshot.tree and self.on_problem is not None:
                changed = [c.path for c in repo.changes(last_end, snapshot.tree)]
                shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
                self.on_problem(session_id, f"changed outside claude since the last turn: {shown}")
        self.store.add_event(session_id, Event(kind="snapshot", detail={
            "prompt_message_id": prompt_message_id, "at": at, "tree": snapshot.tree,
            "left_out": list(snapshot.left_out)}))
        return snapshot

    def _problem(self, session_id: str, line: str) -> None:
        log.warning("%s: %s", session_id, line)
        with self._lock:
            if line in self._told:
                return
            self._told.add(line)
        if self.on_problem is not None:
            self.on_problem(session_id, line)

    def close(self) -> None:
        self._worker.shutdown(wait=True)

    # Reading -------------------------------------------------------------------------------------------------

    def turns(self, session_id: str) -> list[Turn]:
        prompts = [m.id for m in self.store.messages(session_id) if m.role == "user" and not m.synthetic]
        starts: dict[str, str] = {}
        ends: dict[str, str] = {}
        left: dict[str, tuple[str, ...]] = {}
        for event in self.store.events(session_id):
            if event.kind != "snapshot":
                continue
            prompt = event.detail.get("prompt_message_id")
            (starts if event.detail.get("at") == "start" else ends)[prompt] = event.detail["tree"]
            left[prompt] = tuple(event.detail.get("left_out") or ())
        return [Turn(n, pid, starts.get(pid), ends.get(pid), left.get(pid, ()))
                for n, pid in enumerate(prompts, 1)]

    def turn(self, session_id: str, number: int) -> Turn:
        turns = self.turns(session_id)
        if not 1 <= number <= len(turns):
            raise EngineError(f"this session has {len(turns)} turns; there is no turn {number}")
        return turns[number - 1]

    def span(self, session_id: str, number: int | None = None) -> tuple[str, str]:
        """The trees a turn (or, with None, the whole session) went from and to."""
        recorded = [t for t in self.turns(session_id) if t.start or t.end]
        if number is not None:
            turn = self.turn(session_id, number)
            if not (turn.start and turn.end):
                raise EngineError(f"turn {number} has no snapshot of the files (taken since snapshots are on)")
            return turn.start, turn.end
        if not recorded:
            raise EngineError("this session has no snapshot of its files yet")
        first = next(t.start or t.end for t in recorded)
        last = next(t.end or t.start for t in reversed(recorded))
        assert first is not None and last is not None
        return first, last

    def tree_at(self, session_id: str, message_id: str) -> str | None:
        """The files as the conversation had them at a message: the start of its turn for a prompt, else the end."""
        messages = self.store.messages(session_id)
        number, is_prompt = 0, False
        for message in messages:
            if message.role == "user" and not message.synthetic:
                number += 1
            if message.id == message_id:
                is_prompt = message.role == "user" and not message.synthetic
                break
        else:
            return None
        if number == 0:
            return None
        turn = self.turns(session_id)[number - 1]
        return turn.start if is_prompt else (turn.end or turn.start)

    def changes(self, session_id: str, number: int | None = None) -> list[FileChange]:
        old, new = self.span(session_id, number)
        return self.repo(session_id).changes(old, new)

    def diff(self, session_id: str, number: int | None = None) -> str:
        old, new = self.span(session_id, number)
        return self.repo(session_id).diff(old, new)

    def outside_changes(self, session_id: str, number: int) -> list[FileChange]:
        """What changed between the end of turn ``number - 1`` and the start of turn ``number``: not claude."""
        turns = self.turns(session_id)
        if not 2 <= number <= len(turns):
            return []
        before, turn = turns[number - 2], turns[number - 1]
        if not (before.end and turn.start):
            return []
        return self.repo(session_id).changes(before.end, turn.start)

    # Rewinding -----------------------------------------------------------------------------------------------

    def rewind(self, session_id: str, number: int) -> list[str]:
        """Put the files back as they were when turn ``number`` started; the state before is kept for undo."""
        turn = self.turn(session_id, number)
        if turn.start is None:
            raise EngineError(f"turn {number} has no snapshot of the files to go back to")
        return self.move_to(session_id, turn.start, {"turn": number})

    def undo_target(self, session_id: str) -> str:
        rewinds = [e for e in self.store.events(session_id) if e.kind == "rewind"]
        if not rewinds:
            raise EngineError("there is no rewind to undo")
        return rewinds[-1].detail["before"]

    def undo(self, session_id: str) -> list[str]:
        """Put the files back as they were before the last rewind (undoing an undo redoes the rewind)."""
        return self.move_to(session_id, self.undo_target(session_id), {"undo": True})

    def pending(self, session_id: str, tree: str) -> list[FileChange]:
        """What going back to ``tree`` would change in the folder as it is now."""
        repo = self.repo(session_id)
        return repo.changes(self._worker.submit(repo.snapshot).result().tree, tree)

    def move_to(self, session_id: str, tree: str, detail: dict) -> list[str]:
        """Put the folder in the state of ``tree``, recorded as a rewind (so it can be undone)."""
        repo = self.repo(session_id)
        current = self._worker.submit(repo.snapshot).result()
        changed = self._worker.submit(repo.restore, tree, current.tree).result()
        self.store.add_event(session_id, Event(kind="rewind", detail={**detail, "before": current.tree, "to": tree,
                                                                        "files": changed}))
        return changed
