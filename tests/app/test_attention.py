"""Sessions in the background get the user's attention: notifications naming them, the bell and desktop
notifications written to the terminal, unread marks; the session on screen never notifies."""

from __future__ import annotations

from ccsess.app.attention import desktop_sequence
from ccsess.core.claude import events as ev
from ccsess.core.config import Config
from support.app_kit import build_app, notified, screen_text, seed_store, wait_until

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
