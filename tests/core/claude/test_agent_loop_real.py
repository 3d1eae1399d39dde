"""Questions, plans and permission modes with the real claude CLI through the mock: what the engine reports,
what claude receives back (the tool result text the mock sees), and what is stored."""

from __future__ import annotations

import pytest

from ccsess.core.claude import events as ev
from ccsess.core.claude.requests import rule_text, suggested_rules
from ccsess.core.transfer.export import export_session
from support.engine_kit import kit  # noqa: F401 - fixture
from support.mock_scenarios import EDIT_NEW, EDIT_OLD, MULTI_QUESTION, PLAN, QUESTION, tool_results

pytestmark = pytest.mark.real_cli


def last_tool_result(mock_api) -> str:
    for request in reversed(mock_api.requests):
        results = tool_results(request)
        if results:
            return results[-1]
    raise AssertionError("claude sent no tool result")


def test_a_question_is_asked_and_its_answer_reaches_claude(kit, mock_api):
    engine = kit.start()
    sid = kit.new_session()
    engine.send(sid, "@@ask pick a colour")
    asked = kit.wait_type(ev.QuestionAsked, sid)
    [question] = asked.questions
    assert question.question == QUESTION["question"] and question.header == "Colour"
    assert [o.label for o in question.options] == ["Teal", "Orange"] and not question.multi_select
    kit.wait_for(lambda e: isinstance(e, ev.ProcessStateChanged) and e.waiting == 1)
    engine.answer_question(sid, asked.request_id, {question.question: "Teal"})
    assert not kit.wait_type(ev.TurnFinished, sid).is_error
    assert last_tool_result(mock_api) == (f'Your questions have been answered: "{question.question}"="Teal". '
                                          "You can now continue with these answers in mind.")
    call = next(b for m in kit.store.messages(sid) for b in m.blocks if b.get("name") == "AskUserQuestion")
    assert call["input"]["questions"][0]["question"] == question.question
    exported = export_session(kit.store, sid, "md")
    assert f"**Question:** {question.question} (Teal, Orange)" in exported and "**Answer:** Teal" in exported


def test_several_options_of_a_multi_select_question(kit, mock_api):
    engine = kit.start()
    sid = kit.new_session()
    engine.send(sid, "@@askmulti toppings")
    asked = kit.wait_type(ev.QuestionAsked, sid)
    assert asked.questions[0].multi_select
    engine.answer_question(sid, asked.request_id, {MULTI_QUESTION["question"]: "Cheese, Basil"})
    kit.wait_type(ev.TurnFinished, sid)
    assert f'"{MULTI_QUESTION["question"]}"="Cheese, Basil"' in last_tool_result(mock_api)


def test_a_declined_question_tells_claude(kit, mock_api):
    engine = kit.start()
    sid = kit.new_session()
    engine.send(sid, "@@ask pick a colour")
    asked = kit.wait_type(ev.QuestionAsked, sid)
    engine.answer_question(sid, asked.request_id, None)
    kit.wait_type(ev.TurnFinished, sid)
    assert last_tool_result(mock_api) == "The user declined to answer."


def test_a_plan_is_shown_and_approving_it_leaves_plan_mode(kit, mock_api):
    engine = kit.start()
    sid = kit.new_session(permission_mode="plan")
    engine.send(sid, "@@plan add a button")
    proposed = kit.wait_type(ev.PlanProposed, sid)
    assert proposed.plan == PLAN, "the plan comes from claude's tool_use block, the request itself has none"
    engine.answer_plan(sid, proposed.request_id, "approve")
    kit.wait_type(ev.TurnFinished, sid)
    assert "User has approved" in last_tool_result(mock_api)
    assert [e.mode for e in kit.of_type(ev.ModeChanged, sid)] == ["default"]
    assert kit.store.get_session(sid).permission_mode == "default", "claude's own switch is stored"
    exported = export_session(kit.store, sid, "md")
    assert "#### Plan" in exported and "Wire it to `save()`" in exported and "*The user approved:" in exported


def test_approve_and_accept_edits_switches_in_the_same_answer(kit, mock_api):
    engine = kit.start()
    sid = kit.new_session(permission_mode="plan")
    engine.send(sid, "@@plan add a button")
    proposed = kit.wait_type(ev.PlanProposed, sid)
    engine.answer_plan(sid, proposed.request_id, "approve_edits")
    kit.wait_type(ev.TurnFinished, sid)
    assert "acceptEdits" in [e.mode for e in kit.of_type(ev.ModeChanged, sid)]
    assert kit.store.get_session(sid).permission_mode == "acceptEdits"


