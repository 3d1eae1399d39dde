"""``ccsess list|show|rm|rename|prune``: look after stored sessions without the TUI."""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import sys
import time
import unicodedata
from collections.abc import Iterable
from typing import Any

from ccsess.cli.context import Context
from ccsess.core.models import STATUSES, Event, Message, Session
from ccsess.core.text import clean_name, escaped_line, relative_time

DAY = 86400.0


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("list", help="list sessions, most recently active first")
    p.add_argument("--json", action="store_true", help="print a JSON array")
    p.add_argument("--status", choices=(*STATUSES, "waiting"),
                   help="only sessions with this status (waiting: claude waits for an answer in a running ccsess)")
    p.add_argument("--project", metavar="DIR", help="only sessions whose project is DIR")
    p.add_argument("--all", action="store_true", help="include archived sessions")
    p.set_defaults(func=cmd_list)

    p = subparsers.add_parser("show", help="show a session's details and transcript summary")
    p.add_argument("ref", metavar="ID|NAME", help="session id, unique id prefix or name")
    p.add_argument("--json", action="store_true", help="print JSON, including the messages")
    p.set_defaults(func=cmd_show)

    p = subparsers.add_parser("rm", help="delete a session and its transcript")
    p.add_argument("ref", metavar="ID|NAME", help="session id, unique id prefix or name")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=cmd_rm)

    p = subparsers.add_parser("rename", help="give a session a new name")
    p.add_argument("ref", metavar="ID|NAME", help="session id, unique id prefix or name")
    p.add_argument("new_name", metavar="NEW", help="the new name")
    p.set_defaults(func=cmd_rename)

    p = subparsers.add_parser("prune", help="delete sessions not active for a number of days")
    p.add_argument(
        "--older-than", type=_days, required=True, metavar="DAYS", help="inactive for more than DAYS"
    )
    p.add_argument("--dry-run", action="store_true", help="only show what would be deleted")
    p.set_defaults(func=cmd_prune)


def _days(text: str) -> float:
    try:
        days = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of days: {text!r}") from None
    if not days >= 0 or days == float("inf"):
        raise argparse.ArgumentTypeError("DAYS must be a number >= 0")
    return days


# Formatting -------------------------------------------------------------------------------------------------


def iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    moment = _dt.datetime.fromtimestamp(timestamp, _dt.UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _width(text: str) -> int:
    return sum(
        2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch) else 1
        for ch in text
    )


def _fit(text: str, width: int) -> str:
    if _width(text) <= width:
        return text + " " * (width - _width(text))
    out, used = "", 0
    for ch in text:
        if used + _width(ch) > width - 1:
            break
        out += ch
        used += _width(ch)
    return out + "…" + " " * (width - used - 1)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _home(path: str) -> str:
    home = os.path.expanduser("~")
    return (
        "~" + path[len(home) :] if home != "/" and (path == home or path.startswith(home + os.sep)) else path
    )


def session_json(s: Session) -> dict[str, Any]:
    return {
        "id": s.id,
        "name": s.name,
        "project": s.project,
        "model": s.model,
        "permission_mode": s.permission_mode,
        "allowed_tools": list(s.allowed_tools),
        "worktree": s.worktree,
        "worktree_branch": s.worktree_branch,
        "max_turns": s.max_turns,
        "max_budget_usd": s.max_budget_usd,
        "status": s.status,
        "created": iso(s.created),
        "updated": iso(s.updated),
        "last_active": iso(s.last_active),
        "message_count": s.message_count,
        "claude_session_id": s.claude_session_id,
        "parent_id": s.parent_id,
        "fork_point": None if s.fork_point is None else vars(s.fork_point).copy(),
        "cost_usd": round(s.totals.cost_usd, 6),
        "cost_estimated": s.totals.cost_estimated,
        "input_tokens": s.totals.input_tokens,
        "output_tokens": s.totals.output_tokens,
        "turns": s.totals.turns,
    }


def message_json(m: Message) -> dict[str, Any]:
    data = m.to_dict()
    data["created"] = iso(m.created)
    return data


