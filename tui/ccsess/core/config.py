"""User settings from ``config.toml``: every key optional, every value checked."""

from __future__ import annotations

import os
import tomllib
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
    path: Path | None = None

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
