"""Import Claude Code's own session files (``~/.claude/projects/*/*.jsonl``) as ccsess sessions.

Importing is idempotent: sessions are matched by their Claude session id, a file that grew adds only the messages
after the newest one already stored, and a file whose size and mtime did not change since the last import is not
read at all. Reading one file is ``claude_files``'s job.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ccsess.core.transfer.claude_files import ParsedSession, parse_session_file
from ccsess.core.models import Event, ForkPoint, Message, Session, Totals
from ccsess.core.atomic import deferred_sync
from ccsess.core.errors import StoreError
from ccsess.core.paths import claude_projects_dir

if TYPE_CHECKING:
    from ccsess.core.store.api import SessionStore

__all__ = ["ImportReport", "ParsedSession", "find_session_file", "import_sessions", "new_messages",
           "parse_session_file", "sync_session"]

STATE_KEY = "import.files"

Progress = Callable[[int, int, Path], None]


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    empty: int = 0
    messages_added: int = 0
    malformed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        text = (
            f"imported {len(self.created)} new sessions, updated {len(self.updated)}, "
            f"skipped {self.unchanged} unchanged, {len(self.malformed)} malformed lines"
        )
        return f"dry run: {text} (nothing was written)" if self.dry_run else text


def _is_known(message: Message, uuids: dict[str, Message], message_ids: dict[str, Message]) -> Message | None:
    if message.claude_uuid and message.claude_uuid in uuids:
        return uuids[message.claude_uuid]
    if message.claude_message_id and message.claude_message_id in message_ids:
        return message_ids[message.claude_message_id]
    return None


def new_messages(stored: list[Message], parsed: list[Message]) -> tuple[list[Message], list[Message]]:
    """What a re-read file adds to a stored transcript: (messages to append, stored messages to update).

    Everything after the newest parsed message already stored is new. The newest stored one is updated when the
    file now holds more of it (more blocks of the same reply, an interrupt marker written after it).
    """
    uuids = {m.claude_uuid: m for m in stored if m.claude_uuid}
    message_ids = {m.claude_message_id: m for m in stored if m.claude_message_id}
    anchor = -1
    for index, message in enumerate(parsed):
        if _is_known(message, uuids, message_ids):
            anchor = index
    if anchor < 0:
        seen = {(m.role, m.text) for m in stored}
        return [m for m in parsed if (m.role, m.text) not in seen], []
    updates: list[Message] = []
    latest, match = parsed[anchor], _is_known(parsed[anchor], uuids, message_ids)
    assert match is not None
    grown = len(latest.blocks) > len(match.blocks)
    if grown or (latest.interrupted and not match.interrupted):
        updates.append(replace(
            match, blocks=latest.blocks if grown else match.blocks, claude_uuid=latest.claude_uuid,
            interrupted=match.interrupted or latest.interrupted, partial=False,
        ))
    added = parsed[anchor + 1 :]
    # A prompt ccsess stored itself carries no Claude uuid; do not add it twice.
    last = stored[-1] if stored else None
    if added and last and last.role == "user" and not last.claude_uuid and added[0].role == "user" \
            and added[0].text == last.text:
        updates.append(replace(last, claude_uuid=added[0].claude_uuid))
        added = added[1:]
    return added, updates


def _merge(store: SessionStore, session: Session, parsed: ParsedSession, dry_run: bool) -> int:
    added, updates = new_messages(store.messages(session.id, all_versions=True), parsed.messages)
    if dry_run or not (added or updates):
        return len(added) if dry_run else 0
    for message in updates:
        store.put_message(session.id, message)
    if added:
        store.append_messages(session.id, added)
    found, had = parsed.totals(), session.totals
    totals = Totals(cost_usd=max(had.cost_usd, found.cost_usd),
                    input_tokens=max(had.input_tokens, found.input_tokens),
                    output_tokens=max(had.output_tokens, found.output_tokens), turns=max(had.turns, found.turns),
                    cost_estimated=found.cost_estimated if found.cost_usd >= had.cost_usd else had.cost_estimated,
                    unpriced_models=sorted(set(had.unpriced_models) | set(found.unpriced_models)))
    store.update_session(
        session.id,
        last_active=max(parsed.last_active, session.last_active),
        model=parsed.model or session.model,
        totals=totals,
    )
    store.add_event(session.id, Event("import", detail={"source": str(parsed.path), "messages": len(added)}))
    return len(added)


def _create(store: SessionStore, parsed: ParsedSession) -> Session:
    session = store.create_session(
        parsed.name(), parsed.project,
        claude_session_id=parsed.claude_session_id, model=parsed.model, status="stopped",
        created=parsed.started, totals=parsed.totals(),
    )
    store.append_messages(session.id, parsed.messages, active_at=parsed.last_active)
    store.add_event(session.id, Event("import", detail={"source": str(parsed.path), "messages": len(parsed.messages)}))
    return replace(session, last_active=parsed.last_active, updated=parsed.last_active,
                   message_count=len(parsed.messages))


def _link_fork(store: SessionStore, session_id: str, fork: ForkPoint, by_claude_id: dict[str, Session]) -> None:
    parent = by_claude_id.get(fork.claude_session_id or "")
    if parent is None or parent.id == session_id:
        return
    at = next((m for m in store.messages(parent.id, all_versions=True) if m.claude_uuid == fork.claude_uuid), None)
    point = replace(fork, message_id=at.id) if at else fork
    store.update_session(session_id, parent_id=parent.id, fork_point=point)


class _Importer:
    """Adds parsed sessions to the store: new ones created, known ones (same Claude session id) merged."""

    def __init__(self, store: SessionStore, sessions: list[Session], report: ImportReport, dry_run: bool) -> None:
        self.store, self.sessions, self.report, self.dry_run = store, sessions, report, dry_run
        self.by_claude_id = {s.claude_session_id: s for s in sessions if s.claude_session_id}
        self.existing = {s.id for s in sessions}
        self._owned: set[str] | None = None

    def add(self, parsed: ParsedSession) -> tuple[str | None, bool]:
        """(the session's id, whether it was created now)."""
        report = self.report
        session = self.by_claude_id.get(parsed.claude_session_id)
        if not parsed.messages:
            report.empty += 1
        elif session is not None:
            added = _merge(self.store, session, parsed, self.dry_run)
            if added:
                report.updated.append(session.id)
                report.messages_added += added
            else:
                report.unchanged += 1
        else:
            if self._owned is None:
                self._owned = _claude_ids_in_messages(self.store, self.sessions)
            if parsed.claude_session_id in self._owned:
                # An earlier Claude session of a ccsess session (before a regenerate or a branch).
                report.unchanged += 1
            elif self.dry_run:
                report.created.append(parsed.claude_session_id)
                report.messages_added += len(parsed.messages)
            else:
                created = _create(self.store, parsed)
                self.by_claude_id[parsed.claude_session_id] = created
                self.existing.add(created.id)
                report.created.append(created.id)
                report.messages_added += len(parsed.messages)
                return created.id, True
        return (session.id if session else None), False


def _in_project(parsed: ParsedSession, project: Path | None) -> bool:
    if project is None:
        return True
    where = Path(parsed.project or "/")
    return where == project or project in where.parents


def import_sessions(
    store: SessionStore,
    source_dir: str | os.PathLike[str] | None = None,
    project: str | os.PathLike[str] | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Create or update ccsess sessions from the Claude Code session files under ``source_dir``."""
    source = Path(source_dir).expanduser() if source_dir else claude_projects_dir()
    only = Path(os.path.abspath(Path(project).expanduser())) if project else None
    report = ImportReport(dry_run=dry_run)
    files = sorted(source.glob("*/*.jsonl"), key=lambda p: str(p))
    state: dict[str, list[Any]] = dict(store.get_setting(STATE_KEY, {}) or {})
    sessions = store.list_sessions(include_archived=True)
    importer = _Importer(store, sessions, report, dry_run)
    by_claude_id = importer.by_claude_id
    existing = importer.existing
    forks: list[tuple[str, ForkPoint]] = []
    changed = False
    with deferred_sync():
        for done, path in enumerate(files, 1):
            if progress is not None:
                progress(done, len(files), path)
            try:
                info = path.stat()
            except OSError as exc:
                report.problems.append(f"{path}: {exc.strerror or exc}")
                continue
            signature = [info.st_size, info.st_mtime_ns]
            remembered = state.get(str(path))
            if remembered and remembered[:2] == signature and (remembered[2] is None or remembered[2] in existing):
                report.unchanged += 1
                continue
            try:
                parsed = parse_session_file(path)
            except OSError as exc:
                report.problems.append(f"{path}: {exc.strerror or exc}")
                continue
            report.malformed.extend(parsed.malformed)
            if not _in_project(parsed, only):
                continue
            session_id: str | None = None
            try:
                for item in (parsed, *parsed.branches):
                    found, created = importer.add(item)
                    if item is parsed:
                        session_id = found
                    if created and found and item.forked_from:
                        forks.append((found, item.forked_from))
            except StoreError as exc:
                report.problems.append(f"{path}: {exc}")
                continue
            if not dry_run:
                state[str(path)] = [*signature, session_id]
                changed = True
        if not dry_run:
            for session_id, fork in forks:
                try:
                    _link_fork(store, session_id, fork, by_claude_id)
                except StoreError as exc:
                    report.problems.append(str(exc))
    if changed and not dry_run:
        # After the block: the files of the sessions it imported are durable before the import state says so.
        store.set_setting(STATE_KEY, state)
    return report


def _claude_ids_in_messages(store: SessionStore, sessions: list[Session]) -> set[str]:
    ids: set[str] = set()
    for session in sessions:
        try:
            ids.update(m.claude_session_id for m in store.messages(session.id, all_versions=True)
                       if m.claude_session_id)
        except StoreError:
            continue
    return ids


def find_session_file(claude_session_id: str) -> Path | None:
    """The newest ``<claude projects dir>/*/<id>.jsonl``."""
    root = claude_projects_dir()
    found = [p for p in root.glob(f"*/{claude_session_id}.jsonl") if p.is_file()]
    return max(found, key=lambda p: p.stat().st_mtime_ns) if found else None


def sync_session(store: SessionStore, session_id: str) -> int:
    """Add to one session the turns Claude Code wrote to its file since (after "Open in Claude"); returns how
    many messages were added."""
    session = store.get_session(session_id)
    if not session.claude_session_id or "/" in session.claude_session_id:
        return 0
    path = find_session_file(session.claude_session_id)
    if path is None:
        return 0
    info = path.stat()
    added = _merge(store, session, parse_session_file(path), dry_run=False)
    state = dict(store.get_setting(STATE_KEY, {}) or {})
    state[str(path)] = [info.st_size, info.st_mtime_ns, session.id]
    store.set_setting(STATE_KEY, state)
    return added
