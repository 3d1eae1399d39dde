"""What the prompt's habits send to the real claude CLI, seen by the mock: @ mentions, slash commands claude
runs itself (their output comes back as a command block), /clear, and custom commands and skills."""

from __future__ import annotations

import json

import pytest

from ccsess.core.claude import events as ev
from ccsess.core.claude.engine import Engine
from ccsess.core.config import Config
from ccsess.core.claude.turn import CLEARED
from support.engine_kit import kit  # noqa: F401 - fixture
from support.mock_scenarios import last_user_message, prompt_text

pytestmark = pytest.mark.real_cli

MARKER = "# MENTIONED-FILE-MARKER"


def request_for(mock_api, prompt: str) -> dict:
    found = [body for body in mock_api.requests if prompt_text(body) == prompt]
    assert found, f"claude never sent {prompt!r}; it sent {[prompt_text(b) for b in mock_api.requests]}"
    return found[-1]


def last_blocks(kit, sid: str) -> list[dict]:
    return kit.store.messages(sid)[-1].blocks


def test_a_mentioned_file_reaches_claude_with_its_content(kit, mock_api):
    (kit.project / "src").mkdir()
    (kit.project / "src" / "app.py").write_text(f"def add(a, b):\n    return a + b  {MARKER}\n")
    kit.start()
    sid = kit.new_session()
    assert not kit.turn(sid, "explain @src/app.py please").is_error
    sent = json.dumps(request_for(mock_api, "explain @src/app.py please")["messages"])
    assert MARKER in sent and "Read tool" in sent
    assert kit.store.messages(sid)[0].text == "explain @src/app.py please"


def test_a_local_command_comes_back_as_a_command_block_without_a_model_call(kit, mock_api):
    kit.start()
    sid = kit.new_session()
    kit.turn(sid, "hello")
    asked = len(mock_api.requests)
    assert not kit.turn(sid, "/context").is_error
    assert len(mock_api.requests) == asked, "claude answers /context itself"
    [block] = last_blocks(kit, sid)
    assert block["type"] == "command" and block["command"] == "/context"
    assert "Context Usage" in block["output"]
    assert kit.store.messages(sid)[-1].role == "assistant"

    assert not kit.turn(sid, "/compact").is_error
    [block] = last_blocks(kit, sid)
    assert block == {"type": "command", "command": "/compact", "output": "Compacted"}

    kit.turn(sid, "and now?")
    sent = json.dumps(request_for(mock_api, "and now?")["messages"])
    assert "<command-name>/compact</command-name>" in sent


def test_clear_goes_on_in_claudes_new_conversation_after_a_restart(kit, mock_api, claude_bin):
    engine = kit.start()
    sid = kit.new_session()
    kit.turn(sid, "remember the word heliotrope")
    before = kit.store.get_session(sid).claude_session_id
    assert not kit.turn(sid, "/clear").is_error
    [block] = last_blocks(kit, sid)
    assert block == {"type": "command", "command": "/clear", "output": CLEARED}
    after = kit.store.get_session(sid).claude_session_id
    assert after and after != before

    engine.shutdown(timeout=5)
    kit.engine = Engine(kit.store, Config(claude=str(claude_bin)), kit.events.put, env=kit.env)
    assert not kit.turn(sid, "what was the word?").is_error
    sent = json.dumps(request_for(mock_api, "what was the word?")["messages"])
    assert "heliotrope" not in sent, "the cleared conversation is not resumed"


def test_custom_commands_and_skills_are_listed_and_expanded_by_claude(kit, mock_api):
    commands = kit.project / ".claude" / "commands"
    commands.mkdir(parents=True)
    (commands / "greet.md").write_text("---\ndescription: greet someone\n---\nSay hello to $ARGUMENTS\n")
    skill = kit.project / ".claude" / "skills" / "tidy"
    skill.mkdir(parents=True)
    (skill / "SKILL.md").write_text("---\nname: tidy\ndescription: tidy the files\n---\nTIDY-SKILL-BODY\n")
    kit.start()
    sid = kit.new_session()
    kit.turn(sid, "/greet Bob")
    [listed] = kit.of_type(ev.CommandsListed, sid)
    assert {"greet", "tidy"} <= set(listed.commands)
    sent = json.dumps(last_user_message(mock_api.requests[-1]))
    assert "<command-name>/greet</command-name>" in sent and "Say hello to Bob" in sent
    kit.turn(sid, "/tidy")
    assert "TIDY-SKILL-BODY" in json.dumps(last_user_message(mock_api.requests[-1]))
    assert kit.store.messages(sid)[-1].role == "assistant" and kit.store.messages(sid)[-1].text
