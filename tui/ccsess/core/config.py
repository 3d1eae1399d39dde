"""User settings from ``config.toml``: every key optional, every value checked."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ccsess.core.paths import config_path

CLAUDE_ENV = "CCSESS_CLAUDE"
# The modes claude accepts (2.1.328), with what each does; ``manual`` is claude's other name for ``default``.
MODE_HELP: dict[str, str] = {
    "default": "asks before edits and before commands that change things",
    "acceptEdits": "edits files in the project without asking; asks for other commands",
    "plan": "reads and plans, changes nothing; then asks you to approve a plan",
    "auto": "decides by itself with claude's safety check; what it cannot check is denied",
    "dontAsk": "never asks: whatever would need asking is denied",
    "bypassPermissions": "runs everything without asking (refused as root unless IS_SANDBOX=1)",
    "manual": "claude's other name for default",
}
PERMISSION_MODES: tuple[str, ...] = ("default", "acceptEdits", "plan", "auto", "dontAsk", "bypassPermissions",
                                     "manual")
# shift+tab walks these, as in Claude Code; bypassPermissions joins only with ``bypass_in_cycle = true``.
MODE_CYCLE: tuple[str, ...] = ("default", "acceptEdits", "plan")
DEFAULT_MODELS: tuple[str, ...] = ("sonnet", "opus", "haiku")
NOTIFY_CHOICES: tuple[str, ...] = ("off", "bell", "desktop", "both")
# What a session in the background does to get attention when ``notify`` is not set, by event.
DEFAULT_NOTIFY: dict[str, str] = {"waiting": "both", "error": "both", "limit_reached": "both",
                                  "turn_finished": "bell"}


class ConfigError(Exception):
    """A config file that cannot be used; ``str()`` is one line naming the file and the key."""


@dataclass(frozen=True)
class Config:
    claude: str = "claude"
    default_model: str | None = None
    models: list[str] = field(default_factory=lambda: list(DEFAULT_MODELS))
    permission_mode: str = "default"
    max_live: int = 4
    idle_timeout: float = 600
    theme: str = "ccsess-dark"
    keymap: dict[str, str] = field(default_factory=dict)
    bypass_in_cycle: bool = False
    notify: str | None = None
    notify_command: list[str] = field(default_factory=list)
    webhook_url: str | None = None
    max_turns: int | None = None
    max_budget_usd: float | None = None
    snapshots: bool = True
    snapshot_max_file_mb: float = 10.0
    rewind_files: str = "ask"
    worktree: str = "never"
    worktree_dir: str | None = None
    path: Path | None = None

    def notify_for(self, event: str) -> str:
        """How an event of a background session is signalled: off, bell, desktop or both."""
        return self.notify or DEFAULT_NOTIFY.get(event, "off")

    def mode_after(self, mode: str) -> str:
        """The permission mode shift+tab switches to from ``mode``."""
        cycle = MODE_CYCLE + (("bypassPermissions",) if self.bypass_in_cycle else ())
        return cycle[(cycle.index(mode) + 1) % len(cycle)] if mode in cycle else cycle[0]


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-empty string")
    return value


def _models(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise ValueError("must be a non-empty list of model names")
    if not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError("must be a list of non-empty strings")
    return list(value)


def _permission_mode(value: Any) -> str:
    if value not in PERMISSION_MODES:
        raise ValueError(f"must be one of {', '.join(PERMISSION_MODES)}")
    return value


def _max_live(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("must be an integer >= 1")
    return value


def _idle_timeout(value: Any) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not value > 0
        or value == float("inf")
    ):
        raise ValueError("must be a number of seconds > 0")
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _keymap(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ValueError('must be a table of action = "key"')
    for action, key in value.items():
        if not isinstance(key, str) or not key.strip():
            raise ValueError(f'{action} must be a key name such as "ctrl+n"')
    return dict(value)


def _notify(value: Any) -> str:
    if value not in NOTIFY_CHOICES:
        raise ValueError(f"must be one of {', '.join(NOTIFY_CHOICES)}")
    return value


def _argv(value: Any) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise ValueError('must be a program and its arguments as a list, e.g. ["notify-send", "ccsess"]')
    return list(value)


def _url(value: Any) -> str:
    if not isinstance(value, str) or not value.startswith(("http://", "https://")) or len(value) < 10:
        raise ValueError("must be an http:// or https:// address")
    return value


def _choice(*choices: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return value
    return check


def _megabytes(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < float("inf"):
        raise ValueError("must be a size in MB > 0")
    return float(value)


def limit_turns(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("must be a whole number of turns >= 1")
    return value


def limit_budget(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < float("inf"):
        raise ValueError("must be an amount in US dollars > 0")
    return float(value)


_CHECKS: dict[str, Callable[[Any], Any]] = {
    "claude": _text,
    "default_model": _text,
    "models": _models,
    "permission_mode": _permission_mode,
    "max_live": _max_live,
    "idle_timeout": _idle_timeout,
    "theme": _text,
    "keymap": _keymap,
    "bypass_in_cycle": _flag,
    "notify": _notify,
    "notify_command": _argv,
    "webhook_url": _url,
    "max_turns": limit_turns,
    "max_budget_usd": limit_budget,
    "snapshots": _flag,
    "snapshot_max_file_mb": _megabytes,
    "rewind_files": _choice("ask", "always", "never"),
    "worktree": _choice("never", "ask", "always"),
    "worktree_dir": _text,
}


def load_config(path: Path | str | None = None, environ: Mapping[str, str] = os.environ) -> Config:
    """Read and check the config file (a missing file means all defaults). ``CCSESS_CLAUDE`` overrides
    ``claude``."""
    path = Path(path) if path is not None else config_path(environ)
    values: dict[str, Any] = {}
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raw = None
    except OSError as exc:
        raise ConfigError(f"config error in {path}: cannot read it ({exc.strerror or exc})") from None
    if raw is not None:
        import tomllib  # only when there is a file: the parser is not needed to start without one

        try:
            document = tomllib.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise ConfigError(f"config error in {path}: the file is not UTF-8 text") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config error in {path}: {exc}") from None
        for key, value in document.items():
            check = _CHECKS.get(key)
            if check is None:
                known = ", ".join(_CHECKS)
                raise ConfigError(f"config error in {path}: unknown key '{key}' (known keys: {known})")
            try:
                values[key] = check(value)
            except ValueError as exc:
                raise ConfigError(f"config error in {path}: {key} {exc}") from None
    if environ.get(CLAUDE_ENV):
        values["claude"] = environ[CLAUDE_ENV]
    return Config(**values, path=path)