def test_keep_planning_sends_the_note_and_stays_in_plan_mode(kit, mock_api):
    engine = kit.start()
    sid = kit.new_session(permission_mode="plan")
    engine.send(sid, "@@plan add a button")
    proposed = kit.wait_type(ev.PlanProposed, sid)
    engine.answer_plan(sid, proposed.request_id, "keep", "Use a toolbar icon instead")
    kit.wait_type(ev.TurnFinished, sid)
    assert last_tool_result(mock_api) == "Use a toolbar icon instead"
    assert kit.store.get_session(sid).permission_mode == "plan"


def test_the_permission_mode_switches_while_claude_runs(kit, mock_api):
    engine = kit.start()
    sid = kit.new_session()
    kit.turn(sid, "hello")
    pid = engine.pid(sid)
    engine.set_permission_mode(sid, "acceptEdits")
    assert kit.store.get_session(sid).permission_mode == "acceptEdits"
    kit.turn(sid, "@@tool:touch edited.txt")
    assert engine.pid(sid) == pid, "no restart"
    assert not kit.of_type(ev.PermissionRequested, sid), "acceptEdits lets claude touch files in the project"
    assert (kit.project / "edited.txt").exists()
    assert any(e.kind == "mode_change" for e in kit.store.events(sid))


def test_always_allow_the_suggested_rule(kit, mock_api):
    engine = kit.start()
    sid = kit.new_session()
    engine.send(sid, "@@tool:touch ruled.txt")
    asked = kit.wait_type(ev.PermissionRequested, sid)
    rules = suggested_rules(asked)
    assert rules and rule_text(rules[0]) == "Bash(touch ruled.txt)", asked.suggestions
    engine.answer_permission(sid, asked.request_id, "allow_rule")
    kit.wait_type(ev.TurnFinished, sid)
    (kit.project / "ruled.txt").unlink()
    kit.turn(sid, "@@tool:touch ruled.txt")
    assert len(kit.of_type(ev.PermissionRequested, sid)) == 1, "claude kept the rule and did not ask again"
    assert (kit.project / "ruled.txt").exists()
    assert kit.store.get_session(sid).allowed_tools == ["Bash(touch ruled.txt)"]
    engine.shutdown(timeout=5)
    kit.start()
    (kit.project / "ruled.txt").unlink()
    kit.turn(sid, "@@tool:touch ruled.txt")
    assert len(kit.of_type(ev.PermissionRequested, sid)) == 1, "the rule, given at launch, holds in a new claude"
    assert (kit.project / "ruled.txt").exists()


def test_a_turn_claude_starts_by_itself_after_a_background_agent_is_kept(kit, mock_api):
    engine = kit.start()
    sid = kit.new_session()
    engine.send(sid, "@@agent please")
    first = kit.wait_type(ev.TurnFinished, sid, timeout=90)
    assert not first.is_error
    started = kit.wait_for(lambda e: isinstance(e, ev.TurnStarted) and e.session_id == sid and not e.prompt_message_id,
                           timeout=90)
    assert started is not None
    kit.wait_type(ev.TurnFinished, sid, timeout=90)
    replies = kit.assistant_texts(sid)
    assert replies[-1].startswith("Echo #") or "Tool said" in replies[-1], replies
    assert len(kit.store.messages(sid)) >= 4, "the self-started turn's reply is stored"


