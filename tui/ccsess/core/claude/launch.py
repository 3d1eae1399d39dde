"""How a ccsess session becomes a claude command line.

A new session gets ``--session-id`` (an id ccsess chose and stored first); a session claude already has on disk
gets ``--resume``; a branch not yet started gets ``--resume <parent> --resume-session-at <assistant uuid>
--fork-session`` and learns its own id from the first ``init`` line. Arguments are always a list.
``start_claude`` starts that command.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ccsess.core.claude.live import LiveSession
from ccsess.core.claude.process import ClaudeProcess, SpawnError
from ccsess.core.store.api import SessionStore

from ccsess.core.config import PERMISSION_MODES
from ccsess.core.models import Session
from ccsess.core.paths import claude_projects_dir


BASE_ARGS = (
    "-p",
    "--input-format", "stream-json",
    "--output-format", "stream-json",
    "--verbose",
    "--include-partial-messages",
    "--forward-subagent-text",
    "--permission-prompt-tool", "stdio",
)

NOT_FOUND_HELP = (
    "the claude CLI was not found ({program}). Install it with `npm install -g @anthropic-ai/claude-code`, "
    "or point ccsess at it with `claude = \"/path/to/claude\"` in config.toml or the CCSESS_CLAUDE variable."
)


class LaunchRefused(Exception):
    """The session cannot be started as configured; str() is a user-facing line. ``kind`` as in SessionFailed."""

    def __init__(self, reason: str, kind: str) -> None:
        super().__init__(reason)
        self.kind = kind


@dataclass(frozen=True)
class LaunchPlan:
    argv: list[str]
    mode: str  # new, resume, fork
    claude_session_id: str | None  # None while a fork's id is not known yet
    notice: str = ""


def claude_has_session(env: Mapping[str, str], claude_session_id: str) -> bool:
    """Whether claude keeps a transcript for this id in any project (the slug of a project is not computed)."""
    try:
        uuid.UUID(claude_session_id)
    except ValueError:
        return False
    projects = claude_projects_dir(env)
    return any(projects.glob(f"*/{claude_session_id}.jsonl"))


def resolve_program(program: str, env: Mapping[str, str]) -> str:
    found = shutil.which(program, path=env.get("PATH", os.defpath))
    if found is not None:
        return found
    if os.sep in program and os.path.isfile(program):
        raise LaunchRefused(f"the claude CLI at {program} is not executable (chmod +x it, or set `claude` in "
                            "config.toml to the right file)", "not_found")
    raise LaunchRefused(NOT_FOUND_HELP.format(program=program), "not_found")


def check_permission_mode(mode: str, env: Mapping[str, str]) -> str:
    """Refuse what claude itself would refuse, before spawning it: bypass as root outside a sandbox."""
    if mode not in PERMISSION_MODES:
        raise LaunchRefused(
            f"unknown permission mode {mode!r}; use one of {', '.join(PERMISSION_MODES)}", "spawn")
    if mode == "bypassPermissions" and hasattr(os, "geteuid") and os.geteuid() == 0 and not env.get("IS_SANDBOX"):
        raise LaunchRefused(
            "bypassPermissions cannot be used as root (claude refuses it); choose another permission mode, "
            "or set IS_SANDBOX=1 if this really is a sandbox", "spawn")
    return mode


def plan_launch(program: str, session: Session, env: Mapping[str, str], *, budget: float | None = None) -> LaunchPlan:
    """The command line for ``session``. ``session.claude_session_id`` must be set unless a fork is pending.
    ``budget``: the US dollars claude may still spend (its ``--max-budget-usd``)."""
    mode = check_permission_mode(session.permission_mode or "default", env)
    argv = [resolve_program(program, env), *BASE_ARGS, "--permission-mode", mode]
    if session.model:
        argv += ["--model", session.model]
    if budget is not None:
        argv += ["--max-budget-usd", f"{budget:.6f}"]
    if session.allowed_tools:
        argv += ["--allowedTools", *session.allowed_tools]
    fork = session.pending_fork
    if (fork is not None and fork.claude_session_id and fork.claude_uuid
            and claude_has_session(env, fork.claude_session_id)):
        argv += ["--resume", fork.claude_session_id, "--resume-session-at", fork.claude_uuid, "--fork-session"]
        return LaunchPlan(argv, "fork", None)
    claude_id = session.claude_session_id or str(uuid.uuid4())
    if claude_has_session(env, claude_id):
        return LaunchPlan(argv + ["--resume", claude_id], "resume", claude_id)
    notice = ""
    # The prompt being sent is already stored, so more than one message means earlier turns claude has lost.
    if session.message_count > 1 and (session.claude_session_id or fork is not None):
        notice = ("claude no longer has this conversation's history, so this reply starts without it; "
                  "the transcript in ccsess is kept")
    return LaunchPlan(argv + ["--session-id", claude_id], "new", claude_id, notice)


def start_claude(program: str, session: Session, store: SessionStore, env: Mapping[str, str], budget: float | None,
                 on_line: Callable[[LiveSession, dict[str, Any]], None],
                 on_exit: Callable[[LiveSession, int | None, str], None],
                 on_tick: Callable[[LiveSession], None]) -> tuple[LiveSession, LaunchPlan, Session]:
    """Start the session's claude as planned, its stderr logged in the store; the session as updated for it."""
    plan = plan_launch(program, session, env, budget=budget)
    if plan.mode != "fork" and (plan.claude_session_id != session.claude_session_id or session.pending_fork):
        session = store.update_session(session.id, claude_session_id=plan.claude_session_id, pending_fork=None)
    project = session.project or os.getcwd()
    if not os.path.isdir(project):
        raise LaunchRefused(f"the project directory {project} does not exist", "spawn")
    holder: dict[str, LiveSession] = {}
    process = ClaudeProcess(
        plan.argv, cwd=project, env=env, stderr_path=store.log_path(session.id),
        on_line=lambda obj: on_line(holder["live"], obj),
        on_exit=lambda code, tail: on_exit(holder["live"], code, tail),
        on_tick=lambda: on_tick(holder["live"]),
    )
    live = holder["live"] = LiveSession(session.id, process, plan.mode, plan.claude_session_id)
    try:
        process.start()
    except FileNotFoundError:
        raise LaunchRefused(str(plan.argv[0]), "not_found") from None
    except SpawnError as exc:
        raise LaunchRefused(str(exc), "spawn") from None
    return live, plan, session
