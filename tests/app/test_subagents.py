"""A subagent's steps, nested and counted under the Agent call that runs it: from the store and live."""

from __future__ import annotations

from ccsess.app.widgets.blocks import ToolCallView
from ccsess.app.widgets.message_view import MessageView
from ccsess.core.claude import events as ev
from support.app_kit import message, screen_text, text, wait_until

SIZE = (120, 36)
SID = "tools001"
AGENT_CALL = {"type": "tool_use", "id": "toolu_agent", "name": "Agent",
              "input": {"description": "survey the repo", "prompt": "look around"}}


def step(*blocks: dict):
    return message("assistant" if blocks[0]["type"] != "tool_result" else "tool", *blocks,
                   parent_tool_use_id="toolu_agent")


def agent_view(app) -> ToolCallView:
    return next(v for v in app.main_screen.query(ToolCallView) if v.tool_use_id == "toolu_agent")


async def test_stored_steps_are_folded_under_the_agent_call(app):
    store = app.store
    store.append_message(SID, message("assistant", text("Asking a helper."), AGENT_CALL))
    store.append_message(SID, step(text("I will read the notes."),
                                   {"type": "tool_use", "id": "toolu_r", "name": "Read",
                                    "input": {"file_path": "notes.txt"}}))
    store.append_message(SID, step({"type": "tool_result", "tool_use_id": "toolu_r", "content": "the notes"}))
    async with app.run_test(size=SIZE) as pilot:
        await app.main_screen.open_session(SID)
        await pilot.pause()
        view = agent_view(app)
        assert view.step_lines == ["I will read the notes.", "⚙ Read notes.txt", "  ↳ the notes"]
        assert "Agent  survey the repo  · 3 steps" in screen_text(app)
        shown = [v.message.text for v in app.main_screen.query(MessageView) if v.message is not None]
        assert "I will read the notes." not in shown, "a subagent's text is not a reply of its own"


async def test_steps_arriving_live_raise_the_count(app):
    app.store.append_message(SID, message("assistant", AGENT_CALL))
    async with app.run_test(size=SIZE) as pilot:
        await app.main_screen.open_session(SID)
        await pilot.pause()
        for number in range(1, 4):
            app.emit_engine_event(ev.MessageCompleted(SID, step(text(f"step {number}"))))
            await wait_until(pilot, lambda: len(agent_view(app).step_lines) == number)
        assert "· 3 steps" in screen_text(app)
        assert app.main_screen.conversation.live_view is None
