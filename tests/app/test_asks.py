"""The question card, the plan review and permission modes, driven with Pilot over the scripted engine."""

from __future__ import annotations

import pytest

from ccsess.app.screens.asks import PlanReview, QuestionCard
from ccsess.app.widgets.status_line import StatusLine
from ccsess.core.claude import events as ev
from ccsess.core.claude.asks import read_questions
from ccsess.core.config import Config
from support.app_kit import message, notified, run_palette, screen_text, wait_until
from support.mock_scenarios import MULTI_QUESTION, PLAN, QUESTION

SIZE = (120, 36)
SID = "tools001"


async def ask(app, pilot, *questions) -> QuestionCard:
    await app.main_screen.open_session(SID)
    await pilot.pause()
    app.emit_engine_event(ev.QuestionAsked(SID, "q-1", read_questions({"questions": list(questions)})))
    await wait_until(pilot, lambda: isinstance(app.screen, QuestionCard))
    return app.screen


def answered(app) -> list[tuple]:
    return [call for call in app.engine.calls if call[0] in ("answer_question", "answer_plan")]


async def test_a_digit_answers_a_single_question_at_once(app):
    async with app.run_test(size=SIZE) as pilot:
        await ask(app, pilot, QUESTION)
        await pilot.pause()
        shown = screen_text(app)
        assert "1. Teal" in shown and "calm, matches the logo" in shown and "2. Orange" in shown
        await pilot.press("2")
        await wait_until(pilot, lambda: answered(app))
        assert answered(app) == [("answer_question", SID, "q-1", {QUESTION["question"]: "Orange"})]
        assert not isinstance(app.screen, QuestionCard)


async def test_multi_select_takes_several_options_and_enter_submits(app):
    async with app.run_test(size=SIZE) as pilot:
        await ask(app, pilot, MULTI_QUESTION)
        await pilot.press("1", "3", "2", "2")
        await pilot.press("down", "space")  # the cursor is on option 2 after the digits: space toggles 3 off
        await pilot.press("enter")
        await wait_until(pilot, lambda: answered(app))
        assert answered(app)[0][3] == {MULTI_QUESTION["question"]: "Cheese"}


async def test_other_takes_a_free_answer_and_clicks_pick_options(app):
    async with app.run_test(size=SIZE) as pilot:
        card = await ask(app, pilot, MULTI_QUESTION, QUESTION)
        rows = list(card.query("OptionRow"))
        await pilot.pause()
        await pilot.click(rows[1])
        card.query_one("#other-0").focus()
        await pilot.press(*"pepperoni 2x")
        await pilot.click(rows[4])
        await pilot.press("enter")
        await wait_until(pilot, lambda: answered(app))
        assert answered(app)[0][3] == {MULTI_QUESTION["question"]: "Olives, pepperoni 2x",
                                       QUESTION["question"]: "Orange"}


async def test_enter_without_an_answer_asks_for_one_and_escape_declines(app):
    async with app.run_test(size=SIZE) as pilot:
        await ask(app, pilot, QUESTION, MULTI_QUESTION)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, QuestionCard) and not answered(app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: answered(app))
        assert answered(app) == [("answer_question", SID, "q-1", None)]


async def propose(app, pilot) -> PlanReview:
    await app.main_screen.open_session(SID)
    await pilot.pause()
    app.emit_engine_event(ev.PlanProposed(SID, "p-1", PLAN))
    await wait_until(pilot, lambda: isinstance(app.screen, PlanReview))
    return app.screen


@pytest.mark.parametrize(("keys", "expected"), [
    (["a"], ("approve", "")),
    (["e"], ("approve_edits", "")),
    (["escape"], ("keep", "")),
    (["k", *"use an icon", "enter"], ("keep", "use an icon")),
])
async def test_plan_review_keys(app, keys, expected):
    async with app.run_test(size=SIZE) as pilot:
        await propose(app, pilot)
        await pilot.pause()
        assert "Wire it to" in screen_text(app)
        await pilot.press(*keys)
        await wait_until(pilot, lambda: answered(app))
        assert answered(app) == [("answer_plan", SID, "p-1", *expected)]


async def test_shift_tab_cycles_the_permission_mode_like_claude_code(app):
    async with app.run_test(size=SIZE) as pilot:
        await app.main_screen.open_session(SID)
        await pilot.pause()
        modes = []
        for _ in range(3):
            await pilot.press("shift+tab")
            await wait_until(pilot, lambda: len([c for c in app.engine.calls if c[0] == "set_permission_mode"])
                             > len(modes))
            await pilot.pause()
            modes.append(app.main_screen.query_one(StatusLine).info.permission_mode)
        assert modes == ["acceptEdits", "plan", "default"]
        assert app.store.get_session(SID).permission_mode == "default"


def test_bypass_joins_the_cycle_only_when_enabled():
    assert Config().mode_after("plan") == "default"
    assert Config(bypass_in_cycle=True).mode_after("plan") == "bypassPermissions"
    assert Config(bypass_in_cycle=True).mode_after("bypassPermissions") == "default"
    assert Config().mode_after("auto") == "default"


async def test_an_answered_question_and_a_plan_show_compactly_in_the_transcript(app):
    store = app.store
    store.append_message(SID, message("assistant", {"type": "tool_use", "id": "toolu_q", "name": "AskUserQuestion",
                                                    "input": {"questions": [QUESTION]}}))
    store.append_message(SID, message("user", {"type": "tool_result", "tool_use_id": "toolu_q", "content":
                                               f'Your questions have been answered: "{QUESTION["question"]}"="Teal". '
                                               "You can now continue with these answers in mind."}))
    store.append_message(SID, message("assistant", {"type": "tool_use", "id": "toolu_p", "name": "ExitPlanMode",
                                                    "input": {"plan": PLAN}}))
    async with app.run_test(size=SIZE) as pilot:
        await app.main_screen.open_session(SID)
        await pilot.pause()
        shown = screen_text(app)
        assert f"Question  {QUESTION['question']}  → Teal" in shown
        assert "Plan  Plan" in shown and '"questions"' not in shown


async def test_a_rule_allowed_for_the_session_is_revoked_from_the_palette(app):
    app.store.update_session(SID, allowed_tools=["Bash", "Bash(npm test)"])
    async with app.run_test(size=SIZE) as pilot:
        await app.main_screen.open_session(SID)
        await run_palette(pilot, "Revoke an allowed tool")
        await pilot.press(*"npm")
        await pilot.pause(0.4)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.store.get_session(SID).allowed_tools == ["Bash"])
        assert ("revoke_rule", SID, "Bash(npm test)") in app.engine.calls
        await wait_until(pilot, lambda: notified(app, "claude asks again before Bash(npm test)"))
        app.store.update_session(SID, allowed_tools=[])
        assert not app.main_screen.check_action("revoke_rule", ()), "nothing to revoke, no command"
