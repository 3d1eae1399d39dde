"""The prompt edited in the user's own editor (``$VISUAL``, else ``$EDITOR``), the app suspended meanwhile."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from textual.app import SuspendNotSupported


def editor_command(environ: Mapping[str, str]) -> list[str] | None:
    """``$VISUAL`` or ``$EDITOR`` as an argument list (``code --wait`` is two arguments); never run by a shell."""
    for name in ("VISUAL", "EDITOR"):
        value = environ.get(name, "").strip()
        if value:
            try:
                return shlex.split(value)
            except ValueError:
                return None
    return None


def edit_text(app: Any, text: str) -> str | None:
    """``text`` as the user left it in their editor; None (and one line saying why) when it could not be edited."""
    argv = editor_command(os.environ)
    if not argv:
        app.notify("Set $VISUAL or $EDITOR to edit the prompt in your editor.", severity="warning")
        return None
    fd, name = tempfile.mkstemp(prefix="ccsess-prompt-", suffix=".md")  # private to the user (0600)
    path = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        try:
            with app.suspend():
                done = subprocess.run([*argv, str(path)], check=False)
        except SuspendNotSupported:
            app.notify("Editing the prompt in your editor needs a real terminal.", severity="warning")
            return None
        except OSError as error:
            app.notify(f"Could not start {argv[0]}: {error.strerror or error}", severity="error")
            return None
        if done.returncode != 0:
            app.notify(f"{argv[0]} exited with status {done.returncode}; the prompt is unchanged.",
                       severity="warning")
            return None
        return path.read_text(encoding="utf-8", errors="replace").rstrip("\n")
    finally:
        path.unlink(missing_ok=True)
