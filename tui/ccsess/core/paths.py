"""Where ccsess keeps its data, its config and user themes."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

import platformdirs

from ccsess.core.errors import DataDirError

APP_NAME = "ccsess"
DATA_DIR_ENV = "CCSESS_DATA_DIR"
CONFIG_ENV = "CCSESS_CONFIG"


def data_dir(override: str | os.PathLike[str] | None = None, environ: Mapping[str, str] = os.environ) -> Path:
    """The data dir: ``--data-dir``, then ``CCSESS_DATA_DIR``, then the platform's user data dir."""
    if override:
        return Path(override).expanduser().absolute()
    if environ.get(DATA_DIR_ENV):
        return Path(environ[DATA_DIR_ENV]).expanduser().absolute()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def config_path(environ: Mapping[str, str] = os.environ) -> Path:
    """The config file: ``CCSESS_CONFIG``, else ``config.toml`` in the platform's user config dir."""
    if environ.get(CONFIG_ENV):
        return Path(environ[CONFIG_ENV]).expanduser().absolute()
    return config_dir() / "config.toml"


def user_themes_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """User theme files live in ``themes/`` beside the config file."""
    return config_path(environ).parent / "themes"


def claude_config_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """Claude Code's own folder: ``CLAUDE_CONFIG_DIR``, else ``~/.claude`` (``HOME`` decides where ``~`` is)."""
    if environ.get("CLAUDE_CONFIG_DIR"):
        return Path(environ["CLAUDE_CONFIG_DIR"]).expanduser()
    return Path(environ.get("HOME") or os.path.expanduser("~")) / ".claude"


def claude_projects_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """Where Claude Code keeps its session files, one folder per project."""
    return claude_config_dir(environ) / "projects"


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) readable only by the user; raise DataDirError if it cannot be used."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except FileExistsError:
        raise DataDirError(f"cannot use {path}: it exists and is not a directory") from None
    except OSError as exc:
        raise DataDirError(f"cannot create {path}: {exc.strerror or exc}") from None
    if not path.is_dir():
        raise DataDirError(f"cannot use {path}: it exists and is not a directory")
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        # Take group and other access away, but never add any: a dir the user made read-only stays so.
        if mode & 0o077:
            path.chmod(mode & 0o700)
    except OSError as exc:
        raise DataDirError(f"cannot use {path}: {exc.strerror or exc}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise DataDirError(f"cannot use {path}: it is not writable")
    return path
