"""``ccsess run``: send one prompt to a session and stream the reply to stdout, for scripts.

The reply goes to stdout as plain text (escape sequences and control characters removed when stdout is a
terminal); retries, tool activity, denials and errors go to stderr as one-line notes. Nobody is there to answer a
permission request, so each is denied unless the permission mode lets claude go ahead without asking.
Exit code: 0 when the reply finished, 1 on failure, 3 when the session reached its turn or budget limit, 130 when
stopped with Ctrl-C (the partial reply is kept). The hooks of the config (``notify_command``, ``webhook_url``) get
the same events as in the app.
"""

from __future__ import annotations

import argparse
import os
import queue
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ccsess.cli.asking import NO_ONE_TO_ASK, NO_ONE_TO_REVIEW, Asker
from ccsess.core.config import PERMISSION_MODES, limit_budget, limit_turns
from ccsess.core.text import plain_text, tool_summary

if TYPE_CHECKING:
    from ccsess.core.claude import events as ev
    from ccsess.core.claude.engine import Engine

STOP_WAIT = 10.0
LIMITED = 3
DENIED_HEADLESS = ("ccsess run cannot ask for permission; rerun with --permission-mode acceptEdits "
                   "(or another mode that allows this tool)")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run", help="send one prompt and stream the reply to stdout",
        description="Send PROMPT to a session (a new one unless --session is given) and print the reply.",
    )
    parser.add_argument("prompt", metavar="PROMPT", help="the prompt; - reads it from stdin")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--session", metavar="ID|NAME", help="continue this session (id, name or unique prefix)")
    target.add_argument("--new", nargs="?", const="", metavar="NAME", help="start a new session (the default)")
    parser.add_argument("--model", metavar="M", help="model for this and later turns of the session")
    parser.add_argument("--project", metavar="DIR", help="project directory of a new session (default: here)")
    parser.add_argument("--permission-mode", metavar="M", choices=PERMISSION_MODES,
                        help=f"one of {', '.join(PERMISSION_MODES)}")
    parser.add_argument("--answer", metavar="TEXT", action="append", default=[],
                        help="an answer to a question claude asks, in order (repeat it; a number picks an option); "
                             "without enough of them the question is asked on the terminal, if there is one")
    parser.add_argument("--worktree", action="store_true",
                        help="give a new session its own git worktree on a new branch ccsess/NAME")
    parser.add_argument("--max-turns", metavar="N", type=_checked(limit_turns),
                        help="stop the session after N turns in all (kept with the session)")
    parser.add_argument("--max-budget-usd", metavar="X", type=_checked(limit_budget),
                        help="stop the session once it has cost X US dollars (kept with the session)")
    parser.set_defaults(func=handle_run)


def _checked(check: Any) -> Any:
    def parse(text: str) -> Any:
        try:
            return check(float(text) if "." in text else int(text))
        except ValueError as error:
            raise argparse.ArgumentTypeError(f"{text!r} {error}") from None
    return parse


class _ReplyPrinter:
    """Writes the reply as it streams; redraws it when claude's final text differs from what was streamed."""

    def __init__(self, out: TextIO, *, clean: bool) -> None:
        self.out = out
        self.clean = clean
        self.last = "\n"
        self.streamed_in_message = False

    def write(self, text: str) -> None:
        if self.clean:
            text = plain_text(text)
        if text:
            self.out.write(text)
            self.out.flush()
            self.last = text[-1]

    def delta(self, text: str) -> None:
        if not self.streamed_in_message and self.last != "\n":
            self.write("\n\n")
        self.streamed_in_message = True
        self.write(text)

    def completed(self, message: Any, replaces_streamed: bool) -> None:
        # An API error arrives as a made-up assistant message; its reason goes to stderr, not into the reply. A
        # subagent's text is not the reply either.
        shown = (message.role == "assistant" and message.text and not (message.error and message.synthetic)
                 and not message.parent_tool_use_id)
        if shown and (replaces_streamed or not self.streamed_in_message):
            self.write("\n\n" if self.last != "\n" else "")
            self.write(message.text)
        self.streamed_in_message = False

    def finish(self) -> None:
        if self.last != "\n":
            self.write("\n")


