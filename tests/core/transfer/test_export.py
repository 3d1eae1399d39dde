"""Markdown and JSON export: golden files from fixed data, safety of the output, atomic writes, the CLI."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from ccsess import __version__
from ccsess.cli import main as cli_main
from ccsess.core import atomic
from ccsess.core.transfer.export import ExportError, export_session, render_json, render_markdown, write_export
from ccsess.core.transfer.markdown import safe_markdown
from ccsess.core.models import ForkPoint, Message, Session, Totals
from ccsess.core.store.store import Store
from support import paths

GOLDEN = paths.GOLDEN
T0 = 1_795_000_000.0  # 2026-11-18 11:06:40 UTC


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("CCSESS_UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"missing golden file {path}; run with CCSESS_UPDATE_GOLDEN=1 to create it"
    assert text == path.read_text()


def msg(mid: str, role: str, at: float, *blocks: dict, **flags) -> Message:
    return Message(id=mid, role=role, blocks=list(blocks), created=T0 + at, **flags)


def text(value: str) -> dict:
    return {"type": "text", "text": value}


NESTED_FENCES = (
    "Here is how to write a README section:\n\n"
    "````markdown\n## Install\n\n```sh\npip install ccsess\n```\n````\n\nDone."
)
UNCLOSED_FENCE = "Start of code:\n```markdown\n```python\nprint(1)\n```\n```"
TABLE_AND_LISTS = (
    "| Name | Value |\n|------|------:|\n| a | 1 |\n| b | 2 |\n\n"
    "1. first\n2. second\n   - nested *item*\n   - `code`\n\n- [ ] task"
)


def branch_session() -> Session:
    return Session(
        id="br4nch01", name="Refactor parser (branch)", project="/home/u/work", model="claude-opus-5-5",
        created=T0, updated=T0 + 600, last_active=T0 + 600, claude_session_id="5cffd1ad-0000-4000-8000-000000000001",
        parent_id="par3nt01", fork_point=ForkPoint(message_id="m2", claude_uuid="uuid-2"),
        totals=Totals(cost_usd=0.12345, input_tokens=12345, output_tokens=678, turns=4),
        chosen_versions={"m5": 0},
    )


def branch_messages() -> list[Message]:
    return [
        msg("m1", "user", 1, text("Show me nested fences")),
        msg("m2", "assistant", 5, text(NESTED_FENCES), model="claude-opus-5-5"),
        msg("m3", "user", 60, text("And a table, and then a broken fence")),
        msg("m4", "assistant", 65, {"type": "thinking", "thinking": "They want a table.\n```\nstray fence"},
            text(TABLE_AND_LISTS), text(UNCLOSED_FENCE), model="claude-sonnet-5-5"),
        msg("m5", "user", 120, text("@@tool:ls -la")),
        msg("m6", "assistant", 121, text("Listing."),
            {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "ls -la", "description": "List"}},
            model="claude-opus-5-5", version_group="m5", version=0),
        msg("m7", "tool", 122, {"type": "tool_result", "tool_use_id": "toolu_1",
                                "content": "total 0\n```\n<script>alert(1)</script>\x1b[31mred\x1b[0m",
                                "is_error": False}, version_group="m5", version=0),
        msg("m8", "assistant", 123, text("Two files, <b>bold</b> and <script>x()</script>."),
            model="claude-opus-5-5", version_group="m5", version=0),
        msg("m9", "assistant", 180, text("A second try, cut off"), model="claude-opus-5-5", version_group="m5",
            version=1, interrupted=True),
        msg("m10", "user", 240, text("again")),
        msg("m11", "assistant", 241, text("API Error: 500 Internal server error"), model="<synthetic>",
            error=True, synthetic=True),
    ]


def visible(messages: list[Message], chosen: dict[str, int]) -> list[Message]:
    return [m for m in messages if not m.version_group or m.version == chosen[m.version_group]]


def test_golden_branch_current() -> None:
    session, messages = branch_session(), branch_messages()
    text_md = render_markdown(session, visible(messages, session.chosen_versions), version_messages=messages,
                              parent_name="Refactor parser")
    check_golden("branch_current.md", text_md)


def test_golden_branch_all_versions() -> None:
    session, messages = branch_session(), branch_messages()
    check_golden("branch_all.md", render_markdown(session, messages, all_versions=True))


def test_golden_plain_session() -> None:
    session = Session(id="plain001", name="", project="/tmp/p", created=T0, updated=T0 + 9, last_active=T0 + 9)
    messages = [
        msg("a", "user", 1, text("hi")),
        msg("b", "assistant", 2, text("Hello! Interrupted mid"), interrupted=True),
        msg("c", "system", 3, text("Conversation compacted"), synthetic=True),
        msg("d", "tool", 4, {"type": "tool_result", "tool_use_id": "gone", "content": "orphan", "is_error": True}),
        msg("e", "assistant", 5),
    ]
    check_golden("plain.md", render_markdown(session, messages))


def test_golden_json() -> None:
    session, messages = branch_session(), branch_messages()
    document = render_json(session, messages, [], branch="all")
    check_golden("branch.json", document.replace(f'"ccsess {__version__}"', '"ccsess VERSION"'))


def rendered_outside_code(markdown: str) -> str:
    """The Markdown with fenced blocks removed: what a renderer could treat as HTML."""
    out, fence = [], ""
    for line in markdown.split("\n"):
        stripped = line.lstrip()
        if fence:
            if stripped.rstrip() == fence:
                fence = ""
            continue
        if stripped.startswith("```"):
            fence = stripped[: len(stripped) - len(stripped.lstrip("`"))]
            continue
        out.append(line)
    return "\n".join(out)


def test_markdown_is_inert_and_escape_free() -> None:
    session, messages = branch_session(), branch_messages()
    output = render_markdown(session, messages, all_versions=True)
    assert "\x1b" not in output
    prose = rendered_outside_code(output)
    assert "<script" not in prose.lower() and "<b>" not in prose
    assert "&lt;script>x()&lt;/script>" in prose
    tags = set(re.findall(r"<(/?[A-Za-z][^\s>]*)", prose))
    assert tags == {"details", "/details", "summary", "/summary"}


@pytest.mark.parametrize(
    "source",
    [NESTED_FENCES, TABLE_AND_LISTS, "plain `inline <code>` and ``double ` tick``", "~~~\ntilde <b>\n~~~"],
)
def test_balanced_markdown_is_kept_exactly_apart_from_html(source: str) -> None:
    assert safe_markdown(source).replace("&lt;", "<") == source


def test_unclosed_fence_is_wrapped_in_a_longer_fence() -> None:
    wrapped = safe_markdown(UNCLOSED_FENCE)
    assert wrapped == f"````markdown\n{UNCLOSED_FENCE}\n````"


def test_risky_links_are_broken() -> None:
    assert safe_markdown("[x](javascript:alert(1)) [y](https://ok)") == "[x]\\(javascript:alert(1)) [y](https://ok)"
    assert safe_markdown("<https://example.com>") == "<https://example.com>"


def populated_store(data_dir: Path) -> tuple[Store, str]:
    store = Store(data_dir)
    session = store.create_session("Export me", "/tmp/p", model="claude-opus-5-5")
    for message in visible(branch_messages(), {"m5": 1}):
        store.append_message(session.id, message)
    return store, session.id


def test_export_session_reads_the_store_and_logs_an_event(data_dir: Path) -> None:
    store, session_id = populated_store(data_dir)
    markdown = export_session(store, session_id)
    assert markdown.startswith("# Export me\n")
    assert "version 2 of 2" not in markdown, "versions not in the store are not invented"
    data = json.loads(export_session(store, session_id, fmt="json"))
    assert sorted(data) == ["branch", "events", "generator", "messages", "schema_version", "session"]
    assert data["schema_version"] == 1 and data["session"]["id"] == session_id
    assert [m["id"] for m in data["messages"]] == [m.id for m in store.messages(session_id)]
    assert [(e.kind, e.detail["format"]) for e in store.events(session_id)] == [("export", "md"), ("export", "json")]
    with pytest.raises(ExportError):
        export_session(store, session_id, fmt="pdf")


def test_write_export_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.md"
    assert write_export("first\n", target) == target
    assert target.read_text() == "first\n"

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", broken_fsync)
    with pytest.raises(ExportError, match=r"^cannot write .*out\.md: No space left on device$"):
        write_export("second, much longer\n" * 1000, target)
    assert target.read_text() == "first\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.md"]


@pytest.mark.parametrize("where", ["missing/dir/out.md", "afile/out.md", "."])
def test_write_export_refuses_unwritable_paths(tmp_path: Path, where: str) -> None:
    (tmp_path / "afile").write_text("x")
    with pytest.raises(ExportError) as caught:
        write_export("text", tmp_path / where)
    assert "\n" not in str(caught.value) and str(caught.value).startswith("cannot write ")
    assert not (tmp_path / "missing").exists()


def test_export_command(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store, session_id = populated_store(data_dir)
    assert cli_main(["export", session_id]) == 0
    assert capsys.readouterr().out.startswith("# Export me\n")

    out_file = tmp_path / "t.json"
    assert cli_main(["export", "Export me", "-o", str(out_file)]) == 0
    assert json.loads(out_file.read_text())["session"]["name"] == "Export me"
    assert cli_main(["export", session_id, "-o", str(tmp_path / "t.md"), "--branch", "all"]) == 0
    assert (tmp_path / "t.md").read_text().startswith("# Export me")
    capsys.readouterr()

    bad = tmp_path / "no-such-dir" / "t.md"
    assert cli_main(["export", session_id, "-o", str(bad)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "does not exist" in captured.err
    assert not bad.parent.exists()

    assert cli_main(["export", "nothing-like-this"]) == 1
    assert capsys.readouterr().err.startswith("ccsess: no session matches")
