"""The engine against the fake claude: crashes, noise, huge lines, early exits, hangs; and launch refusals."""

from __future__ import annotations

import logging
import os

import pytest

from ccsess.core.claude import events as ev
from support.crash_driver import descendants
from support.engine_kit import fake_kit  # noqa: F401 - fixture


def test_crash_mid_stream_keeps_the_partial_and_explains(fake_kit):
    engine = fake_kit.start()
    sid = fake_kit.new_session()
    engine.send(sid, "!!crash please")
    failed = fake_kit.wait_type(ev.SessionFailed, sid)
    assert failed.kind == "exited" and "code 3" in failed.reason
    assert fake_kit.wait_type(ev.TurnFinished, sid).is_error
    reply = [m for m in fake_kit.store.messages(sid) if m.role == "assistant"][-1]
    assert reply.interrupted and not reply.partial and reply.text.startswith("Echo")
    assert fake_kit.store.get_session(sid).status == "failed"
    assert engine.state(sid) == "cold"
    again = fake_kit.turn(sid, "after the crash")
    assert not again.is_error and fake_kit.store.get_session(sid).status == "idle"


def test_garbage_lines_are_skipped_and_logged(fake_kit, caplog):
    engine = fake_kit.start()
    sid = fake_kit.new_session()
    with caplog.at_level(logging.INFO, logger="ccsess.core.claude.framing"):
        finished = fake_kit.turn(sid, "!!garbage hello")
    assert not finished.is_error
    assert fake_kit.assistant_texts(sid) == ["Echo #1: !!garbage hello"]
    assert any("garbage" in r.getMessage() for r in caplog.records)
    assert engine.state(sid) == "warm"


def test_ten_megabyte_line(fake_kit):
    fake_kit.start()
    sid = fake_kit.new_session()
    finished = fake_kit.turn(sid, "!!bigline:10", timeout=120)
    assert not finished.is_error
    text = fake_kit.assistant_texts(sid)[-1]
    assert len(text) == 10 * 1024 * 1024 and text.startswith("Echo #1: !!bigline:10 xxx")
    completed = fake_kit.of_type(ev.MessageCompleted, sid)
    assert completed and not completed[-1].replaces_streamed


def test_exit_before_any_output_reports_code_and_stderr(fake_kit):
    fake_kit.env["FAKE_CLAUDE_SCRIPT"] = "!!exit-early"
    engine = fake_kit.start()
    sid = fake_kit.new_session()
    engine.send(sid, "hello")
    failed = fake_kit.wait_type(ev.SessionFailed, sid)
    assert failed.kind == "exited"
    assert "code 2" in failed.reason and "told to exit early" in failed.reason
    assert fake_kit.store.get_session(sid).status == "failed"
    assert [m.role for m in fake_kit.store.messages(sid)] == ["user"]


def test_stderr_goes_to_the_session_log_not_the_stream(fake_kit):
    fake_kit.start()
    sid = fake_kit.new_session()
    fake_kit.turn(sid, "!!stderr hi")
    assert fake_kit.assistant_texts(sid) == ["Echo #1: !!stderr hi"]
    log_file = fake_kit.store.log_path(sid)
    assert "something odd on stderr" in log_file.read_text()
    assert oct(log_file.stat().st_mode & 0o777) == "0o600"


def test_hang_then_stop_escalates_and_keeps_the_session_usable(fake_kit):
    engine = fake_kit.start()
    sid = fake_kit.new_session()
    engine.send(sid, "!!hang")
    fake_kit.wait_for(lambda e: isinstance(e, ev.ProcessStateChanged) and e.state == "starting")
    pid = engine.pid(sid)
    engine.stop(sid)
    finished = fake_kit.wait_type(ev.TurnFinished, sid, timeout=20)
    assert finished.interrupted
    [exited] = fake_kit.of_type(ev.ProcessExited, sid)
    assert exited.exit_code is not None and not exited.expected
    assert not fake_kit.of_type(ev.SessionFailed, sid)
    assert pid not in descendants(os.getpid())
    assert not fake_kit.turn(sid, "works again").is_error