def _read_prompt(args: argparse.Namespace) -> str:
    if args.prompt == "-":
        return sys.stdin.read()
    return args.prompt


def _session_for(args: argparse.Namespace, ctx: Any, prompt: str) -> Any:
    store, config = ctx.store, ctx.config
    if args.session is not None:
        if args.project or args.worktree:
            raise _UsageError("--project and --worktree only apply to a new session")
        session = store.resolve(args.session)
        if args.permission_mode and args.permission_mode != session.permission_mode:
            session = store.update_session(session.id, permission_mode=args.permission_mode)
        return session
    project = Path(args.project or os.getcwd()).expanduser().resolve()
    if not project.is_dir():
        raise _UsageError(f"project directory {project} does not exist")
    name = args.new or " ".join(prompt.split())[:40] or "run"
    session = store.create_session(
        name, str(project), model=args.model or config.default_model,
        permission_mode=args.permission_mode or config.permission_mode,
    )
    if args.worktree or config.worktree == "always":
        from ccsess.core.code.worktrees import give_worktree, worktrees_base
        from ccsess.core.errors import GitError

        try:
            session, notes = give_worktree(store, session, worktrees_base(config.worktree_dir, store.data_dir))
        except GitError as error:
            ctx.err(f"{error}; the session works in {project} itself")
            return session
        for note in notes:
            ctx.err(note)
        ctx.err(f"working in the worktree {session.worktree} on branch {session.worktree_branch}")
    return session


class _UsageError(Exception):
    pass


def handle_run(args: argparse.Namespace, ctx: Any) -> int:
    prompt = _read_prompt(args)
    if not prompt.strip():
        ctx.err("the prompt is empty")
        return 2
    try:
        session = _session_for(args, ctx, prompt)
    except _UsageError as exc:
        ctx.err(str(exc))
        return 2
    from ccsess.core.claude import events as ev
    from ccsess.core.claude.engine import Engine, LimitExceeded
    from ccsess.core.hooks import Hooks
    from ccsess.core.store.live_board import LiveBoard

    hooks = Hooks(ctx.store, command=ctx.config.notify_command, webhook_url=ctx.config.webhook_url,
                  on_failure=ctx.err)
    board = LiveBoard(ctx.store.data_dir)
    events: queue.Queue[ev.EngineEvent] = queue.Queue()
    engine = Engine(ctx.store, ctx.config, events.put)

    def observe(event: ev.EngineEvent) -> None:
        hooks.engine_event(event)
        if isinstance(event, ev.ProcessStateChanged):
            board.update(event.session_id, event.state, waiting=event.waiting, claude_pid=event.pid)
        elif isinstance(event, (ev.PermissionRequested, ev.QuestionAsked, ev.PlanProposed)):
            # Shown as waiting while the terminal asks, before the state change that follows the request.
            board.update(event.session_id, "waiting", waiting=1, claude_pid=engine.pid(event.session_id))

    printer = _ReplyPrinter(ctx.stdout, clean=_is_tty(ctx.stdout))
    try:
        if args.session is not None and args.model and args.model != session.model:
            engine.set_model(session.id, args.model)
        if args.max_turns is not None or args.max_budget_usd is not None:
            engine.set_limits(session.id, args.max_turns or session.max_turns,
                              args.max_budget_usd or session.max_budget_usd)
        try:
            engine.send(session.id, prompt)
        except LimitExceeded as limited:
            _drain(events, observe)
            ctx.err(str(limited))
            return LIMITED
        asker = Asker(args.answer, terminal=_is_tty(sys.stdin) and _is_tty(ctx.stderr), read_line=sys.stdin.readline,
                      err=ctx.stderr)
        return _follow(engine, session.id, events, printer, ctx, asker, observe)
    finally:
        printer.finish()
        engine.shutdown(timeout=5.0)
        _drain(events, observe)
        hooks.close(timeout=5.0)
        board.close()


