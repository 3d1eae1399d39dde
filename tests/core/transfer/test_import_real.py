"""Round trips through session files written by the real Claude Code CLI against the mock API."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from ccsess.cli import main as cli_main
from ccsess.core.transfer.export import export_session
from ccsess.core.transfer.claude_import import import_sessions, sync_session
from ccsess.core.store.store import Store
from support.env import claude_env_for
from support.mock_api import MockAnthropic

pytestmark = pytest.mark.real_cli
TIMEOUT = 120


@dataclass
class Generated:
    home: Path
    named: str
    fork: str
    interrupted: str
    compacted: str
    failed: str
    project_a: Path
    project_b: Path

    @property
    def projects(self) -> Path:
        return self.home / ".claude" / "projects"


def run_claude(claude: Path, args: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        [str(claude), *args, "--output-format", "stream-json", "--verbose"],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT,
    )
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    session_id = next((line["session_id"] for line in lines if line.get("session_id")), None)
    assert session_id, f"claude {args} printed no session id: {done.stderr[-500:]}"
    return session_id


def interrupted_turn(claude: Path, mock: MockAnthropic, cwd: Path, env: dict[str, str]) -> str:
    """A `-p` turn stopped with SIGINT while the reply streams (notes §3.2)."""
    before = len(mock.requests)
    process = subprocess.Popen(
        [str(claude), "-p", "@@slow:6 stream me", "--output-format", "stream-json", "--verbose"],
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    mock.wait_for_requests(before + 1, timeout=60)
    time.sleep(1.5)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=TIMEOUT)
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    session_id = next((line["session_id"] for line in lines if line.get("session_id")), None)
    assert session_id, f"interrupted claude printed no session id: {err[-500:]}"
    return session_id


@pytest.fixture(scope="session")
def generated(claude_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Generated:
    root = tmp_path_factory.mktemp("claude-sessions")
    home, project_a, project_b = root / "home", root / "alpha", root / "beta"
    for directory in (home, project_a, project_b):
        directory.mkdir()
    with MockAnthropic() as mock:
        env = claude_env_for(mock.url, home)
        named = run_claude(claude_bin, ["-p", "hello there", "-n", "My Named Sess"], project_a, env)
        run_claude(claude_bin, ["-p", "@@tool:echo hi", "--resume", named], project_a, env)
        run_claude(claude_bin, ["-p", "@@thinking think about it", "--resume", named], project_a, env)
        fork = run_claude(claude_bin, ["-p", "forked prompt", "--resume", named, "--fork-session"], project_b, env)
        interrupted = interrupted_turn(claude_bin, mock, project_b, env)
        compacted = run_claude(claude_bin, ["-p", "first before compact"], project_a, env)
        run_claude(claude_bin, ["-p", "/compact", "--resume", compacted], project_a, env)
        run_claude(claude_bin, ["-p", "after compact", "--resume", compacted], project_a, env)
        failed = run_claude(claude_bin, ["-p", "@@err400 this fails"], project_a, env)
    return Generated(home, named, fork, interrupted, compacted, failed, project_a, project_b)


@pytest.fixture
def home_copy(generated: Generated, tmp_path: Path) -> Generated:
    """A private copy of the generated HOME, for tests that change the files."""
    home = tmp_path / "home"
    shutil.copytree(generated.home, home, symlinks=True)
    return Generated(home, generated.named, generated.fork, generated.interrupted, generated.compacted,
                     generated.failed, generated.project_a, generated.project_b)


def by_claude_id(store: Store) -> dict[str, object]:
    return {s.claude_session_id: s for s in store.list_sessions(include_archived=True)}


def summary(store: Store, session_id: str) -> list[tuple[str, str, bool, bool, bool]]:
    return [(m.role, m.text, m.interrupted, m.error, m.synthetic) for m in store.messages(session_id)]


def test_import_creates_one_session_per_file_with_transcripts(generated: Generated, data_dir: Path) -> None:
    store = Store(data_dir)
    report = import_sessions(store, generated.projects)
    assert (len(report.created), len(report.updated), report.malformed, report.problems) == (5, 0, [], [])
    sessions = by_claude_id(store)
    named = sessions[generated.named]
    assert named.name == "My Named Sess"
    assert named.project == str(generated.project_a)
    assert named.model == "claude-opus-5-5"
    assert named.totals.turns == 3 and named.totals.cost_usd > 0
    messages = store.messages(named.id)
    assert [m.role for m in messages] == ["user", "assistant", "user", "assistant", "tool", "assistant",
                                          "user", "assistant"]
    assert messages[0].text == "hello there"
    assert messages[1].text.startswith("Echo #") and messages[1].text.endswith(": hello there")
    tool_call = messages[3]
    assert [b["type"] for b in tool_call.blocks] == ["text", "tool_use"]
    assert tool_call.blocks[1]["name"] == "Bash" and tool_call.blocks[1]["input"]["command"] == "echo hi"
    result = messages[4].blocks[0]
    assert (result["type"], result["tool_use_id"], result["content"]) == ("tool_result", tool_call.blocks[1]["id"], "hi")
    assert messages[5].text == "Tool said: hi"
    assert [b["type"] for b in messages[7].blocks] == ["thinking", "text"]
    assert messages[7].blocks[0]["thinking"] and "signature" not in messages[7].blocks[0]
    assert all(m.claude_uuid for m in messages)


def test_fork_interrupt_compaction_and_api_error(generated: Generated, data_dir: Path) -> None:
    store = Store(data_dir)
    import_sessions(store, generated.projects)
    sessions = by_claude_id(store)

    fork, parent = sessions[generated.fork], sessions[generated.named]
    assert fork.project == str(generated.project_b)
    assert fork.parent_id == parent.id
    parent_messages = store.messages(parent.id)
    assert fork.fork_point.message_id == parent_messages[-1].id
    fork_messages = store.messages(fork.id)
    assert [m.text for m in fork_messages[:8]] == [m.text for m in parent_messages]
    assert fork_messages[8].text == "forked prompt"

    stopped = summary(store, sessions[generated.interrupted].id)
    assert stopped[0][:2] == ("user", "@@slow:6 stream me")
    assert stopped[1][0] == "assistant" and stopped[1][2] is True, "the partial reply is marked interrupted"
    assert "[1/20]" in stopped[1][1] and "[20/20]" not in stopped[1][1]
    assert len(stopped) == 2, "the interrupt marker is a flag, not a message"

    compacted = summary(store, sessions[generated.compacted].id)
    roles_texts = [(role, text) for role, text, *_ in compacted]
    boundary = roles_texts.index(("system", "Conversation compacted"))
    assert roles_texts[0] == ("user", "first before compact")
    assert boundary == 2, "the messages before the boundary are kept, reached through logicalParentUuid"
    assert ("user", "/compact") in roles_texts
    compact = next(m for m in store.messages(sessions[generated.compacted].id) if m.text == "/compact")
    assert compact.blocks[0].get("output") == "Compacted", "the local command output is kept, ANSI stripped"
    assert roles_texts[-2] == ("user", "after compact")
    assert all("\x1b" not in text for _, text in roles_texts)
    summary_message = compacted[3]
    assert summary_message[0] == "user" and summary_message[4] is True

    failed = summary(store, sessions[generated.failed].id)
    assert failed[1][0] == "assistant" and failed[1][3] is True and "400" in failed[1][1]
    assert sessions[generated.failed].name == "@@err400 this fails"


def test_second_import_creates_nothing_and_reads_nothing(generated: Generated, data_dir: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(data_dir)
    import_sessions(store, generated.projects)
    counts = {s.id: s.message_count for s in store.list_sessions()}

    def must_not_parse(path: Path) -> None:
        raise AssertionError(f"{path} was read although it did not change")

    monkeypatch.setattr("ccsess.core.transfer.claude_import.parse_session_file", must_not_parse)
    again = import_sessions(store, generated.projects)
    assert (again.created, again.updated, again.unchanged) == ([], [], 5)
    assert {s.id: s.message_count for s in store.list_sessions()} == counts


def test_touched_but_unchanged_file_adds_nothing(home_copy: Generated, data_dir: Path) -> None:
    store = Store(data_dir)
    import_sessions(store, home_copy.projects)
    for path in home_copy.projects.glob("*/*.jsonl"):
        path.touch()
    again = import_sessions(store, home_copy.projects)
    assert (again.created, again.updated, again.unchanged) == ([], [], 5)


def test_grown_session_gets_only_the_new_turn(home_copy: Generated, data_dir: Path, claude_bin: Path,
                                              mock_api: MockAnthropic, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(data_dir)
    import_sessions(store, home_copy.projects)
    session = by_claude_id(store)[home_copy.named]
    before = store.messages(session.id)
    env = claude_env_for(mock_api.url, home_copy.home)
    run_claude(claude_bin, ["-p", "one more turn", "--resume", home_copy.named], home_copy.project_a, env)

    report = import_sessions(store, home_copy.projects)
    assert report.created == [] and report.updated == [session.id] and report.messages_added == 2
    after = store.messages(session.id)
    assert [m.id for m in after[: len(before)]] == [m.id for m in before]
    assert [(m.role, m.text.split(": ", 1)[-1]) for m in after[len(before):]] == [
        ("user", "one more turn"), ("assistant", "one more turn")]
    assert import_sessions(store, home_copy.projects).updated == []

    # "Open in Claude" round trip: sync_session finds the file through HOME.
    monkeypatch.setenv("HOME", str(home_copy.home))
    run_claude(claude_bin, ["-p", "from the terminal", "--resume", home_copy.named], home_copy.project_a, env)
    assert sync_session(store, session.id) == 2
    assert store.messages(session.id)[-2].text == "from the terminal"
    assert sync_session(store, session.id) == 0


def test_malformed_lines_are_reported_and_skipped(home_copy: Generated, data_dir: Path) -> None:
    path = next(home_copy.projects.glob(f"*/{home_copy.named}.jsonl"))
    lines = path.read_text().splitlines(keepends=True)
    attachment = next(i for i, line in enumerate(lines) if '"type":"attachment"' in line)
    lines[attachment] = '{"parentUuid": "broken\n'
    lines.insert(4, "this is not json\n")
    path.write_text("".join(lines))

    store = Store(data_dir)
    report = import_sessions(store, home_copy.projects)
    assert report.malformed == [
        f"{path}:5: not a valid JSON record",
        f"{path}:{attachment + 2}: not a valid JSON record",
    ]
    session = by_claude_id(store)[home_copy.named]
    assert len(store.messages(session.id)) == 8, "the chain is bridged over the bad line"
    assert report.summary() == "imported 5 new sessions, updated 0, skipped 0 unchanged, 2 malformed lines"


def test_dry_run_and_project_filter(generated: Generated, data_dir: Path) -> None:
    store = Store(data_dir)
    dry = import_sessions(store, generated.projects, dry_run=True)
    assert len(dry.created) == 5 and store.list_sessions() == []
    assert dry.summary().startswith("dry run: imported 5 new sessions")
    only_b = import_sessions(store, generated.projects, project=generated.project_b)
    assert sorted(s.claude_session_id for s in store.list_sessions()) == sorted([generated.fork,
                                                                                 generated.interrupted])
    assert len(only_b.created) == 2


def test_export_of_imported_session(generated: Generated, data_dir: Path) -> None:
    store = Store(data_dir)
    import_sessions(store, generated.projects)
    sessions = by_claude_id(store)
    text = export_session(store, sessions[generated.named].id)
    assert text.startswith("# My Named Sess\n")
    assert f"- **Claude session:** `{generated.named}`" in text
    assert "<summary>Tool call: Bash · echo hi</summary>" in text
    assert "Result:\n\n```\nhi\n```" in text
    assert "<summary>Thinking</summary>" in text
    stopped = export_session(store, sessions[generated.interrupted].id)
    assert "> **Interrupted:**" in stopped and "· interrupted" in stopped
    assert "> **Error:**" in export_session(store, sessions[generated.failed].id)
    assert [e.kind for e in store.events(sessions[generated.named].id)] == ["import", "export"]


def test_import_command(generated: Generated, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["import", "--from", str(generated.projects)]) == 0
    out = capsys.readouterr().out
    assert out == "imported 5 new sessions, updated 0, skipped 0 unchanged, 0 malformed lines\n"
    assert cli_main(["import", "--from", str(generated.projects)]) == 0
    assert capsys.readouterr().out == "imported 0 new sessions, updated 0, skipped 5 unchanged, 0 malformed lines\n"
    assert cli_main(["search", "forked"]) == 0
    assert "My Named Sess" in capsys.readouterr().out