def test_claude_not_found_says_how_to_install(fake_kit, tmp_path):
    fake_kit.claude = tmp_path / "no-such-claude"
    engine = fake_kit.start()
    sid = fake_kit.new_session()
    message_id = engine.send(sid, "hello")
    failed = fake_kit.wait_type(ev.SessionFailed, sid, timeout=5)
    assert failed.kind == "not_found"
    assert "@anthropic-ai/claude-code" in failed.reason and "CCSESS_CLAUDE" in failed.reason
    assert "config.toml" in failed.reason
    assert fake_kit.store.messages(sid)[0].id == message_id
    assert fake_kit.store.get_session(sid).status == "failed"


@pytest.mark.skipif(os.geteuid() != 0, reason="the root refusal only applies to root")
def test_bypass_is_refused_as_root_outside_a_sandbox(fake_kit, monkeypatch):
    monkeypatch.delenv("IS_SANDBOX", raising=False)
    engine = fake_kit.start()
    sid = fake_kit.new_session(permission_mode="bypassPermissions")
    engine.send(sid, "hello")
    failed = fake_kit.wait_type(ev.SessionFailed, sid, timeout=5)
    assert "root" in failed.reason and failed.kind == "spawn"


def test_new_resume_and_fork_command_lines(fake_kit, tmp_path):
    log_file = tmp_path / "fake.log"
    fake_kit.env["FAKE_CLAUDE_LOG"] = str(log_file)
    engine = fake_kit.start()
    sid = fake_kit.new_session()
    fake_kit.turn(sid, "one")
    claude_id = fake_kit.store.get_session(sid).claude_session_id
    engine.shutdown()
    fake_kit.start()
    fake_kit.turn(sid, "two")
    reply = [m for m in fake_kit.store.messages(sid) if m.role == "assistant"][0]
    branch = fake_kit.engine.branch(sid, reply.id)
    fake_kit.turn(branch.id, "three")
    argvs = [line for line in log_file.read_text().splitlines() if '"argv"' in line]
    assert f'"--session-id", "{claude_id}"' in argvs[0]
    assert f'"--resume", "{claude_id}"' in argvs[1]
    assert (f'"--resume", "{claude_id}", "--resume-session-at", "{reply.claude_uuid}", "--fork-session"'
            in argvs[2])
    for argv in argvs:
        assert '"--permission-prompt-tool", "stdio"' in argv and '"--input-format", "stream-json"' in argv
    stdin = [line for line in log_file.read_text().splitlines() if '"stdin"' in line]
    assert all("one" not in a and "two" not in a for a in argvs)
    assert len(stdin) == 3


def test_pool_closes_the_least_recently_used_session(fake_kit):
    engine = fake_kit.start(max_live=2)
    first, second, third = (fake_kit.new_session(n) for n in ("a", "b", "c"))
    fake_kit.turn(first, "one")
    fake_kit.turn(second, "two")
    fake_kit.turn(first, "one again")
    fake_kit.turn(third, "three")
    if not fake_kit.of_type(ev.ProcessExited):
        fake_kit.wait_type(ev.ProcessExited, timeout=20)
    [exited] = fake_kit.of_type(ev.ProcessExited)
    assert exited.session_id == second and exited.expected and exited.exit_code == 0
    assert engine.state(second) == "cold" and engine.state(first) == engine.state(third) == "warm"
    assert sorted(engine.live_session_ids()) == sorted([first, third])
    fake_kit.turn(second, "two again")
    assert fake_kit.assistant_texts(second) == ["Echo #1: two", "Echo #2: two again"]
    modes = [e.detail["mode"] for e in fake_kit.store.events(second) if e.kind == "start"]
    assert modes == ["new", "resume"]


def test_events_carry_the_stored_prompt_the_live_state_and_the_finished_session(fake_kit):
    engine = fake_kit.start()
    sid = fake_kit.new_session()
    message_id = engine.send(sid, "first")
    engine.send(sid, "second")
    fake_kit.wait_for(lambda e: isinstance(e, ev.TurnFinished) and len(fake_kit.of_type(ev.TurnFinished, sid)) == 2)
    stored = fake_kit.of_type(ev.PromptStored, sid)
    assert [e.message.text for e in stored] == ["first", "second"] and stored[0].message.id == message_id
    states = fake_kit.of_type(ev.ProcessStateChanged, sid)
    assert any(s.busy and s.queued == 1 for s in states), "the second prompt waited behind the first"
    assert not states[-1].busy and states[-1].queued == 0 and states[-1].state == "warm"
    finished = fake_kit.of_type(ev.TurnFinished, sid)[-1]
    assert finished.session == fake_kit.store.get_session(sid) and finished.session.totals.turns == 2
