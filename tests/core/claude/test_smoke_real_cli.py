"""Canary: the pinned real CLI, through the mock API, prints the stream-json lines ccsess relies on."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from support.claude_cli import DEFAULT_VERSION, ClaudeInstallError, ensure_claude
from support.mock_api import prompt_text
from support.pty_claude import CURSOR_SHOW, PersistentClaude, run_print
from support import paths

pytestmark = pytest.mark.real_cli


def _deltas(messages: list[dict]) -> str:
    return "".join(m["event"]["delta"].get("text", "") for m in messages
                   if m["type"] == "stream_event" and m["event"]["type"] == "content_block_delta")


def _of(messages: list[dict], kind: str, subtype: str | None = None) -> list[dict]:
    return [m for m in messages if m["type"] == kind and (subtype is None or m.get("subtype") == subtype)]


def test_print_mode_prints_init_deltas_assistant_and_result(claude_bin, claude_env, mock_api, tmp_path):
    reader, status = run_print(claude_bin, ["-p", "hello", "--output-format", "stream-json", "--verbose",
                                            "--include-partial-messages"], claude_env, tmp_path)
    messages = reader.messages
    assert status == 0, reader.raw[-2000:]
    assert reader.junk == []
    assert reader.raw.endswith("\r\n" + CURSOR_SHOW)

    init = messages[0]
    assert (init["type"], init["subtype"]) == ("system", "init")
    assert init["claude_code_version"] == DEFAULT_VERSION
    session_id = init["session_id"]
    assert str(uuid.UUID(session_id)) == session_id

    events = [m["event"]["type"] for m in _of(messages, "stream_event")]
    assert events[0] == "message_start"
    assert events[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    assert _deltas(messages) == "Echo #1: hello"

    (assistant,) = _of(messages, "assistant")
    assert assistant["message"]["content"] == [{"type": "text", "text": "Echo #1: hello"}]
    assert assistant["message"]["id"].startswith("msg_")

    result = messages[-1]
    assert result["type"] == "result"
    assert (result["subtype"], result["is_error"], result["result"]) == ("success", False, "Echo #1: hello")
    assert result["session_id"] == session_id
    assert result["stop_reason"] == "end_turn"

    (request,) = mock_api.requests
    assert request["stream"] is True
    assert request["model"] == init["model"]
    assert prompt_text(request) == "hello"


def test_persistent_mode_two_turns_interrupt_and_eof(claude_bin, claude_env, mock_api, tmp_path):
    with PersistentClaude(claude_bin, ["--include-partial-messages"], claude_env, tmp_path,
                          workdir=tmp_path) as claude:
        claude.send_user("first")
        first = claude.until_result()
        assert (first["subtype"], first["is_error"], first["result"]) == ("success", False, "Echo #1: first")

        claude.send_user("@@slow:20 second")
        claude.until(lambda m: m["type"] == "stream_event" and m["event"]["type"] == "content_block_delta")
        request_id = claude.control({"subtype": "interrupt"})
        answer = claude.until_control_response(request_id)
        assert answer["response"]["subtype"] == "success"
        aborted = claude.until_result()
        assert (aborted["subtype"], aborted["is_error"]) == ("error_during_execution", True)
        assert aborted["terminal_reason"] == "aborted_streaming"

        claude.send_user("third")
        third = claude.until_result()
        assert third["subtype"] == "success" and third["is_error"] is False
        assert third["result"].startswith("Echo #3: ")

        claude.close_stdin()
        assert claude.wait(timeout=30) == 0
        assert claude.stderr() == ""

    inits = _of(claude.messages, "system", "init")
    assert len(inits) == 3
    assert {m["session_id"] for m in inits} == {first["session_id"]}
    assert all(m["claude_code_version"] == DEFAULT_VERSION for m in inits)
    assert any(m["type"] == "user" and "[Request interrupted by user]" in str(m["message"]["content"])
               for m in claude.messages)

    last = mock_api.requests[-1]
    history = str(last["messages"])
    assert "first" in history and "Echo #1: first" in history
    assert prompt_text(last).endswith("third")


def test_install_script_prints_the_binary(claude_bin):
    script = paths.TESTS_DIR / "support" / "claude_cli.py"
    done = subprocess.run([sys.executable, str(script), "--install", DEFAULT_VERSION],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()) == claude_bin


def test_missing_npm_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("CCSESS_TEST_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ClaudeInstallError, match="npm is not on PATH"):
        ensure_claude(DEFAULT_VERSION)
