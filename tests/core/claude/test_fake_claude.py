"""The fake `claude`: protocol like the real one, and each fault marker does what it promises."""

from __future__ import annotations

import json
import os

import pytest

from support.pty_claude import CURSOR_SHOW, PersistentClaude, run_print

PRINT = ["--output-format", "stream-json", "--verbose", "--include-partial-messages"]


@pytest.fixture
def env(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    return {"PATH": os.environ["PATH"], "HOME": str(home)}


def _texts(messages, kind):
    return [b["text"] for m in messages if m["type"] == kind
            for b in (m["message"]["content"] if isinstance(m["message"]["content"], list) else [])
            if b.get("type") == "text"]


def _deltas(messages):
    return [m["event"]["delta"]["text"] for m in messages
            if m["type"] == "stream_event" and m["event"]["type"] == "content_block_delta"]


def test_version(fake_claude, env, tmp_path):
    reader, status = run_print(fake_claude, ["--version"], env, tmp_path)
    assert status == 0 and "2.1.328 (Claude Code)" in reader.junk[0]


def test_print_mode_echo_framing_like_the_real_cli(fake_claude, env, tmp_path):
    reader, status = run_print(fake_claude, ["-p", "hello", *PRINT], env, tmp_path)
    assert status == 0
    assert reader.junk == []
    assert reader.raw.endswith("}\r\n" + CURSOR_SHOW)
    assert "\r\r\n" not in reader.raw
    kinds = [m["type"] for m in reader.messages]
    assert kinds[:2] == ["system", "system"] and kinds[-1] == "result"
    assert reader.messages[0]["claude_code_version"] == "2.1.328"
    assert "".join(_deltas(reader.messages)) == "Echo #1: hello"
    assert _texts(reader.messages, "assistant") == ["Echo #1: hello"]
    result = reader.messages[-1]
    assert (result["subtype"], result["is_error"], result["result"]) == ("success", False, "Echo #1: hello")


def test_stream_json_without_verbose_is_refused(fake_claude, env, tmp_path):
    reader, status = run_print(fake_claude, ["-p", "x", "--output-format", "stream-json"], env, tmp_path)
    assert status == 1 and "requires --verbose" in reader.raw


def test_crash_prints_deltas_then_exits_3(fake_claude, env, tmp_path):
    reader, status = run_print(fake_claude, ["-p", "boom !!crash", *PRINT], env, tmp_path)
    assert status == 3
    assert len(_deltas(reader.messages)) >= 1
    assert not [m for m in reader.messages if m["type"] in ("assistant", "result")]
    assert CURSOR_SHOW not in reader.raw


def test_garbage_lines_are_interleaved(fake_claude, env, tmp_path):
    reader, status = run_print(fake_claude, ["-p", "x !!garbage", *PRINT], env, tmp_path)
    assert status == 0
    assert len(reader.junk) >= 2 and all("not json" in line for line in reader.junk)
    assert reader.messages[-1]["result"] == "Echo #1: x !!garbage"


def test_bigline_gives_one_assistant_line_of_that_size(fake_claude, env, tmp_path):
    reader, status = run_print(fake_claude, ["-p", "!!bigline:2", "--output-format", "stream-json",
                                             "--verbose"], env, tmp_path)
    assert status == 0
    lines = [line for line in reader.raw.split("\r\n") if line.startswith('{"type":"assistant"')]
    assert len(lines) == 1
    assert len(lines[0].encode()) >= 2 * 1024 * 1024
    assert len(_texts(reader.messages, "assistant")[0]) == 2 * 1024 * 1024


def test_exit_early_writes_stderr_and_exits_2_before_any_output(fake_claude, env, tmp_path):
    with PersistentClaude(fake_claude, [], env, tmp_path, workdir=tmp_path) as claude:
        claude.send_user("!!exit-early")
        assert claude.wait() == 2
        assert claude.messages == [] and claude.reader.junk == []
        assert "exit early" in claude.stderr()


def test_exit_early_from_env_script(fake_claude, env, tmp_path):
    env = {**env, "FAKE_CLAUDE_SCRIPT": "!!exit-early"}
    reader, status = run_print(fake_claude, ["-p", "hi", *PRINT], env, tmp_path)
    assert status == 2 and reader.messages == []


def test_hang_prints_nothing_and_keeps_running(fake_claude, env, tmp_path):
    with PersistentClaude(fake_claude, [], env, tmp_path, workdir=tmp_path) as claude:
        claude.send_user("!!hang")
        claude.close_stdin()
        with pytest.raises(TimeoutError):
            claude.wait(timeout=1.5)
        assert claude.child.isalive()
        assert claude.messages == []


def test_slow_streams_twenty_ticks_and_stops_on_interrupt(fake_claude, env, tmp_path):
    reader, status = run_print(fake_claude, ["-p", "!!slow:0.2", *PRINT], env, tmp_path)
    assert status == 0 and len(_deltas(reader.messages)) == 21
    partial = ["--include-partial-messages"]
    with PersistentClaude(fake_claude, partial, env, tmp_path, workdir=tmp_path) as claude:
        claude.send_user("!!slow:60")
        claude.until(lambda m: m["type"] == "stream_event" and m["event"]["type"] == "content_block_delta")
        request_id = claude.control({"subtype": "interrupt"})
        assert claude.until_control_response(request_id)["response"]["response"] == {"still_queued": []}
        result = claude.until_result()
        assert result["subtype"] == "error_during_execution"
        assert result["terminal_reason"] == "aborted_streaming"
        assert "[Request interrupted by user]" in json.dumps(claude.messages)
        claude.send_user("after")
        assert claude.until_result()["result"] == "Echo #2: after"
        claude.close_stdin()
        assert claude.wait() == 0


def test_stderr_marker_writes_stderr_not_stdout(fake_claude, env, tmp_path):
    with PersistentClaude(fake_claude, [], env, tmp_path, workdir=tmp_path) as claude:
        claude.send_user("x !!stderr")
        assert claude.until_result()["is_error"] is False
        claude.close_stdin()
        assert claude.wait() == 0
        assert "something odd" in claude.stderr()
        assert claude.reader.junk == []


def test_persistent_set_model_resume_and_log(fake_claude, env, tmp_path):
    log = tmp_path / "fake.log"
    env = {**env, "FAKE_CLAUDE_LOG": str(log)}
    session = "8e0c9f55-27c7-4bd3-9d9c-3c1f0f0d6d11"
    with PersistentClaude(fake_claude, ["--session-id", session, "--model", "sonnet"], env, tmp_path,
                          workdir=tmp_path) as claude:
        claude.send_user("one")
        first = claude.until_result()
        request_id = claude.control({"subtype": "set_model", "model": "haiku"})
        answer = claude.until_control_response(request_id)
        assert answer["response"] == {"subtype": "success", "request_id": request_id,
                                      "response": {"model": "claude-haiku-5-5"}}
        claude.send_user("two")
        claude.until_result()
        claude.close_stdin()
        assert claude.wait() == 0
    inits = [m for m in claude.messages if m.get("subtype") == "init"]
    assert [m["model"] for m in inits] == ["claude-sonnet-5-5", "claude-haiku-5-5"]
    assert first["session_id"] == session
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert records[0]["argv"][:2] == ["-p", "--input-format"] and session in records[0]["argv"]
    assert sum(1 for r in records if "stdin" in r) == 3

    reader, status = run_print(fake_claude, ["-p", "three", "--resume", session, *PRINT], env, tmp_path)
    assert status == 0 and reader.messages[-1]["result"] == "Echo #3: three"
    unknown = "00000000-0000-4000-8000-000000000000"
    reader, status = run_print(fake_claude, ["-p", "x", "--resume", unknown, *PRINT], env, tmp_path)
    assert status == 1
    assert reader.messages[-1]["errors"][0].startswith("No conversation found with session ID")


@pytest.mark.parametrize("decision", ["allow", "deny"])
def test_tool_permission_round_trip(fake_claude, env, tmp_path, decision):
    with PersistentClaude(fake_claude, ["--permission-prompt-tool", "stdio"], env, tmp_path,
                          workdir=tmp_path) as claude:
        claude.send_user("!!tool:touch f1.txt")
        asked = claude.until(lambda m: m["type"] == "control_request")
        assert asked["request"]["subtype"] == "can_use_tool"
        assert asked["request"]["input"]["command"] == "touch f1.txt"
        answer = {"behavior": "allow", "updatedInput": asked["request"]["input"]} if decision == "allow" \
            else {"behavior": "deny", "message": "no thanks"}
        claude.send({"type": "control_response", "response": {"subtype": "success",
                                                              "request_id": asked["request_id"],
                                                              "response": answer}})
        result = claude.until_result()
    expected = "ran: touch f1.txt" if decision == "allow" else "no thanks"
    assert result["result"] == f"Tool said: {expected}"
    assert bool(result["permission_denials"]) == (decision == "deny")


def test_non_json_stdin_line_kills_the_process(fake_claude, env, tmp_path):
    with PersistentClaude(fake_claude, [], env, tmp_path, workdir=tmp_path) as claude:
        claude.send("this is not json")
        assert claude.wait() == 1
        assert "Error parsing streaming input line" in claude.stderr()
