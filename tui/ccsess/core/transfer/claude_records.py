"""Which records of a Claude Code session file make its conversation, in the order they were written.

A file is a tree of records linked by ``parentUuid``: the conversation is the path from the root to the newest
record that is talk (a prompt or a reply, not a ``!`` bash-mode command or a local slash command hung off an older
record, not a meta record). Around that path hang records that belong to it without being on it:
- a reply that calls several tools at once is written as one record per call, chained one after another, and
  each tool result hangs off its own call, so the path passes through one call and one result only;
- bash-mode input and output and local commands are side branches off the record that was newest when they ran;
- a prompt typed while claude worked is written as a ``queued_command`` attachment, or only as a
  ``queue-operation`` that removed it from the queue when claude read it.
A compaction boundary has no parent; ``logicalParentUuid`` names the old path. A file without any links (written by
hand, or by a very old CLI) is read in file order.
"""

from __future__ import annotations

from typing import Any

_TALK_TAGS = ("<bash-input>", "<bash-stdout>", "<bash-stderr>", "<command-name>", "<command-message>",
              "<local-command-stdout>", "<local-command-stderr>")
_NOTIFICATIONS = ("<agent-notification>", "<task-notification>")


def user_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n\n".join(str(b.get("text", "")) for b in content if isinstance(b, dict) and b.get("type") == "text")
    return ""


def _is_command(record: dict[str, Any]) -> bool:
    """A bash-mode input or output, or a local slash command and its output."""
    if record.get("type") == "system" and record.get("subtype") == "local_command":
        return True
    if record.get("type") != "user":
        return False
    return user_text(record["message"].get("content")).lstrip().startswith(_TALK_TAGS)


def _is_talk(record: dict[str, Any]) -> bool:
    return record.get("type") in ("user", "assistant") and not record.get("isMeta") and not _is_command(record)


def _tool_uses(record: dict[str, Any]) -> list[str]:
    content = record["message"].get("content")
    return [b["id"] for b in content if isinstance(b, dict) and b.get("type") == "tool_use"
            and isinstance(b.get("id"), str)] if isinstance(content, list) else []


def _tool_results(record: dict[str, Any]) -> list[str]:
    content = record["message"].get("content")
    return [b.get("tool_use_id") for b in content if isinstance(b, dict) and b.get("type") == "tool_result"] \
        if isinstance(content, list) else []


def _path(records: dict[str, dict[str, Any]], order: list[str], leaf: str) -> set[str]:
    """The uuids from ``leaf`` back to the root (across compaction boundaries). A missing parent (its line was
    malformed) is bridged by the closest earlier record in the file, so one bad line costs that line only."""
    position = {uuid: i for i, uuid in enumerate(order)}
    seen: set[str] = set()
    current: str | None = leaf
    while current is not None and current not in seen:
        seen.add(current)
        record = records[current]
        parent = record.get("parentUuid") or record.get("logicalParentUuid")
        if parent in records:
            current = parent
            continue
        current = None
        if parent:
            earlier = (order[i] for i in range(position[record["uuid"]] - 1, -1, -1))
            current = next((uuid for uuid in earlier if uuid not in seen), None)
    return seen


def linked(records: dict[str, dict[str, Any]]) -> bool:
    """Whether any record names another of the file as its parent."""
    return any(r.get("parentUuid") in records or r.get("logicalParentUuid") in records for r in records.values())


def _main_leaf(records: dict[str, dict[str, Any]], order: list[str]) -> str | None:
    return next((uuid for uuid in reversed(order) if _is_talk(records[uuid])), order[-1] if order else None)


def rewound(records: dict[str, dict[str, Any]], order: list[str], main: set[str]) -> list[tuple[str, str]]:
    """Branches the user rewound away from (an edited prompt, a rewind): (leaf, the uuid of the last record they
    share with the main conversation), newest first. A branch that holds no prompt and no reply of its own (an
    API error retried, say) is not one."""
    taken = set(main)
    position = {uuid: i for i, uuid in enumerate(order)}
    found: list[tuple[str, str]] = []
    for uuid in reversed(order):
        record = records[uuid]
        if uuid in taken or not _is_talk(record) or record.get("message", {}).get("model") == "<synthetic>":
            continue
        path = _path(records, order, uuid)
        shared = [u for u in path if u in main]
        taken |= path
        if shared:
            found.append((uuid, max(shared, key=position.__getitem__)))
    return found


def conversation(records: dict[str, dict[str, Any]], order: list[str],
                 leaf: str | None = None) -> list[dict[str, Any]]:
    """The records of the conversation that ends at ``leaf`` (by default the main one), in file order (see the
    module's text)."""
    if not order:
        return []
    if not linked(records):
        return [records[uuid] for uuid in order]
    kept = _path(records, order, leaf or _main_leaf(records, order) or order[-1])
    replies = {records[uuid]["message"].get("id") for uuid in kept if records[uuid].get("type") == "assistant"}
    replies.discard(None)
    calls: set[str] = set()
    for uuid in order:
        record = records[uuid]
        if record.get("type") == "assistant" and (uuid in kept or record["message"].get("id") in replies):
            kept.add(uuid)
            calls.update(_tool_uses(record))
    for uuid in order:
        record = records[uuid]
        if uuid in kept:
            continue
        parent = record.get("parentUuid")
        if record.get("type") == "assistant" and parent in kept and records[parent].get("type") == "assistant":
            # Another record of the same reply, in files whose replies carry no message id.
            kept.add(uuid)
            calls.update(_tool_uses(record))
        elif record.get("type") == "user" and any(result in calls for result in _tool_results(record)):
            kept.add(uuid)
        elif (record.get("type") == "queued" and leaf is None) or (parent in kept and not _is_talk(record)):
            # Commands, queued prompts and the bookkeeping records they may hang off (meta, system, hooks); a
            # prompt known only from the queue operations has no parent, and goes with the main conversation.
            kept.add(uuid)
    return [records[uuid] for uuid in order if uuid in kept]


def queued_prompt(record: dict[str, Any]) -> str | None:
    """The prompt of a ``queued_command`` attachment (a prompt typed while claude worked), or None."""
    attachment = record.get("attachment")
    if record.get("type") == "attachment" and isinstance(attachment, dict) \
            and attachment.get("type") == "queued_command":
        prompt = attachment.get("prompt")
        text = user_text(prompt) if not isinstance(prompt, str) else prompt
        return text if text.strip() else None
    return None


class QueueReader:
    """Prompts that ``queue-operation`` records show claude read mid-turn: an ``enqueue`` (or the ``remove``
    itself) carries the text, a ``remove`` means claude took it while working; a ``dequeue`` means it became an
    ordinary prompt record, which the file holds anyway. Notifications of background agents are not prompts."""

    def __init__(self) -> None:
        self._waiting: list[str] = []

    def read(self, record: dict[str, Any]) -> str | None:
        operation = record.get("operation")
        content = record.get("content")
        text = user_text(content) if content is not None else ""
        if operation == "enqueue":
            self._waiting.append(text)
        elif operation == "dequeue":
            if self._waiting:
                self._waiting.pop(0)
        elif operation == "remove":
            if not text and self._waiting:
                text = self._waiting.pop(0)
            elif text and text in self._waiting:
                self._waiting.remove(text)
            if text.strip() and not text.lstrip().startswith(_NOTIFICATIONS):
                return text
        elif operation == "popAll":
            self._waiting.clear()
        return None