def _drain(events: queue.Queue[ev.EngineEvent], observe: Any) -> list[ev.EngineEvent]:
    drained = []
    while True:
        try:
            event = events.get_nowait()
        except queue.Empty:
            return drained
        observe(event)
        drained.append(event)


def _follow(engine: Engine, session_id: str, events: queue.Queue[ev.EngineEvent], printer: _ReplyPrinter,
            ctx: Any, asker: Asker, observe: Any) -> int:
    from ccsess.core.claude import events as ev

    failed = False
    stopping_since: float | None = None
    while True:
        try:
            try:
                event = events.get(timeout=0.2)
            except queue.Empty:
                if stopping_since is not None and time.monotonic() - stopping_since > STOP_WAIT:
                    return 130
                if failed and not engine.is_streaming(session_id):
                    return 1
                continue
            if event.session_id != session_id:
                continue
            observe(event)
            if isinstance(event, ev.TextDelta):
                printer.delta(event.text)
            elif isinstance(event, ev.MessageCompleted):
                printer.completed(event.message, event.replaces_streamed)
            elif isinstance(event, ev.ToolUseStarted):
                ctx.err(f"tool {plain_text(event.name)}")
            elif isinstance(event, ev.PermissionRequested):
                engine.answer_permission(session_id, event.request_id, "deny", DENIED_HEADLESS)
                ctx.err(f"denied {plain_text(event.tool_name)}: {tool_summary(event.tool_input, 200)} "
                        f"(permission mode does not allow it without asking)")
            elif isinstance(event, ev.QuestionAsked):
                answers = asker.answers(event.questions)
                engine.answer_question(session_id, event.request_id, answers, NO_ONE_TO_ASK)
                if answers is None:
                    asked = "; ".join(q.question for q in event.questions)
                    ctx.err(f"claude asked \"{plain_text(asked)}\" and got no answer (pass --answer, or run on a "
                            "terminal)")
            elif isinstance(event, ev.PlanProposed):
                decision, note = asker.plan_decision(event.plan) or ("keep", NO_ONE_TO_REVIEW)
                engine.answer_plan(session_id, event.request_id, decision, note)
                if note == NO_ONE_TO_REVIEW:
                    ctx.err("claude proposed a plan and no one could review it here; it keeps planning")
            elif isinstance(event, ev.PermissionDenied):
                ctx.err(f"denied {plain_text(event.tool_name)} by the permission mode")
            elif isinstance(event, ev.ApiRetry):
                ctx.err(plain_text(event.describe()))
            elif isinstance(event, ev.Notice):
                ctx.err(plain_text(event.text))
            elif isinstance(event, ev.ModelFallback):
                ctx.err(f"model fell back to {plain_text(event.fallback_model)}")
            elif isinstance(event, ev.SessionFailed):
                ctx.err(plain_text(event.reason))
                failed = True
            elif isinstance(event, ev.TurnFinished):
                if event.interrupted or stopping_since is not None:
                    return 130
                # A limit reached by this turn is reported right after it.
                limits = [e for e in _drain(events, observe) if isinstance(e, ev.LimitReached)]
                for limit in limits:
                    ctx.err(plain_text(limit.reason))
                if limits:
                    return LIMITED
                return 1 if (failed or event.is_error) else 0
        except KeyboardInterrupt:
            if stopping_since is not None:
                return 130
            ctx.err("stopping; the partial reply is kept (Ctrl-C again to quit at once)")
            stopping_since = time.monotonic()
            engine.stop(session_id)
            if not engine.is_streaming(session_id):
                return 130


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