def test_a_subagents_steps_are_stored_under_the_call_that_ran_it(kit, mock_api):
    (kit.project / "notes.txt").write_text("seen by the subagent\n")
    engine = kit.start()
    sid = kit.new_session()
    engine.send(sid, "@@agentread look")
    assert not kit.wait_type(ev.TurnFinished, sid, timeout=90).is_error
    messages = kit.store.messages(sid)
    call = next(b for m in messages for b in m.blocks if b.get("type") == "tool_use" and b.get("name") == "Agent")
    steps = [m for m in messages if m.parent_tool_use_id]
    assert steps and all(m.parent_tool_use_id == call["id"] for m in steps)
    step_blocks = [b for m in steps for b in m.blocks]
    assert any(b.get("type") == "tool_use" and b.get("name") == "Read" for b in step_blocks)
    assert any(b.get("type") == "tool_result" and "seen by the subagent" in str(b.get("content")) for b in step_blocks)
    assert any("subagent says 42" in b.get("text", "") for b in step_blocks), "subagent text is forwarded"
    top_level = [m.text for m in messages if m.role == "assistant" and not m.parent_tool_use_id]
    assert not any(text.startswith("subagent says 42") for text in top_level), top_level
    exported = export_session(kit.store, sid, "md")
    assert f"Subagent, {len(steps)} steps:" in exported and "- ⚙ Read notes.txt" in exported
    sent = [r for request in mock_api.requests for r in (tool_results(request) or [])]
    assert any("seen by the subagent" in result for result in sent), "the subagent's tool result reached the API"


def test_allow_for_session_survives_a_restart_and_can_be_revoked(kit, mock_api):
    engine = kit.start()
    sid = kit.new_session()
    engine.send(sid, "@@tool:touch one.txt")
    engine.answer_permission(sid, kit.wait_type(ev.PermissionRequested, sid).request_id, "allow_session")
    kit.wait_type(ev.TurnFinished, sid)
    assert kit.store.get_session(sid).allowed_tools == ["Bash"]
    engine.shutdown(timeout=5)

    engine = kit.start()
    kit.turn(sid, "@@tool:touch two.txt")
    assert (kit.project / "two.txt").exists()
    assert len(kit.of_type(ev.PermissionRequested, sid)) == 1, "a new claude was launched with the rule"

    engine.revoke_rule(sid, "Bash")
    assert kit.store.get_session(sid).allowed_tools == []
    engine.send(sid, "@@tool:touch three.txt")
    engine.answer_permission(sid, kit.wait_type(ev.PermissionRequested, sid).request_id, "deny")
    kit.wait_type(ev.TurnFinished, sid)
    assert len(kit.of_type(ev.PermissionRequested, sid)) == 2 and not (kit.project / "three.txt").exists()


def test_an_edit_is_shown_before_it_is_allowed_and_applied_after(kit, mock_api):
    calc = kit.project / "calc.py"
    calc.write_text(f"def add(a, b):\n    {EDIT_OLD}\n")
    engine = kit.start()
    sid = kit.new_session()
    engine.send(sid, f"@@edit:{calc} fix add")
    asked = kit.wait_type(ev.PermissionRequested, sid)
    assert asked.tool_name == "Edit"
    assert asked.tool_input["old_string"] == EDIT_OLD and asked.tool_input["new_string"] == EDIT_NEW
    assert calc.read_text() == f"def add(a, b):\n    {EDIT_OLD}\n", "nothing changes before the user allows it"
    engine.answer_permission(sid, asked.request_id, "allow")
    assert not kit.wait_type(ev.TurnFinished, sid).is_error
    assert calc.read_text() == f"def add(a, b):\n    {EDIT_NEW}\n"
    assert "has been updated" in last_tool_result(mock_api)
    exported = export_session(kit.store, sid, "md")
    assert f"Tool call: Edit · {calc}" in exported and EDIT_NEW in exported


def test_two_tool_calls_of_one_reply_are_asked_one_after_another(kit, mock_api):
    engine = kit.start()
    sid = kit.new_session()
    engine.send(sid, "@@tool:touch first.txt && touch second.txt")
    first = kit.wait_type(ev.PermissionRequested, sid)
    assert first.tool_input["command"] == "touch first.txt"
    engine.answer_permission(sid, first.request_id, "allow")
    second = kit.wait_for(lambda e: isinstance(e, ev.PermissionRequested) and e.request_id != first.request_id)
    assert second.tool_input["command"] == "touch second.txt"
    engine.answer_permission(sid, second.request_id, "allow")
    assert not kit.wait_type(ev.TurnFinished, sid).is_error
    assert (kit.project / "first.txt").exists() and (kit.project / "second.txt").exists()


def test_claude_lists_its_slash_commands_when_it_starts(kit, mock_api):
    kit.start()
    sid = kit.new_session()
    kit.turn(sid, "hello")
    [listed] = kit.of_type(ev.CommandsListed, sid)
    assert {"compact", "clear", "context", "init"} <= set(listed.commands)
    assert set(listed.terminal_only) <= set(listed.commands) | {"doctor", "color", "focus", "reload-plugins"}
