"""The ``ccsess`` command: the TUI with no subcommand, headless subcommands otherwise."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ccsess import __version__
from ccsess.cli import context, run, sessions, transfer


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ccsess",
        description="Keep every conversation you have with the claude CLI.",
    )
    parser.add_argument("--version", action="version", version=f"ccsess {__version__}")
    parser.add_argument("--data-dir", help="where sessions are stored (env CCSESS_DATA_DIR)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (sessions, run, transfer):
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from ccsess.cli.tui import open_tui

        return open_tui(args)
    return context.dispatch(args)


if __name__ == "__main__":
    sys.exit(main())
