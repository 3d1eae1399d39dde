"""ctrl+e in the prompt: the text goes to $VISUAL/$EDITOR and comes back edited."""

from __future__ import annotations

import contextlib
import sys

from ccsess.app.prompt_editor import editor_command
from support.app_kit import notified, wait_until

SIZE = (120, 36)
EDITOR = "import sys; p = sys.argv[1]; t = open(p).read(); open(p, 'w').write(t.upper() + ' (edited)\\n')"


def test_editor_command_is_an_argument_list() -> None:
    assert editor_command({"VISUAL": "code --wait", "EDITOR": "vi"}) == ["code", "--wait"]
    assert editor_command({"EDITOR": "'/opt/my editor/ed' -n"}) == ["/opt/my editor/ed", "-n"]
    assert editor_command({"EDITOR": "  "}) is None and editor_command({}) is None


async def test_ctrl_e_edits_the_prompt_in_the_editor(app, tmp_path, monkeypatch):
    script = tmp_path / "editor.py"
    script.write_text(EDITOR)
    monkeypatch.setenv("VISUAL", f"{sys.executable} {script}")
    async with app.run_test(size=SIZE) as pilot:
        monkeypatch.setattr(app, "suspend", contextlib.nullcontext)  # Pilot has no terminal to give away
        await app.main_screen.open_session("tools001")
        app.main_screen.prompt.text = "fix the tests"
        app.main_screen.prompt.focus()
        await pilot.press("ctrl+e")
        await wait_until(pilot, lambda: app.main_screen.prompt.text == "FIX THE TESTS (edited)")


async def test_without_an_editor_the_prompt_is_kept_and_one_line_says_why(app, monkeypatch):
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    async with app.run_test(size=SIZE) as pilot:
        await app.main_screen.open_session("tools001")
        app.main_screen.prompt.text = "keep me"
        app.main_screen.prompt.focus()
        await pilot.press("ctrl+e")
        await wait_until(pilot, lambda: notified(app, "Set $VISUAL or $EDITOR"))
        assert app.main_screen.prompt.text == "keep me"