def event_json(e: Event) -> dict[str, Any]:
    return {"kind": e.kind, "at": iso(e.at), "detail": e.detail}


def _print_json(ctx: Context, value: Any) -> None:
    ctx.out(json.dumps(value, indent=2, ensure_ascii=False))


def _table(ctx: Context, headers: list[str], rows: Iterable[list[str]], widths: list[int]) -> None:
    rows = list(rows)
    fitted = []
    for i, header in enumerate(headers):
        natural = max([_width(header), *(_width(r[i]) for r in rows)])
        fitted.append(min(natural, widths[i]) if widths[i] else natural)
    for row in [headers, *rows]:
        ctx.out("  ".join(_fit(cell, w) for cell, w in zip(row, fitted, strict=True)).rstrip())


# Commands ---------------------------------------------------------------------------------------------------


def shown_status(session: Session, live: dict[str, dict[str, Any]]) -> str:
    """The stored status, or ``waiting`` while a running ccsess has a request of the session open."""
    entry = live.get(session.id)
    return "waiting" if entry and entry.get("waiting") else session.status


def cmd_list(args: argparse.Namespace, ctx: Context) -> int:
    from ccsess.core.store.live_board import read_live

    live = read_live(ctx.store.data_dir)
    sessions = ctx.store.list_sessions(include_archived=args.all or args.status == "archived")
    if args.status:
        sessions = [s for s in sessions if shown_status(s, live) == args.status]
    if args.project:
        wanted = os.path.realpath(os.path.expanduser(args.project))
        sessions = [s for s in sessions if os.path.realpath(os.path.expanduser(s.project)) == wanted]
    if args.json:
        _print_json(ctx, [{**session_json(s), "status": shown_status(s, live)} for s in sessions])
        return 0
    if not sessions:
        ctx.out("No sessions." if not (args.status or args.project) else "No matching sessions.")
        return 0
    rows = [
        [
            s.id,
            escaped_line(s.name),
            shown_status(s, live),
            escaped_line(s.model or "-"),
            s.permission_mode,
            str(s.message_count),
            relative_time(s.last_active, spoken=True),
            escaped_line(_home(s.project)),
        ]
        for s in sessions
    ]
    _table(
        ctx, ["ID", "NAME", "STATUS", "MODEL", "MODE", "MSGS", "ACTIVE", "PROJECT"], rows,
        [0, 40, 0, 16, 0, 0, 0, 50]
    )
    return 0


def cmd_show(args: argparse.Namespace, ctx: Context) -> int:
    store = ctx.store
    session = store.resolve(args.ref)
    messages = store.messages(session.id)
    events = store.events(session.id)
    if args.json:
        data = session_json(session)
        data["chosen_versions"] = session.chosen_versions
        data["messages"] = [message_json(m) for m in messages]
        data["events"] = [event_json(e) for e in events]
        _print_json(ctx, data)
        return 0
    t = session.totals
    fields = [
        ("id", session.id),
        ("name", escaped_line(session.name)),
        ("project", escaped_line(session.project)),
        ("model", escaped_line(session.model or "default")),
        ("permission mode", session.permission_mode),
        ("allowed tools", escaped_line(", ".join(session.allowed_tools)) or "-"),
        ("limits", _limits(session, ctx.config)),
        ("worktree", f"{escaped_line(session.worktree)} (branch {session.worktree_branch})" if session.worktree
         else "-"),
        ("status", session.status),
        ("created", f"{iso(session.created)} ({relative_time(session.created, spoken=True)})"),
        ("last active", f"{iso(session.last_active)} ({relative_time(session.last_active, spoken=True)})"),
        ("claude session", session.claude_session_id or "-"),
        ("parent", session.parent_id or "-"),
        ("cost", t.cost_label()),
        ("tokens", f"{t.input_tokens} in, {t.output_tokens} out, {_plural(t.turns, 'turn')}"),
        ("events", str(len(events))),
    ]
    for label, value in fields:
        ctx.out(f"{label + ':':<16} {value}")
    roles: dict[str, int] = {}
    for m in messages:
        roles[m.role] = roles.get(m.role, 0) + 1
    summary = ", ".join(f"{n} {role}" for role, n in roles.items()) or "empty"
    ctx.out(f"\ntranscript: {len(messages)} messages ({summary})")
    shown = messages[-10:]
    if len(messages) > len(shown):
        ctx.out(f"  … {len(messages) - len(shown)} earlier messages")
    for m in shown:
        flags = "".join(f" [{f}]" for f in ("interrupted", "error", "partial") if getattr(m, f))
        text = escaped_line(m.text or _block_summary(m))
        ctx.out(f"  {m.role:<9} {_fit(text, 90).rstrip()}{flags}")
    return 0


