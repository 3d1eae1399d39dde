"""Golden Markdown for checked-in Claude Code session files (real CLI output, trimmed: bookkeeping lines
dropped, attachments emptied, paths replaced)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ccsess.core.transfer.export import export_session
from ccsess.core.transfer.claude_import import import_sessions
from ccsess.core.store.store import Store
from support import paths

FIXTURES = paths.FIXTURES / "claude_sessions"
GOLDEN = paths.GOLDEN


@pytest.fixture
def imported(tmp_path: Path, data_dir: Path) -> Store:
    source = tmp_path / "projects"
    shutil.copytree(FIXTURES, source)
    store = Store(data_dir)
    report = import_sessions(store, source)
    assert (len(report.created), report.malformed, report.problems) == (3, [], [])
    return store


@pytest.mark.parametrize("claude_id", ["e4256b51", "9ed4a5de", "6a006cc2"])
def test_imported_session_markdown(imported: Store, claude_id: str) -> None:
    session = next(s for s in imported.list_sessions() if s.claude_session_id.startswith(claude_id))
    text = export_session(imported, session.id).replace(f"`{session.id}`", "`SESSION`")
    golden = GOLDEN / f"imported_{claude_id}.md"
    if os.environ.get("CCSESS_UPDATE_GOLDEN"):
        golden.write_text(text)
    assert text == golden.read_text()
    assert "\x1b" not in text


def test_ansi_in_compaction_output_is_stripped(imported: Store) -> None:
    session = next(s for s in imported.list_sessions() if s.claude_session_id.startswith("9ed4a5de"))
    commands = [b for m in imported.messages(session.id) for b in m.blocks if b.get("type") == "command"]
    # The file holds "\x1b[2mCompacted \x1b[22m": the output is kept under its command, without the escapes.
    assert {"type": "command", "command": "/compact", "output": "Compacted"} in commands
