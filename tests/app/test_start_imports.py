"""What the first frame does without is not imported to draw it (each costs milliseconds of every start)."""

from __future__ import annotations

import subprocess
import sys

LATER = ["textual.widgets._text_area", "ccsess.core.claude.events", "ccsess.core.claude.engine", "tinydb",
         "ccsess.app.screens.dialogs", "ccsess.app.screens.completions"]


def test_the_modules_the_first_frame_needs_leave_the_rest_for_later():
    code = ("import sys; import ccsess.cli.tui, ccsess.app.app; "
            f"print([name for name in {LATER!r} if name in sys.modules])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "[]"
