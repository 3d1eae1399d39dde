"""The engine driving the real claude CLI against the mock API."""

from __future__ import annotations

import json
import os
import time

import pytest

from ccsess.core.claude import events as ev
from support.crash_driver import descendants
from support.engine_kit import kit  # noqa: F401 - fixture

pytestmark = pytest.mark.real_cli


def _request_texts(body: dict) -> str:
    return json.dumps(body.get("messages") or [])


def test_new_session_streams_and_stores_the_reply(kit, mock_api):
    engine = kit.start()
    sid = kit.new_session()
    finished = kit.turn(sid, "hello there")

    assert not finished.is_error and finished.cost_usd > 0
    deltas = "".join(e.text for e in kit.of_type(ev.TextDelta, sid))
    assert deltas == "Echo #1: hello there"
    session = kit.store.get_session(sid)
    assert session.claude_session_id and len(session.claude_session_id) == 36
    assert session.status == "idle" and session.totals.turns == 1 and session.totals.cost_usd > 0
    messages = kit.store.messages(sid)
    assert [m.role for m in messages] == ["user", "assistant"]
    reply = messages[1]
    assert reply.text == "Echo #1: hello there" and reply.claude_uuid and not reply.partial
    assert reply.claude_session_id == session.claude_session_id
    assert engine.state(sid) == "warm"
    kinds = [e.kind for e in kit.store.events(sid)]
    assert "start" in kinds and "turn" in kinds


def test_second_turn_uses_the_same_process(kit, mock_api):
    engine = kit.start()
    sid = kit.new_session()
    kit.turn(sid, "one")
    pid = engine.pid(sid)
    kit.turn(sid, "two")
    assert engine.pid(sid) == pid
    assert [e.kind for e in kit.store.events(sid)].count("start") == 1
    assert "one" in _request_texts(mock_api.requests[-1])
    assert kit.assistant_texts(sid) == ["Echo #1: one", "Echo #2: two"]


def test_resume_after_the_idle_process_was_reaped(kit, mock_api):
    engine = kit.start(idle_timeout=0.3)
    sid = kit.new_session()
    kit.turn(sid, "remember the word walrus")
    exited = kit.wait_type(ev.ProcessExited, sid, timeout=20)
    assert exited.expected and exited.exit_code == 0
    assert engine.state(sid) == "cold"
    kit.turn(sid, "what was the word")
    history = _request_texts(mock_api.requests[-1])
    assert "remember the word walrus" in history and "Echo #1: remember the word walrus" in history
    starts = [e.detail["mode"] for e in kit.store.events(sid) if e.kind == "start"]
    assert starts == ["new", "resume"]


def test_release_closes_the_process_and_the_next_send_resumes(kit, mock_api):
    engine = kit.start()
    sid = kit.new_session()
    kit.turn(sid, "remember the word otter")
    process = engine.pool.get(sid).process
    engine.release(sid)
    assert not process.alive
    assert engine.state(sid) == "cold"
    kit.turn(sid, "and now")
    assert "remember the word otter" in _request_texts(mock_api.requests[-1])
    starts = [e.detail["mode"] for e in kit.store.events(sid) if e.kind == "start"]
    assert starts == ["new", "resume"]


def test_stop_keeps_the_partial_and_the_process(kit, mock_api):
    engine = kit.start()
    sid = kit.new_session()
    engine.send(sid, "@@slow:8 go")
    kit.wait_for(lambda e: isinstance(e, ev.TextDelta) and "[2/" in e.text)
    pid = engine.pid(sid)
    engine.stop(sid)
    finished = kit.wait_type(ev.TurnFinished, sid, timeout=20)
    assert finished.interrupted and not finished.is_error
    reply = [m for m in kit.store.messages(sid) if m.role == "assistant"][-1]
    assert reply.interrupted and not reply.partial
    assert reply.text.startswith("Echo #1: @@slow:8 go") and "[20/20]" not in reply.text
    assert engine.state(sid) == "warm" and engine.pid(sid) == pid
    assert kit.store.get_session(sid).status == "stopped"
    after = kit.turn(sid, "again")
    assert not after.is_error and kit.assistant_texts(sid)[-1].endswith("again")
    assert engine.pid(sid) == pid


def test_model_switch_mid_session(kit, mock_api):
    engine = kit.start()
    sid = kit.new_session(model="sonnet")
    kit.turn(sid, "first")
    assert "sonnet" in mock_api.requests[-1]["model"]
    engine.set_model(sid, "haiku")
    kit.wait_type(ev.ModelChanged, sid)
    kit.turn(sid, "second")
    assert "haiku" in mock_api.requests[-1]["model"]
    assert kit.store.get_session(sid).model == "haiku"
    assert any(e.kind == "model_change" and e.detail["model"] == "haiku" for e in kit.store.events(sid))


def test_branch_at_the_first_of_three_turns(kit, mock_api):
    engine = kit.start()
    sid = kit.new_session(name="trunk")
    for prompt in ("alpha turn", "beta turn", "gamma turn"):
        kit.turn(sid, prompt)
    first_reply = kit.store.messages(sid)[1]
    branch = engine.branch(sid, first_reply.id, name="side")
    assert branch.parent_id == sid and branch.fork_point.message_id == first_reply.id
    assert branch.pending_fork.claude_uuid == first_reply.claude_uuid
    assert [m.text for m in kit.store.messages(branch.id)] == ["alpha turn", first_reply.text]

    kit.turn(branch.id, "delta turn")
    history = _request_texts(mock_api.requests[-1])
    assert "alpha turn" in history and "delta turn" in history
    assert "beta turn" not in history and "gamma turn" not in history
    forked = kit.store.get_session(branch.id)
    original = kit.store.get_session(sid)
    assert forked.pending_fork is None and forked.claude_session_id != original.claude_session_id
    assert len(kit.store.messages(sid)) == 6


