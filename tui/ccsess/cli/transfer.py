"""``ccsess export|import|search``: get transcripts out, bring Claude Code sessions in, find messages."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ccsess.cli.context import Context
from ccsess.core.transfer.export import BRANCHES, FORMATS, ExportError, export_session, export_to_file
from ccsess.core.text import plain_text

PROGRESS_MIN_FILES = 20
MALFORMED_SHOWN = 20


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("export", help="write a session (or all of them) as Markdown or JSON")
    p.add_argument("ref", metavar="ID|NAME", nargs="?", help="session id, unique id prefix or name")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output (a folder "
                   "with --all)")
    p.add_argument("--all", action="store_true", help="every session, one file each, into the -o folder")
    p.add_argument("--project", metavar="DIR", help="with --all: only sessions started in DIR or below it")
    p.add_argument("--format", choices=FORMATS, help="md (default) or json; a .json FILE implies json")
    p.add_argument("--branch", choices=BRANCHES, default="current",
                   help="current: the chosen version of each regenerated reply; all: every version")
    p.set_defaults(func=cmd_export)

    p = subparsers.add_parser("import", help="import Claude Code's sessions (~/.claude/projects), or restore "
                              "ccsess JSON exports")
    p.add_argument("path", nargs="?", metavar="FILE.json|DIR|-",
                   help="restore ccsess JSON exports: a file, a folder of them, or - for standard input")
    p.add_argument("--from", dest="source", metavar="DIR", help="folder of Claude Code project folders")
    p.add_argument("--project", metavar="DIR", help="only sessions started in DIR or below it")
    p.add_argument("--dry-run", action="store_true", help="report what would be imported, write nothing")
    p.set_defaults(func=cmd_import)

    p = subparsers.add_parser("search", help="find messages by the words in them, best first")
    p.add_argument("text", nargs="+", metavar="TEXT", help="words that must all occur")
    p.add_argument("--json", action="store_true", help="print a JSON array of hits")
    p.add_argument("--limit", type=_positive, default=20, metavar="N", help="at most N hits (default 20)")
    p.set_defaults(func=cmd_search)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def cmd_export(args: argparse.Namespace, ctx: Context) -> int:
    if args.all or args.project:
        return _export_all(args, ctx)
    if args.ref is None:
        ctx.err("name a session to export, or use --all -o DIR")
        return 2
    session = ctx.store.resolve(args.ref)
    fmt = args.format or ("json" if args.output and args.output.lower().endswith(".json") else "md")
    try:
        if args.output:
            path = export_to_file(ctx.store, session.id, Path(args.output), fmt, args.branch)
            ctx.err(f"wrote {session.name} ({session.id}) to {path}")
        else:
            text = export_session(ctx.store, session.id, fmt=fmt, branch=args.branch)
            ctx.stdout.write(text)
            ctx.stdout.flush()
    except ExportError as exc:
        ctx.err(str(exc))
        return 1
    return 0


def _export_all(args: argparse.Namespace, ctx: Context) -> int:
    from ccsess.core.transfer.archive import export_all

    if args.ref is not None or not args.output:
        ctx.err("--all writes every session into a folder: ccsess export --all -o DIR [--project DIR]")
        return 2
    stream = ctx.stderr
    tty = hasattr(stream, "isatty") and stream.isatty()

    def progress(done: int, total: int) -> None:
        stream.write(f"\rexporting sessions: {done}/{total}")
        stream.flush()

    try:
        written = export_all(ctx.store, args.output, args.format or "md", args.project, progress if tty else None)
    except ExportError as exc:
        if tty:
            stream.write("\n")
        ctx.err(str(exc))
        return 1
    if tty and written:
        stream.write("\n")
    ctx.err(f"wrote {len(written)} sessions to {Path(args.output).expanduser()}")
    return 0


def _restore(args: argparse.Namespace, ctx: Context) -> int:
    from ccsess.core.transfer.archive import documents_at, restore

    try:
        documents = documents_at(args.path, sys.stdin.read)
    except ValueError as exc:
        ctx.err(str(exc))
        return 1
    if not documents:
        ctx.err(f"no JSON exports in {args.path}")
        return 1
    report = restore(ctx.store, documents)
    for line in report.copies:
        ctx.err(plain_text(line))
    for problem in report.problems:
        ctx.err(f"could not restore {plain_text(problem)}")
    ctx.out(report.summary())
    return 1 if report.problems else 0


def cmd_import(args: argparse.Namespace, ctx: Context) -> int:
    if args.path:
        return _restore(args, ctx)
    stream = ctx.stderr
    shown = False

    def progress(done: int, total: int, path: Path) -> None:
        nonlocal shown
        if total >= PROGRESS_MIN_FILES and (done % 10 == 0 or done == total):
            stream.write(f"\rreading session files: {done}/{total}")
            stream.flush()
            shown = True

    tty = hasattr(stream, "isatty") and stream.isatty()
    source = args.source
    if source and not Path(source).expanduser().is_dir():
        ctx.err(f"cannot import from {source}: it is not a directory")
        return 1
    from ccsess.core.transfer.claude_import import import_sessions

    report = import_sessions(
        ctx.store, source, project=args.project, dry_run=args.dry_run, progress=progress if tty else None
    )
    if shown:
        stream.write("\n")
    for line in report.malformed[:MALFORMED_SHOWN]:
        ctx.err(f"skipped malformed line {plain_text(line)}")
    if len(report.malformed) > MALFORMED_SHOWN:
        ctx.err(f"... and {len(report.malformed) - MALFORMED_SHOWN} more malformed lines")
    for problem in report.problems:
        ctx.err(f"could not import {plain_text(problem)}")
    ctx.out(report.summary())
    return 1 if report.problems else 0


def cmd_search(args: argparse.Namespace, ctx: Context) -> int:
    from ccsess.core.search import search

    query = " ".join(args.text)
    hits = search(ctx.store, query, args.limit, per_session=3)
    names = {s.id: s.name for s in ctx.store.list_sessions(include_archived=True)}
    if args.json:
        rows = [
            {"session_id": h.session_id, "session_name": names.get(h.session_id, ""), "message_id": h.message_id,
             "snippet": h.snippet, "score": round(h.score, 6)}
            for h in hits
        ]
        ctx.out(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    if not hits:
        ctx.err(f"no messages match {plain_text(query)!r}")
        return 0
    for hit in hits:
        name = plain_text(names.get(hit.session_id, "?"))
        ctx.out(f"{name} ({hit.session_id}) {hit.message_id}: {plain_text(hit.snippet)}")
    return 0
