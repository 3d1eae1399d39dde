"""What every headless command gets (config, store, data dir) and how its failures reach the user."""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import sys
import traceback
from functools import cached_property
from pathlib import Path
from typing import TextIO

from ccsess.core import paths
from ccsess.core.config import Config, ConfigError, load_config
from ccsess.core.errors import EngineError, GitError, StoreError
from ccsess.core.search import attach_index
from ccsess.core.store.store import Store


class Context:
    def __init__(
        self, args: argparse.Namespace, *, stdout: TextIO | None = None, stderr: TextIO | None = None
    ):
        self.args = args
        self._stdout = stdout
        self._stderr = stderr
        self._store: Store | None = None

    @property
    def stdout(self) -> TextIO:
        return self._stdout or sys.stdout

    @property
    def stderr(self) -> TextIO:
        return self._stderr or sys.stderr

    @cached_property
    def data_dir(self) -> Path:
        return paths.data_dir(getattr(self.args, "data_dir", None))

    @cached_property
    def config(self) -> Config:
        return load_config()

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.data_dir)
            attach_index(self._store)
        return self._store

    @property
    def store_opened(self) -> bool:
        return self._store is not None

    def out(self, text: str = "") -> None:
        print(text, file=self.stdout)

    def err(self, message: str) -> None:
        print(f"ccsess: {message}", file=self.stderr)

    def close(self) -> None:
        """Fold the store's journals, and save the first screen for the next window if the command changed the
        list (an import of 10,000 sessions would otherwise make the next start read the whole index)."""
        if self._store is not None:
            self._store.close()
            try:
                self._store.save_first_screen()
            except StoreError:
                pass

    def warn_problems(self) -> None:
        if self._store is not None:
            for problem in self._store.problems:
                self.err(f"warning: {problem}")


def dispatch(args: argparse.Namespace) -> int:
    """Run the chosen subcommand's handler and turn every failure into one line and an exit code."""
    ctx = Context(args)
    try:
        _ = ctx.config  # a bad config is reported whatever the command
        return int(args.func(args, ctx) or 0)
    except ConfigError as exc:
        ctx.err(str(exc))
        return 2
    except (StoreError, GitError, EngineError) as exc:
        ctx.err(str(exc))
        return 1
    except KeyboardInterrupt:
        ctx.err("interrupted")
        return 130
    except BrokenPipeError:
        # The reader of our output went away (``ccsess list | head``): stop quietly.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 141
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a traceback on screen
        log = _log_internal_error(ctx)
        where = f" (details in {log})" if log else ""
        ctx.err(f"internal error: {type(exc).__name__}: {exc}{where}")
        return 1
    finally:
        ctx.warn_problems()
        ctx.close()


def _log_internal_error(ctx: Context) -> Path | None:
    try:
        logs = paths.ensure_private_dir(ctx.data_dir / "logs")
        log = logs / "ccsess.log"
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            stamp = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
            handle.write(f"--- {stamp} ccsess {' '.join(sys.argv[1:])}\n{traceback.format_exc()}\n")
        return log
    except Exception:  # noqa: BLE001 - logging must not hide the original error
        return None