def test_regenerate_keeps_both_versions_and_switches(kit, mock_api):
    engine = kit.start()
    sid = kit.new_session()
    kit.turn(sid, "first prompt")
    kit.turn(sid, "second prompt")
    old_claude_id = kit.store.get_session(sid).claude_session_id
    engine.regenerate(sid)
    finished = kit.wait_type(ev.TurnFinished, sid)
    assert not finished.is_error
    prompt = [m for m in kit.store.messages(sid) if m.role == "user"][-1]
    replies = [m for m in kit.store.messages(sid, all_versions=True) if m.version_group == prompt.id]
    assert [(m.version, m.text) for m in replies] == [(0, "Echo #2: second prompt"), (1, "Echo #3: second prompt")]
    # The regenerated reply was asked from the state before the prompt: turn 1 only, then the prompt again.
    history = _request_texts(mock_api.requests[-1])
    assert "Echo #1: first prompt" in history and "Echo #2" not in history
    session = kit.store.get_session(sid)
    assert session.chosen_versions == {prompt.id: 1} and session.claude_session_id != old_claude_id
    assert kit.assistant_texts(sid)[-1] == "Echo #3: second prompt"

    engine.choose_version(sid, prompt.id, 0)
    assert kit.assistant_texts(sid)[-1] == "Echo #2: second prompt"
    assert kit.store.get_session(sid).claude_session_id == old_claude_id
    kit.turn(sid, "third prompt")
    history = _request_texts(mock_api.requests[-1])
    assert "Echo #2: second prompt" in history and "Echo #3" not in history


@pytest.mark.parametrize("decision", ["allow", "deny"])
def test_tool_call_permission_answered(kit, mock_api, decision):
    engine = kit.start()
    sid = kit.new_session()
    engine.send(sid, "@@tool:touch made-by-tool.txt")
    asked = kit.wait_type(ev.PermissionRequested, sid)
    assert asked.tool_name == "Bash" and asked.tool_input["command"] == "touch made-by-tool.txt"
    engine.answer_permission(sid, asked.request_id, decision, "not today")
    finished = kit.wait_type(ev.TurnFinished, sid)
    assert not finished.is_error
    results = [m for m in kit.store.messages(sid) if m.role == "tool"]
    assert len(results) == 1
    created = (kit.project / "made-by-tool.txt").exists()
    if decision == "allow":
        assert created and not results[0].error
    else:
        assert not created and results[0].error and "not today" in results[0].text
    assert any(e.kind == "tool_call" and e.detail.get("decision") == decision for e in kit.store.events(sid))


def test_allow_for_the_session_is_remembered(kit, mock_api):
    engine = kit.start()
    sid = kit.new_session()
    engine.send(sid, "@@tool:touch one.txt")
    asked = kit.wait_type(ev.PermissionRequested, sid)
    engine.answer_permission(sid, asked.request_id, "allow_session")
    kit.wait_type(ev.TurnFinished, sid)
    kit.turn(sid, "@@tool:touch two.txt")
    assert len(kit.of_type(ev.PermissionRequested, sid)) == 1
    assert (kit.project / "one.txt").exists() and (kit.project / "two.txt").exists()


def test_auth_failure_shows_retries_then_a_reason(kit, mock_api):
    engine = kit.start()
    sid = kit.new_session()
    engine.send(sid, "@@err401 hi")
    failed = kit.wait_type(ev.SessionFailed, sid, timeout=60)
    assert kit.wait_type(ev.TurnFinished, sid).is_error
    retries = kit.of_type(ev.ApiRetry, sid)
    assert [r.attempt for r in retries] == [1, 2] and retries[0].max_retries == 2
    assert retries[0].describe().startswith("retrying 1/2 in ")
    assert failed.kind == "auth" and "Invalid API key" in failed.reason
    assert kit.store.get_session(sid).status == "failed"
    assert any(isinstance(e, ev.ProcessStateChanged) and e.state == "retrying" for e in kit.seen)
    again = kit.turn(sid, "better now")
    assert not again.is_error and kit.store.get_session(sid).status == "idle"


def test_one_megabyte_prompt_goes_over_stdin(kit, mock_api):
    kit.start()
    sid = kit.new_session()
    prompt = "x" * (1 << 20) + " end"
    finished = kit.turn(sid, prompt, timeout=90)
    assert not finished.is_error
    assert prompt in _request_texts(mock_api.requests[-1])
    assert kit.store.messages(sid)[0].text == prompt


def test_shutdown_leaves_no_claude_processes(kit, mock_api):
    engine = kit.start()
    first, second = kit.new_session("a"), kit.new_session("b")
    kit.turn(first, "idle one")
    engine.send(second, "@@slow:20 busy one")
    kit.wait_for(lambda e: isinstance(e, ev.TextDelta) and e.session_id == second)
    pids = [engine.pid(s) for s in (first, second)]
    assert set(pids) <= set(descendants(os.getpid()))
    started = time.monotonic()
    engine.shutdown(timeout=5)
    assert time.monotonic() - started < 8
    assert not set(pids) & set(descendants(os.getpid()))
    assert descendants(os.getpid()) == []
    kept = [m for m in kit.store.messages(second) if m.role == "assistant"]
    assert kept and kept[-1].interrupted and kept[-1].text.startswith("Echo")
