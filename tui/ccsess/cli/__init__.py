"""The ``ccsess`` command: the TUI with no subcommand, headless subcommands otherwise."""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence
from types import SimpleNamespace
from typing import TYPE_CHECKING

from ccsess import __version__

if TYPE_CHECKING:
    import argparse


def build_parser() -> argparse.ArgumentParser:
    import argparse

    from ccsess.cli import files, run, sessions, stats, transfer

    parser = argparse.ArgumentParser(
        prog="ccsess",
        description="Keep every conversation you have with the claude CLI.",
    )
    parser.add_argument("--version", action="version", version=f"ccsess {__version__}")
    parser.add_argument("--data-dir", help="where sessions are stored (env CCSESS_DATA_DIR)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (sessions, stats, run, transfer, files):
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # The usual start, the app with no arguments, skips building the parser for every subcommand.
    args = build_parser().parse_args(argv) if argv else SimpleNamespace(command=None, data_dir=None)
    if args.command is None:
        # Importing Textual and drawing the first screen make objects that nearly all live on: collecting while
        # doing it finds little and costs 10-15 ms. The app turns collection back on after the first frame.
        gc.disable()
        try:
            from ccsess.cli.tui import open_tui

            return open_tui(args)
        finally:
            gc.enable()
    from ccsess.cli import context

    return context.dispatch(args)


if __name__ == "__main__":
    sys.exit(main())