def _limits(session: Session, config: Any) -> str:
    from ccsess.core.claude.limits import limits_of

    turns, budget = limits_of(session, config)
    parts = [f"{session.totals.turns} of {turns} turns" if turns else "",
             f"${session.totals.cost_usd:.4f} of ${budget:.2f}" if budget else ""]
    return ", ".join(p for p in parts if p) or "none"


def _block_summary(m: Message) -> str:
    kinds = [b.get("name") if b.get("type") == "tool_use" else b.get("type") for b in m.blocks]
    return "(" + ", ".join(str(k) for k in kinds) + ")" if kinds else "(no content)"


def cmd_rm(args: argparse.Namespace, ctx: Context) -> int:
    session = ctx.store.resolve(args.ref)
    if not args.yes:
        if not sys.stdin.isatty():
            ctx.err("refusing to delete without --yes when input is not a terminal")
            return 1
        ctx.stderr.write(
            f"Delete session {session.id} '{escaped_line(session.name)}' and its "
            f"{session.message_count} messages? [y/N] "
        )
        ctx.stderr.flush()
        answer = sys.stdin.readline().strip().lower()
        if answer not in ("y", "yes"):
            ctx.out("Nothing deleted.")
            return 1
    worktree = session.worktree if session.worktree and os.path.isdir(session.worktree) else None
    if worktree and not args.yes:
        ctx.stderr.write(f"Also remove its worktree {escaped_line(worktree)}? Its branch {session.worktree_branch} "
                         "keeps the commits. [y/N] ")
        ctx.stderr.flush()
        if sys.stdin.readline().strip().lower() in ("y", "yes"):
            from ccsess.core.code.worktrees import remove_worktree

            remove_worktree(worktree, session.worktree_source or worktree)
            worktree = None
    ctx.store.delete_session(session.id)
    ctx.out(f"deleted {session.id} ({escaped_line(session.name)})")
    if worktree:
        ctx.out(f"kept its worktree {escaped_line(worktree)} (git worktree remove {escaped_line(worktree)})")
    return 0


def cmd_rename(args: argparse.Namespace, ctx: Context) -> int:
    store = ctx.store
    session = store.resolve(args.ref)
    new_name = clean_name(args.new_name)
    store.update_session(session.id, name=new_name)
    store.add_event(session.id, Event(kind="rename", detail={"old": session.name, "new": new_name}))
    ctx.out(f"renamed {session.id}: {escaped_line(session.name)} -> {escaped_line(new_name)}")
    return 0


def cmd_prune(args: argparse.Namespace, ctx: Context) -> int:
    store = ctx.store
    cutoff = time.time() - args.older_than * DAY
    old = [s for s in store.list_sessions(include_archived=True) if s.last_active < cutoff]
    verb = "would delete" if args.dry_run else "deleted"
    for s in reversed(old):
        if not args.dry_run:
            store.delete_session(s.id)
        ctx.out(f"{verb} {s.id}  {_fit(escaped_line(s.name), 40).rstrip()}  (active {relative_time(s.last_active, spoken=True)})")
        if s.worktree and os.path.isdir(s.worktree):
            ctx.out(f"  its worktree {escaped_line(s.worktree)} is kept (git worktree remove {escaped_line(s.worktree)})")
    ctx.out(f"{verb} {_plural(len(old), 'session')}")
    return 0
