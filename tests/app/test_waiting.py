"""Many sessions at once: a request of a background session waits instead of taking the screen, and one key
goes to it."""

from __future__ import annotations


from ccsess.app.screens.dialogs import PermissionDialog
from ccsess.app.screens.main import MainScreen
from ccsess.app.widgets.status_line import StatusLine
from ccsess.core.claude import events as ev
from support.app_kit import screen_text, wait_until

SIZE = (120, 36)


def request(app, session_id: str, request_id: str, command: str) -> ev.PermissionRequested:
    event = ev.PermissionRequested(session_id, request_id, "Bash", {"command": command})
    app.engine.waiting.setdefault(session_id, []).append(event)
    app.emit_engine_event(event)
    app.emit_engine_event(ev.ProcessStateChanged(session_id, "streaming", busy=True,
                                                 waiting=len(app.engine.waiting[session_id])))
    return event


def answers(app) -> list[tuple]:
    return [call[1:3] for call in app.engine.calls if call[0] == "answer_permission"]


async def test_a_background_request_waits_and_alt_w_opens_it(app):
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        await screen.open_session("tools001")
        await pilot.pause()
        assert screen.check_action("next_waiting", ()) is False, "the key shows only while something waits"
        await pilot.press(*"typing here")
        request(app, "older001", "r-1", "rm -rf build")
        await pilot.pause()
        await pilot.press(*" goes on")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen), "no dialog over the session being typed in"
        assert screen.prompt.text == "typing here goes on", "the keys stayed in the prompt"
        assert screen.query_one(StatusLine).info.waiting == 1 and "1 waiting (alt+w)" in screen_text(app)
        assert any(line.lstrip().startswith("?") and "older chat" in line for line in screen_text(app).splitlines())
        await pilot.press("alt+w")
        await wait_until(pilot, lambda: isinstance(app.screen, PermissionDialog))
        assert screen.session_id == "older001"
        await pilot.press("a")
        await wait_until(pilot, lambda: answers(app))
        assert answers(app) == [("older001", "r-1")]


async def test_two_requests_of_one_session_are_answered_in_order(app):
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        await screen.open_session("tools001")
        await pilot.pause()
        request(app, "older001", "r-1", "make build")
        request(app, "older001", "r-2", "make test")
        await pilot.pause()
        await screen.open_session("older001")
        await wait_until(pilot, lambda: isinstance(app.screen, PermissionDialog))
        assert "make build" in screen_text(app)
        await pilot.press("d")
        await wait_until(pilot, lambda: len(answers(app)) == 1)
        await wait_until(pilot, lambda: isinstance(app.screen, PermissionDialog))
        assert "make test" in screen_text(app)
        await pilot.press("a")
        await wait_until(pilot, lambda: len(answers(app)) == 2)
        assert answers(app) == [("older001", "r-1"), ("older001", "r-2")]
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
