"""What the prompt's habits send to the real claude CLI, seen by the mock: @ mentions, slash commands claude
runs itself (their output comes back as a command block), /clear, custom commands and skills, and images."""

from __future__ import annotations

import base64
import json

import pytest

from ccsess.core.claude import events as ev
from ccsess.core.claude.attachments import image_from_bytes
from ccsess.core.claude.engine import Engine
from ccsess.core.config import Config
from ccsess.core.claude.turn import CLEARED
from support.engine_kit import kit  # noqa: F401 - fixture
from support.images import png_bytes
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


def requests_with_text(mock_api, text: str) -> list[dict]:
    """The requests whose last user message has a text block that is ``text`` (claude adds text of its own after
    an image)."""
    def texts(body: dict) -> list[str]:
        content = (last_user_message(body) or {}).get("content")
        texts = [b.get("text") for b in content if isinstance(b, dict)] if isinstance(content, list) else [content]
        return [str(text).strip() for text in texts]

    return [body for body in mock_api.requests if text in texts(body)]


def image_blocks_sent(body: dict) -> list[dict]:
    content = (last_user_message(body) or {}).get("content")
    return [b for b in content if isinstance(b, dict) and b.get("type") == "image"] if isinstance(content, list) else []


def test_an_attached_image_reaches_claude_and_is_sent_again_on_regenerate(kit, mock_api):
    image = image_from_bytes("shot.png", png_bytes(24, 16))
    engine = kit.start()
    sid = kit.new_session()
    engine.send(sid, "what is in this picture?", [image])
    assert not kit.wait_type(ev.TurnFinished, sid).is_error
    [sent] = image_blocks_sent(requests_with_text(mock_api, "what is in this picture?")[-1])
    assert sent["source"]["media_type"] == "image/png"
    assert base64.b64decode(sent["source"]["data"]) == image.data
    [stored] = [b for b in kit.store.messages(sid)[0].blocks if b["type"] == "image"]
    assert stored["source"]["type"] == "stored" and stored["source"]["bytes"] == image.size

    asked = len(mock_api.requests)
    engine.regenerate(sid)
    assert not kit.wait_type(ev.TurnFinished, sid).is_error
    again = requests_with_text(mock_api, "what is in this picture?")
    assert len(mock_api.requests) > asked and len(again) >= 2 and base64.b64decode(image_blocks_sent(again[-1])[0]["source"]["data"]) == image.data
