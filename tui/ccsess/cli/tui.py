"""``ccsess`` with no subcommand: open the Textual app."""

from __future__ import annotations

import os
import sys
from typing import Any

from ccsess.core import paths
from ccsess.core.config import ConfigError, load_config
from ccsess.core.errors import StoreError
from ccsess.core.store.store import Store


def open_tui(args: Any) -> int:
    """Load config and store, run the app; a problem before the UI starts is one line and an exit code."""
    try:
        config = load_config()
    except ConfigError as error:
        print(f"ccsess: {error}", file=sys.stderr)
        return 2
    try:
        store = Store(paths.data_dir(getattr(args, "data_dir", None)), defer_open=True)
        if store.recent_view() is None:
            store.open_index()
    except StoreError as error:
        print(f"ccsess: {error}", file=sys.stderr)
        return 1
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        print("ccsess: the interactive app needs a terminal; see `ccsess --help` for commands", file=sys.stderr)
        return 2

    from ccsess.app import make_app

    app = make_app(store, config, user_themes=paths.user_themes_dir(), default_project=os.getcwd())
    try:
        app.run()
    except KeyboardInterrupt:
        return 130
    finally:
        if app.engine_started is not None:
            try:
                app.engine_started.shutdown(5.0)
            except Exception:
                pass
        store.close()
        try:
            store.save_first_screen()
        except StoreError:
            pass
    return app.return_code or 0
