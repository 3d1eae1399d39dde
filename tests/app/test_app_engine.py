"""The app driving the real claude CLI (through the engine) against the mock API."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from textual.widgets import Input

from ccsess.app import make_app
from ccsess.app.widgets.status_line import StatusLine
from ccsess.core.config import Config
from ccsess.core.transfer.export import export_session
from ccsess.core.store.store import Store
from support.mock_api import prompt_text
from support.app_kit import screen_text

pytestmark = pytest.mark.real_cli

SIZE = (120, 36)



@pytest.fixture
def engine_app(data_dir, claude_bin, claude_env, project):
    store = Store(data_dir)
    session = store.create_session("mock chat", str(project))
    config = Config(claude=str(claude_bin), models=["sonnet", "opus", "haiku"])
    app = make_app(store, config, env=claude_env, system_clipboard=False, default_project=str(project))
    yield app, store, session.id
    if app.engine is not None:
        app.engine.shutdown(5.0)


async def wait_for(pilot, condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"not reached within {timeout} s")


async def send(app, pilot, text: str) -> None:
    app.main_screen.prompt.focus()
    app.main_screen.prompt.insert(text)
    await pilot.press("enter")


def replies(app, session_id: str) -> int:
    return sum(1 for m in app.store.messages(session_id, all_versions=True) if m.role == "assistant")


async def turn(app, pilot, text: str, session_id: str) -> None:
    """Send ``text`` and wait until its reply is stored and the screen is idle again."""
    before = replies(app, session_id)
    await send(app, pilot, text)
    await wait_for(pilot, lambda: replies(app, session_id) > before and not app.main_screen.is_busy(session_id))
    await pilot.pause()


async def test_send_shows_the_reply_and_status(engine_app, mock_api):
    app, store, sid = engine_app
    async with app.run_test(size=SIZE) as pilot:
        await app.main_screen.open_session(sid)
        await turn(app, pilot, "hello there", sid)
        assert "Echo #1: hello there" in screen_text(app)
        assert [m.text for m in store.messages(sid)] == ["hello there", "Echo #1: hello there"]
        info = app.main_screen.query_one(StatusLine).info
        assert info.state == "warm" and info.cost != "$0.0000" and info.output_tokens > 0
        assert prompt_text(mock_api.requests[-1]) == "hello there"


async def test_stream_is_visible_before_the_reply_ends(engine_app, mock_api):
    app, store, sid = engine_app
    async with app.run_test(size=SIZE) as pilot:
        await app.main_screen.open_session(sid)
        await send(app, pilot, "@@slow:2 stream please")
        await wait_for(pilot, lambda: app.main_screen.conversation.live_view is not None
                       and "Echo #1" in app.main_screen.conversation.live_view.text)
        assert app.main_screen.is_busy(sid)
        assert "streaming" in screen_text(app)
        partial = app.main_screen.conversation.live_view.text
        await wait_for(pilot, lambda: not app.main_screen.is_busy(sid))
        await pilot.pause()
        final = store.messages(sid)[-1].text
        assert partial != final and final.startswith(partial.rstrip()[:20])
        assert app.main_screen.conversation.message_views[-1].message.text == final


async def test_escape_stops_and_keeps_the_partial(engine_app, mock_api):
    app, store, sid = engine_app
    async with app.run_test(size=SIZE) as pilot:
        await app.main_screen.open_session(sid)
        await send(app, pilot, "@@slow:8 go")
        await wait_for(pilot, lambda: app.main_screen.conversation.live_view is not None
                       and "[2/" in app.main_screen.conversation.live_view.text)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not app.main_screen.is_busy(sid))
        await pilot.pause()
        reply = store.messages(sid)[-1]
        assert reply.role == "assistant" and reply.interrupted and "[20/20]" not in reply.text
        view = app.main_screen.conversation.message_views[-1]
        assert "interrupted" in screen_text(app) and view.text.startswith("Echo #1: @@slow:8 go")


async def test_branch_creates_a_child_in_the_sidebar(engine_app, mock_api):
    app, store, sid = engine_app
    async with app.run_test(size=SIZE) as pilot:
        await app.main_screen.open_session(sid)
        await turn(app, pilot, "first question", sid)
        await pilot.press("ctrl+b")
        await pilot.pause()
        child_id = app.main_screen.session_id
        assert child_id != sid and store.get_session(child_id).parent_id == sid
        assert child_id in app.main_screen.sidebar.session_ids
        assert "⑂" in screen_text(app)
        await turn(app, pilot, "in the branch", child_id)
        assert store.messages(child_id)[-1].text.endswith("in the branch")
        assert "first question" in str(mock_api.requests[-1]["messages"])


async def test_regenerate_shows_two_versions(engine_app, mock_api):
    app, store, sid = engine_app
    async with app.run_test(size=SIZE) as pilot:
        await app.main_screen.open_session(sid)
        await turn(app, pilot, "tell me something", sid)
        await pilot.press("alt+r")
        await wait_for(pilot, lambda: replies(app, sid) == 2 and not app.main_screen.is_busy(sid))
        await wait_for(pilot, lambda: "version 2/2" in screen_text(app) and not app.main_screen.reload_after_turn,
                       timeout=10)
        assert "Echo #2: tell me something" in screen_text(app)
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: "version 1/2" in screen_text(app), timeout=10)
        assert "Echo #1: tell me something" in screen_text(app)
        assert "Echo #2: tell me something" not in screen_text(app)


async def test_export_writes_the_transcript(engine_app, mock_api, project):
    app, store, sid = engine_app
    async with app.run_test(size=SIZE) as pilot:
        await app.main_screen.open_session(sid)
        await turn(app, pilot, "export me", sid)
        await pilot.press("ctrl+s")
        await pilot.pause()
        path = Path(app.screen.query_one(Input).value)
        assert path.parent == project
        await pilot.press("enter")
        await pilot.pause()
        assert path.read_text() == export_session(store, sid)
        assert "export me" in path.read_text() and "Echo #1: export me" in path.read_text()


async def test_model_switch_changes_status_and_request(engine_app, mock_api):
    app, store, sid = engine_app
    async with app.run_test(size=SIZE) as pilot:
        await app.main_screen.open_session(sid)
        await turn(app, pilot, "before", sid)
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press(*"haiku")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.main_screen.query_one(StatusLine).info.model == "haiku")
        await turn(app, pilot, "after", sid)
        assert "haiku" in mock_api.requests[-1]["model"]
        assert "haiku" in screen_text(app)


async def test_a_background_request_of_the_real_cli_waits_for_alt_w(engine_app, mock_api, project):
    from ccsess.app.screens.dialogs import PermissionDialog
    from ccsess.app.screens.main import MainScreen

    app, store, sid = engine_app
    other = store.create_session("typing here", str(project)).id
    async with app.run_test(size=SIZE) as pilot:
        await app.open_session(sid)
        await wait_for(pilot, lambda: app.engine is not None)
        app.engine.submit(sid, "@@tool:touch from-background.txt")
        await app.open_session(other)
        await pilot.press(*"still typing")
        await wait_for(pilot, lambda: app.main_screen.live_state(sid).waiting == 1)
        await pilot.pause()
        assert isinstance(app.screen, MainScreen) and app.main_screen.prompt.text == "still typing"
        assert "1 waiting (alt+w)" in screen_text(app)
        assert any(line.lstrip().startswith("?") and "mock chat" in line for line in screen_text(app).splitlines())
        await pilot.press("alt+w")
        await wait_for(pilot, lambda: isinstance(app.screen, PermissionDialog))
        assert app.main_screen.session_id == sid and "touch from-background.txt" in screen_text(app)
        await pilot.press("a")
        await wait_for(pilot, lambda: (project / "from-background.txt").exists() and not app.main_screen.is_busy(sid))
        assert "Tool said" in store.messages(sid)[-1].text


async def test_a_mention_picked_and_an_image_pasted_reach_claude(engine_app, mock_api, project):
    import base64
    import json

    from textual import events

    from support.images import png_bytes
    from support.mock_scenarios import last_user_message

    app, store, sid = engine_app
    (project / "notes").mkdir()
    (project / "notes" / "plan.md").write_text("PLAN-FILE-MARKER: ship on Friday\n")
    shot = project / "chart.png"
    shot.write_bytes(png_bytes(20, 10))
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        await screen.open_session(sid)
        screen.prompt.focus()
        await pilot.press(*"read ", "@", *"plan")
        await wait_for(pilot, lambda: "notes/plan.md" in screen.completion_menu.items)
        await pilot.press("tab")
        await wait_for(pilot, lambda: screen.prompt.text == "read @notes/plan.md ")
        app.post_message(events.Paste(str(shot)))
        await wait_for(pilot, lambda: len(screen.prompt.images) == 1)
        await pilot.press(*"and this chart", "enter")
        await wait_for(pilot, lambda: replies(app, sid) > 0 and not screen.is_busy(sid))
    body = next(b for b in reversed(mock_api.requests) if "and this chart" in json.dumps(last_user_message(b)))
    sent = json.dumps(body["messages"])
    assert "PLAN-FILE-MARKER" in sent, "claude read the mentioned file"
    [image] = [b for b in last_user_message(body)["content"] if isinstance(b, dict) and b.get("type") == "image"]
    assert base64.b64decode(image["source"]["data"]) == shot.read_bytes()
