"""Import a folder of real Claude Code session files and show, per file, what ccsess stored beside what a reading
of the file on its own finds: prompts, replies (API message ids), tool calls and tool results. Nothing lost means
every figure of the file is matched by the import.

The folder is laid out as ``~/.claude/projects`` is (one folder per project). The file reading here shares no code
with the importer: it counts every record of the main file that is not a subagent's (``isSidechain``), whatever
branch it is on, so a file with rewound branches shows what the import keeps of them.

    .venv/bin/python bench/realdata_check.py FOLDER [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tui")]

from ccsess.core.store.store import Store  # noqa: E402
from ccsess.core.transfer.claude_import import import_sessions  # noqa: E402

INTERRUPTS = ("[Request interrupted by user]", "[Request interrupted by user for tool use]")
OUTPUTS = ("<local-command-stdout>", "<local-command-stderr>", "<bash-stdout>", "<bash-stderr>")
NOTIFICATIONS = ("<agent-notification>", "<task-notification>")


def texts(content) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text")
    return ""


def read_file(path: Path) -> dict[str, set | int]:
    """What the file holds, read record by record."""
    found: dict[str, set | int] = {"prompts": 0, "replies": set(), "calls": set(), "results": set()}
    waiting: list[str] = []
    queued_attachments = 0
    queue_prompts = 0
    for line in path.read_bytes().splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if not isinstance(record, dict) or record.get("isSidechain"):
            continue
        kind = record.get("type")
        message = record.get("message") if isinstance(record.get("message"), dict) else {}
        content = message.get("content")
        if kind == "queue-operation":
            text = texts(record.get("content")) if record.get("content") is not None else ""
            if record.get("operation") == "enqueue":
                waiting.append(text)
            elif record.get("operation") == "dequeue" and waiting:
                waiting.pop(0)
            elif record.get("operation") == "remove":
                text = text or (waiting.pop(0) if waiting else "")
                if text.strip() and not text.lstrip().startswith(NOTIFICATIONS):
                    queue_prompts += 1
        elif kind == "attachment" and (record.get("attachment") or {}).get("type") == "queued_command":
            queued_attachments += 1
        elif kind == "assistant" and message:
            if message.get("id") and isinstance(content, list) and content:
                found["replies"].add(message["id"])
            for block in content if isinstance(content, list) else []:
                if isinstance(block, dict) and block.get("type") == "tool_use":
                    found["calls"].add(block.get("id"))
        elif kind == "user" and message and not record.get("isMeta"):
            blocks = content if isinstance(content, list) else []
            results = [b for b in blocks if isinstance(b, dict) and b.get("type") == "tool_result"]
            for block in results:
                found["results"].add(block.get("tool_use_id"))
            text = texts(content).strip()
            if not results and text and text not in INTERRUPTS and not text.startswith(OUTPUTS) \
                    and not record.get("isCompactSummary"):
                found["prompts"] += 1
    found["prompts"] += queued_attachments or queue_prompts
    return found


def read_store(store: Store, session_id: str, seen_prompts: set[str]) -> dict[str, set | int]:
    stored: dict[str, set | int] = {"prompts": 0, "replies": set(), "calls": set(), "results": set()}
    for message in store.messages(session_id, all_versions=True):
        if message.role == "user" and not message.synthetic and message.text.strip():
            key = message.claude_uuid or message.id
            if key not in seen_prompts:
                seen_prompts.add(key)
                stored["prompts"] += 1
        elif message.role == "assistant" and message.claude_message_id:
            stored["replies"].add(message.claude_message_id)
        for block in message.blocks:
            if block.get("type") == "tool_use":
                stored["calls"].add(block.get("id"))
            elif block.get("type") == "tool_result":
                stored["results"].add(block.get("tool_use_id"))
    return stored


def size(value: set | int) -> int:
    return value if isinstance(value, int) else len(value)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    files = sorted(p for p in args.folder.glob("*/*.jsonl") if not p.name.startswith("agent-"))
    megabytes = sum(p.stat().st_size for p in args.folder.rglob("*.jsonl")) / 1e6
    seconds: list[float] = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as scratch:
            store = Store(Path(scratch) / "data")
            began = time.perf_counter()
            report = import_sessions(store, args.folder)
            seconds.append(time.perf_counter() - began)
            store.close()
    with tempfile.TemporaryDirectory() as scratch:
        store = Store(Path(scratch) / "data")
        import_sessions(store, args.folder)
        by_claude_id = {s.claude_session_id: s for s in store.list_sessions(include_archived=True)}
        lost_files = 0
        conversations = 0
        branches = 0
        print(f"| file | prompts | replies | tool calls | tool results | lost |")
        print("|---|---|---|---|---|---|")
        for path in files:
            found = read_file(path)
            if not found["prompts"] and not found["replies"]:
                print(f"| {path.parent.name[:28]}/{path.name[:12]} | no conversation | | | | |")
                continue
            conversations += 1
            stored: dict[str, set | int] = {"prompts": 0, "replies": set(), "calls": set(), "results": set()}
            seen_prompts: set[str] = set()
            ids = [s.id for key, s in by_claude_id.items() if key == path.stem or key.startswith(path.stem + "/")]
            for session_id in ids:
                # The main conversation and its rewound branches; prompts they share are counted once.
                for key, value in read_store(store, session_id, seen_prompts).items():
                    stored[key] = stored[key] + value if key == "prompts" else stored[key] | value
            branches += len(ids) - 1 if ids else 0
            lost = []
            for key in ("replies", "calls", "results"):
                missing = found[key] - stored[key]
                if missing:
                    lost.append(f"{len(missing)} {key}")
            if stored["prompts"] < found["prompts"]:
                lost.append(f"{found['prompts'] - stored['prompts']} prompts")
            lost_files += bool(lost)
            cells = [f"{size(stored[k])}/{size(found[k])}" for k in ("prompts", "replies", "calls", "results")]
            print(f"| {path.parent.name[:28]}/{path.name[:12]} | {' | '.join(cells)} | {', '.join(lost) or '-'} |")
        store.close()
    print()
    print(f"{len(files)} session files ({megabytes:.1f} MB with the subagent files), {conversations} with a "
          f"conversation, {lost_files} of them with something lost; {branches} rewound branches imported as "
          f"sessions of their own; {len(report.malformed)} malformed lines")
    print(f"import of the whole folder into an empty store: {statistics.median(seconds) * 1000:.0f} ms median of "
          f"{len(seconds)} ({min(seconds) * 1000:.0f}-{max(seconds) * 1000:.0f} ms)")
    return 1 if lost_files else 0


if __name__ == "__main__":
    sys.exit(main())
