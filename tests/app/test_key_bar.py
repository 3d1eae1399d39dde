"""The key bar at the bottom: the keys that apply now on one line; a click runs the key."""

from __future__ import annotations

from ccsess.app.widgets.key_bar import KeyBar
from support.app_kit import wait_until

SIZE = (120, 36)


async def test_keys_shown_and_a_click_runs_one(app):
    async with app.run_test(size=SIZE) as pilot:
        await app.main_screen.open_session("tools001")
        await pilot.pause()
        bar = app.main_screen.query_one(KeyBar)
        line = str(bar.render())
        assert "^n New" in line and "^b Branch" in line and line.rstrip().endswith("^p Palette")
        assert "Stop" not in line, "a key that does not apply now is not shown"
        x = line.index("^n New")
        await pilot.click(KeyBar, offset=(x + 1, 0))
        await wait_until(pilot, lambda: type(app.screen).__name__ == "NewSessionDialog")


async def test_keys_that_do_not_fit_leave_room_for_the_palette(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        line = str(app.main_screen.query_one(KeyBar).render())
        assert len(line) <= 80 and line.rstrip().endswith("^p Palette")
        assert "^q Quit" not in line
