"""Sessions in the background get the user's attention: notifications naming them, the bell and desktop
notifications written to the terminal, unread marks; the session on screen never notifies."""

from __future__ import annotations

from ccsess.app.attention import desktop_sequence
from ccsess.core.claude import events as ev
from ccsess.core.config import Config
from support.app_kit import build_app, notified, run_palette, screen_text, seed_store, wait_until

SIZE = (120, 36)


def capture_terminal(app) -> list[str]:
    """The bells and desktop notifications the app writes to its terminal from now on."""
    written: list[str] = []

    def write(data: str) -> None:
        if data == "\a" or data.startswith(("\x1b]9;", "\x1b]777;")):
            written.append(data)

    app._driver.write = write
    return written


async def test_background_sessions_ring_notify_and_are_marked(app):
    async with app.run_test(size=SIZE) as pilot:
        await app.main_screen.open_session("tools001")
        await wait_until(pilot, lambda: app.attention is not None)
        written = capture_terminal(app)

        app.emit_engine_event(ev.PermissionRequested("older001", "r-1", "Bash", {"command": "ls"}))
        await wait_until(pilot, lambda: notified(app, "older chat is waiting for you (alt+w to go there)"))
        assert written[0] == "\a" and written[1].startswith("\x1b]9;ccsess: older chat is waiting for you")

        written.clear()
        app.emit_engine_event(ev.TurnFinished("else0001", False))
        await wait_until(pilot, lambda: notified(app, "elsewhere finished its turn (alt+n to go there)"))
        assert written == ["\a"], "a finished turn only rings by default"
        assert "◆ elsewhere" in screen_text(app), "marked unread"

        written.clear()
        app.emit_engine_event(ev.TurnFinished("tools001", False))
        app.emit_engine_event(ev.PermissionRequested("tools001", "r-2", "Bash", {"command": "ls"}))
        await pilot.pause(0.3)
        assert written == [], "the session on screen does not notify"

        await pilot.press("escape")  # the dialog of the session on screen
        await pilot.press("alt+n")
        await wait_until(pilot, lambda: app.main_screen.session_id == "else0001")
        assert "◆ elsewhere" not in screen_text(app), "opened: no longer unread"


async def test_notify_off_keeps_the_terminal_quiet(data_dir, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    store, _ = seed_store(data_dir, project)
    app = build_app(store, Config(notify="off"))
    async with app.run_test(size=SIZE) as pilot:
        await app.main_screen.open_session("tools001")
        await wait_until(pilot, lambda: app.attention is not None)
        written = capture_terminal(app)
        app.emit_engine_event(ev.SessionFailed("older001", "claude exited"))
        app.emit_engine_event(ev.PermissionRequested("older001", "r-1", "Bash", {"command": "ls"}))
        await wait_until(pilot, lambda: notified(app, "older chat is waiting for you"))
        assert written == []


def test_desktop_sequences_by_terminal():
    assert desktop_sequence("ccsess", "a\x1b]0;x\x07 b", {"TERM": "xterm-256color"}) == "\x1b]9;ccsess: a␛]0;x␇ b\x07"
    assert desktop_sequence("cc;s", "done", {"TERM": "foot"}) == "\x1b]777;notify;cc,s;done\x07"
    assert desktop_sequence("ccsess", "done", {"VTE_VERSION": "7600"}).startswith("\x1b]777;notify;")
    wrapped = desktop_sequence("ccsess", "done", {"TMUX": "/tmp/tmux-0/default,1,0"})
    assert wrapped == "\x1bPtmux;\x1b\x1b]9;ccsess: done\x07\x1b\\"


async def test_limits_from_the_palette_and_a_refused_prompt_given_back(app):
    async with app.run_test(size=SIZE) as pilot:
        await app.main_screen.open_session("tools001")
        await run_palette(pilot, "Set limits")
        await wait_until(pilot, lambda: app.screen.id == "limits-dialog")
        app.screen.query_one("#max-turns").value = "0"
        await pilot.press("enter")
        await wait_until(pilot, lambda: "Turns must be a whole number of turns >= 1" in screen_text(app))
        app.screen.query_one("#max-turns").value = "12"
        app.screen.query_one("#max-budget").value = "2.5"
        await pilot.click("#ok")
        await wait_until(pilot, lambda: ("set_limits", "tools001", 12, 2.5) in app.engine.calls)
        assert app.store.get_session("tools001").max_turns == 12

        app.emit_engine_event(ev.LimitReached("tools001", "this session reached its limit of 12 turns", "max_turns",
                                              prompt="the refused prompt"))
        await wait_until(pilot, lambda: app.main_screen.prompt.text == "the refused prompt")
        assert notified(app, "reached its limit of 12 turns")


async def test_statistics_screen_draws_cost_per_day(app):
    from ccsess.core.models import Event

    app.store.add_event("tools001", Event(kind="turn", detail={"cost_usd": 0.4, "is_error": False}))
    async with app.run_test(size=SIZE) as pilot:
        await run_palette(pilot, "Statistics")
        await wait_until(pilot, lambda: app.screen.id == "stats-screen")
        shown = screen_text(app)
        assert "Cost per day, last 30 days (highest $0.4000)" in shown and "█" in shown
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen.id != "stats-screen")
