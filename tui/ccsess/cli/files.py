"""``ccsess diff``, ``ccsess rewind`` and ``ccsess worktree``: what a session's turns did to its folder, taking it
back, and the session's own git worktree."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ccsess.cli.context import Context
from ccsess.core.text import escaped_line


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("diff", help="what a session changed in its folder, as a unified diff")
    p.add_argument("ref", metavar="ID|NAME", help="session id, unique id prefix or name")
    p.add_argument("--turn", type=int, metavar="N", help="only turn N (counted from 1, as in the export)")
    p.add_argument("--stat", action="store_true", help="only the files with their added and removed lines")
    p.set_defaults(func=cmd_diff)

    p = subparsers.add_parser("rewind", help="put a session's files back as they were before a turn")
    p.add_argument("ref", metavar="ID|NAME", help="session id, unique id prefix or name")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--turn", type=int, metavar="N", help="the files as they were when turn N started")
    what.add_argument("--undo", action="store_true", help="the files as they were before the last rewind")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=cmd_rewind)

    p = subparsers.add_parser("worktree", help="commit or remove a session's own git worktree")
    p.add_argument("ref", metavar="ID|NAME", help="session id, unique id prefix or name")
    p.add_argument("action", choices=("commit", "remove"), help="commit its changes to its branch, or remove it")
    p.add_argument("--force", action="store_true", help="remove even with uncommitted changes (they are lost)")
    p.set_defaults(func=cmd_worktree)


def _files(ctx: Context) -> Any:
    from ccsess.core.code.turn_files import TurnFiles

    return TurnFiles(ctx.store, ctx.store.data_dir,
                     max_file_bytes=int(ctx.config.snapshot_max_file_mb * 1024 * 1024))


def stat_lines(changes: list[Any]) -> list[str]:
    lines = []
    for change in changes:
        counts = "binary" if change.added is None else f"+{change.added} -{change.removed}"
        lines.append(f"  {change.status} {escaped_line(change.path)}  {counts}")
    added = sum(c.added or 0 for c in changes)
    removed = sum(c.removed or 0 for c in changes)
    lines.append(f"{len(changes)} file{'s' if len(changes) != 1 else ''} changed, {added} insertions(+), "
                 f"{removed} deletions(-)")
    return lines


def cmd_diff(args: argparse.Namespace, ctx: Context) -> int:
    session = ctx.store.resolve(args.ref)
    files = _files(ctx)
    try:
        if args.stat:
            for line in stat_lines(files.changes(session.id, args.turn)):
                ctx.out(line)
        else:
            ctx.stdout.write(files.diff(session.id, args.turn))
    finally:
        files.close()
    return 0


def cmd_rewind(args: argparse.Namespace, ctx: Context) -> int:
    from ccsess.core.errors import EngineError

    session = ctx.store.resolve(args.ref)
    files = _files(ctx)
    try:
        try:
            target = (files.undo_target(session.id) if args.undo else files.turn(session.id, args.turn).start)
        except EngineError as error:
            ctx.err(str(error))
            return 1
        if target is None:
            ctx.err(f"turn {args.turn} has no snapshot of the files to go back to")
            return 1
        what = "as they were before the last rewind" if args.undo else f"as they were before turn {args.turn}"
        repo = files.repo(session.id)
        pending = repo.changes(repo.snapshot().tree, target)
        if not pending:
            ctx.out(f"nothing to do: the files are already {what}")
            return 0
        if not args.yes:
            if not sys.stdin.isatty():
                ctx.err("refusing to change files without --yes when input is not a terminal")
                return 1
            for line in stat_lines(pending):
                ctx.stderr.write(line + "\n")
            ctx.stderr.write(f"Put these files in {escaped_line(session.project)} back {what}? [y/N] ")
            ctx.stderr.flush()
            if sys.stdin.readline().strip().lower() not in ("y", "yes"):
                ctx.out("Nothing changed.")
                return 1
        changed = files.undo(session.id) if args.undo else files.rewind(session.id, args.turn)
        ctx.out(f"put {len(changed)} file{'s' if len(changed) != 1 else ''} back {what}"
                + ("" if args.undo else f" (undo: ccsess rewind {session.id} --undo)"))
    finally:
        files.close()
    return 0


def cmd_worktree(args: argparse.Namespace, ctx: Context) -> int:
    from ccsess.core.code.worktrees import commit_message, commit_worktree, remove_worktree

    store = ctx.store
    session = store.resolve(args.ref)
    if not session.worktree:
        ctx.err(f"session {session.id} has no worktree of its own")
        return 1
    if args.action == "commit":
        prompts = [m.text for m in store.messages(session.id) if m.role == "user" and not m.synthetic]
        commit = commit_worktree(session.worktree, commit_message(session, prompts[-1] if prompts else ""))
        ctx.out(f"committed {commit} to {session.worktree_branch}" if commit else "nothing to commit")
        return 0
    remove_worktree(session.worktree, session.worktree_source or session.worktree, force=args.force)
    store.update_session(session.id, worktree=None, worktree_branch=None)
    ctx.out(f"removed the worktree {escaped_line(session.worktree)}; the branch {session.worktree_branch} keeps "
            "its commits")
    return 0
