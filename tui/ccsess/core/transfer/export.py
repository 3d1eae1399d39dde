"""Export a session as Markdown (for people) or JSON (for programs)."""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ccsess import __version__
from ccsess.core.atomic import atomic_write_bytes, atomic_write_text
from ccsess.core.transfer.markdown import (
    details,
    escape_inline,
    fenced,
    inline_code,
    pretty_json,
    safe_markdown,
)
from ccsess.core.models import Event, Message, Session, image_label, tool_result_text
from ccsess.core.store.images import extension, image_blocks, image_path, inline_images
from ccsess.core.claude.asks import PLAN_TOOL, QUESTION_TOOL, answers_in_result, read_questions
from ccsess.core.errors import GitError, StoreError
from ccsess.core.text import plain_text, step_lines, tool_summary

if TYPE_CHECKING:
    from ccsess.core.store.api import SessionStore

EXPORT_SCHEMA_VERSION = 1
FORMATS = ("md", "json")
BRANCHES = ("current", "all")

_ROLE_LABELS = {"user": "User", "assistant": "Assistant", "tool": "Tool result", "system": "System"}
_UNSAFE_JSON_CHARS = re.compile("[\x7f-\x9f\u2028\u2029]")


class ExportError(Exception):
    """An export that cannot be made or written; ``str()`` is one line for the user."""


def format_time(timestamp: float) -> str:
    t = datetime.fromtimestamp(timestamp, tz=timezone.utc)
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}:{t.second:02d} UTC"


def models_used(session: Session, messages: Iterable[Message]) -> list[str]:
    seen: dict[str, None] = {}
    for name in [session.model, *(m.model for m in messages)]:
        if name and name != "<synthetic>":
            seen.setdefault(name, None)
    return list(seen)


def _version_info(session: Session, messages: Sequence[Message]) -> dict[str, tuple[int, int]]:
    """For each regenerated turn: (number of versions, chosen version)."""
    versions: dict[str, set[int]] = {}
    for message in messages:
        if message.version_group:
            versions.setdefault(message.version_group, set()).add(message.version)
    return {
        group: (len(found), session.chosen_versions.get(group, max(found)))
        for group, found in versions.items()
    }


def _metadata(session: Session, messages: Sequence[Message], parent_name: str | None) -> list[str]:
    prompts = sum(1 for m in messages if m.role == "user" and not m.synthetic)
    totals = session.totals
    lines = [f"- **Session:** {inline_code(session.id)}"]
    if session.claude_session_id:
        lines.append(f"- **Claude session:** {inline_code(session.claude_session_id)}")
    lines.append(f"- **Project:** {inline_code(session.project)}")
    models = models_used(session, messages)
    if models:
        label = "Model" if len(models) == 1 else "Models"
        lines.append(f"- **{label}:** " + ", ".join(inline_code(m) for m in models))
    lines.append(f"- **Created:** {format_time(session.created)}")
    lines.append(f"- **Updated:** {format_time(session.updated)}")
    lines.append(f"- **Turns:** {totals.turns or prompts}")
    lines.append(
        f"- **Cost:** {totals.cost_label()} ({totals.input_tokens:,} input tokens, "
        f"{totals.output_tokens:,} output tokens)"
    )
    if session.parent_id:
        parent = inline_code(session.parent_id)
        if parent_name:
            parent = f"{escape_inline(parent_name)} ({parent})"
        line = f"- **Branch of:** {parent}"
        if session.fork_point:
            line += f" at message {inline_code(session.fork_point.message_id)}"
        lines.append(line)
    return lines


def _tool_heading(block: dict[str, Any]) -> str:
    name = str(block.get("name") or "tool")
    hint = tool_summary(block.get("input"), 80)
    return f"Tool call: {name} · {hint}" if hint else f"Tool call: {name}"


def _result_section(result: dict[str, Any] | None) -> str:
    if result is None:
        return "No result was recorded."
    label = "Result (error):" if result.get("is_error") else "Result:"
    text = plain_text(tool_result_text(result))
    return f"{label}\n\n{fenced(text)}"


def _question_section(block: dict[str, Any], result: dict[str, Any] | None) -> str:
    """A question claude asked and the user's answer, compact: ``**Question:** … / **Answer:** …``."""
    answers = dict(answers_in_result(tool_result_text(result) if result else ""))
    lines = []
    for question in read_questions(block.get("input")):
        options = ", ".join(escape_inline(o.label) for o in question.options)
        lines.append(f"**Question:** {escape_inline(question.question)}" + (f" ({options})" if options else ""))
        if question.question in answers:
            lines.append(f"**Answer:** {escape_inline(answers[question.question])}")
        elif result is not None:
            lines.append(f"**Answer:** *{escape_inline(plain_text(tool_result_text(result)))}*")
        lines.append("")
    return "\n".join(lines).rstrip()


def _plan_section(block: dict[str, Any], result: dict[str, Any] | None) -> str:
    """A plan claude proposed, under its own heading, with what the user decided."""
    plan = (block.get("input") or {}).get("plan")
    body = safe_markdown(plain_text(plan)) if isinstance(plan, str) and plan.strip() else "*(no plan text)*"
    verdict = ""
    if result is not None:
        decision = "kept planning" if result.get("is_error") else "approved"
        verdict = f"\n\n*The user {decision}: {escape_inline(plain_text(tool_result_text(result)))}*"
    return f"#### Plan\n\n{body}{verdict}"


def _steps_section(steps: list[Message]) -> str:
    """What a subagent did, under the tool call that ran it: a list line per text, tool call and result."""
    lines = [line for message in steps for line in step_lines(message.blocks, 200)]
    return f"Subagent, {len(steps)} steps:\n\n" + "\n".join(f"- {escape_inline(line.strip())}" for line in lines)


def _render_block(block: dict[str, Any], results: dict[str, dict[str, Any]],
                  steps: dict[str, list[Message]] | None = None, image_dir: str | None = None) -> str:
    kind = block.get("type")
    if kind == "text":
        return safe_markdown(str(block.get("text", "")))
    if kind == "thinking":
        return details("Thinking", fenced(plain_text(str(block.get("thinking", "")))))
    if kind == "redacted_thinking":
        return details("Thinking (redacted)", "*The thinking was redacted by the API.*")
    if kind == "tool_use" and block.get("name") == QUESTION_TOOL:
        return _question_section(block, results.get(str(block.get("id"))))
    if kind == "tool_use" and block.get("name") == PLAN_TOOL:
        return _plan_section(block, results.get(str(block.get("id"))))
    if kind == "tool_use":
        tool_input = fenced(plain_text(pretty_json(block.get("input", {}))), "json")
        body = f"Input:\n\n{tool_input}\n\n{_result_section(results.get(str(block.get('id'))))}"
        if steps and str(block.get("id")) in steps:
            body = f"{body}\n\n{_steps_section(steps[str(block.get('id'))])}"
        return details(_tool_heading(block), body)
    if kind == "tool_result":
        return details("Tool result", _result_section(block))
    if kind == "command":
        ran = f"Ran {inline_code(str(block.get('command', '')))}"
        output = plain_text(str(block.get("output") or ""))
        return details(ran, fenced(output)) if output else ran
    if kind == "image":
        source = block.get("source") if isinstance(block.get("source"), dict) else {}
        label = image_label(source)
        if image_dir and source.get("type") == "stored" and str(source.get("sha256", "")).isalnum():
            name = f"{source['sha256']}.{extension(str(source.get('media_type', '')))}"
            return f"![{escape_inline(label[1:-1])}]({image_dir}/{name})"
        return f"*{escape_inline(label)}*"
    return f"*[{escape_inline(str(kind))} block not included]*"


def _heading(message: Message, many_models: bool, versions: dict[str, tuple[int, int]], all_versions: bool) -> str:
    label = _ROLE_LABELS.get(message.role, message.role.capitalize())
    if message.role == "user" and message.synthetic:
        label = "User (sent by Claude Code)"
    parts = [label, format_time(message.created)]
    if message.role == "assistant" and many_models and message.model and message.model != "<synthetic>":
        parts.append(inline_code(message.model))
    if message.version_group in versions:
        count, chosen = versions[message.version_group]
        if count > 1:
            note = f"version {message.version + 1} of {count}"
            if all_versions:
                note += ", chosen" if message.version == chosen else ", not chosen"
            parts.append(note)
    if message.error:
        parts.append("error")
    if message.interrupted or message.partial:
        parts.append("interrupted")
    return "## " + " · ".join(parts)


def render_markdown(
    session: Session,
    messages: Sequence[Message],
    *,
    all_versions: bool = False,
    version_messages: Sequence[Message] | None = None,
    parent_name: str | None = None,
    files_changed: dict[str, list[Any]] | None = None,
    image_dir: str | None = None,
) -> str:
    """The session as a Markdown document; images link to ``image_dir/<sha256>.<ext>`` when it is given.

    ``messages`` are rendered in order. ``version_messages`` (every stored version) lets headings of regenerated
    turns say "version 2 of 3" when ``messages`` hold only the chosen ones.
    """
    versions = _version_info(session, version_messages if version_messages is not None else messages)
    many_models = len(models_used(session, messages)) > 1
    present_tools = {
        str(block.get("id"))
        for m in messages
        for block in m.blocks
        if block.get("type") == "tool_use"
    }
    results: dict[str, dict[str, Any]] = {}
    for message in messages:
        for block in message.blocks:
            if block.get("type") == "tool_result" and str(block.get("tool_use_id")) in present_tools:
                results[str(block.get("tool_use_id"))] = block

    steps: dict[str, list[Message]] = {}
    for message in messages:
        if message.parent_tool_use_id in present_tools:
            steps.setdefault(str(message.parent_tool_use_id), []).append(message)

    title = escape_inline(session.name) or f"Session {session.id}"
    out = [f"# {title}", "\n".join(_metadata(session, messages, parent_name))]
    files_changed = files_changed or {}
    turn_prompt: str | None = None
    for message in messages:
        if message.parent_tool_use_id in present_tools:
            continue
        if message.role == "user" and not message.synthetic:
            if turn_prompt in files_changed:
                out.append(_files_section(files_changed[turn_prompt]))
            turn_prompt = message.id
        blocks = [
            b
            for b in message.blocks
            if not (b.get("type") == "tool_result" and str(b.get("tool_use_id")) in present_tools)
        ]
        if message.blocks and not blocks:
            continue
        body = [_render_block(block, results, steps, image_dir) for block in blocks]
        body = [part for part in body if part]
        if message.error:
            body.insert(0, "> **Error:** Claude Code reported this request as failed.")
        if message.partial:
            body.append("> **Interrupted:** the reply was still streaming when it was saved.")
        elif message.interrupted:
            body.append("> **Interrupted:** the reply stopped before it finished.")
        if not body:
            body.append("*(empty)*")
        out.append(_heading(message, many_models, versions, all_versions))
        out.extend(body)
    if turn_prompt in files_changed:
        out.append(_files_section(files_changed[turn_prompt]))
    return "\n\n".join(out) + "\n"


def _files_section(changes: list[Any]) -> str:
    """The files a turn changed, as a list under its own heading."""
    lines = []
    for change in changes:
        counts = "binary" if change.added is None else f"+{change.added} −{change.removed}"
        verb = {"A": "added", "D": "deleted"}.get(change.status, "changed")
        lines.append(f"- {inline_code(change.path)} {verb}, {counts}")
    return "#### Files changed\n\n" + "\n".join(lines)


def turn_changes(store: SessionStore, session_id: str) -> dict[str, list[Any]]:
    """The files each recorded turn changed, by prompt message id; empty when there are no snapshots or no git."""
    data_dir = getattr(store, "data_dir", None)
    if data_dir is None or not any(e.kind == "snapshot" for e in store.events(session_id)):
        return {}
    from ccsess.core.code.turn_files import TurnFiles

    files = TurnFiles(store, data_dir)
    try:
        repo = files.repo(session_id)
        return {turn.prompt_message_id: changes for turn in files.turns(session_id) if turn.start and turn.end
                and (changes := repo.changes(turn.start, turn.end))}
    except (GitError, OSError):
        return {}
    finally:
        files.close()


def _record(item: Message | Event, data_dir: Path | None = None) -> dict[str, Any]:
    """The stored fields of a message or event; a shallow read, as ``to_dict`` copies every block. A message's
    stored images come back as base64 data when ``data_dir`` is given."""
    record = {f.name: getattr(item, f.name) for f in dataclasses.fields(item)}
    if data_dir is not None and isinstance(item, Message) and next(image_blocks(item.blocks), None) is not None:
        record["blocks"] = inline_images(data_dir, item.blocks)
    return record


def render_json(
    session: Session, messages: Sequence[Message], events: Sequence[Event], *, branch: str = "current",
    data_dir: Path | None = None,
) -> str:
    """The session, its messages and its events as stored, under stable, sorted keys.

    Top-level keys and the session are indented; each message and event is one line, which keeps large exports
    fast to write and easy to diff.
    """

    def one_line(value: Any) -> str:
        return json.dumps(value, sort_keys=True, ensure_ascii=False)

    def listing(items: Sequence[Message] | Sequence[Event]) -> str:
        if not items:
            return "[]"
        return "[\n    " + ",\n    ".join(one_line(_record(item, data_dir)) for item in items) + "\n  ]"

    parts = {
        "branch": one_line(branch),
        "events": listing(events),
        "generator": one_line(f"ccsess {__version__}"),
        "messages": listing(messages),
        "schema_version": one_line(EXPORT_SCHEMA_VERSION),
        "session": json.dumps(session.to_dict(), sort_keys=True, ensure_ascii=False, indent=2).replace("\n", "\n  "),
    }
    text = "{\n" + ",\n".join(f"  {json.dumps(key)}: {value}" for key, value in parts.items()) + "\n}\n"
    # json leaves C1 controls and line separators raw; escaped they cannot reach a terminal.
    return _UNSAFE_JSON_CHARS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def export_session(store: SessionStore, session_id: str, fmt: str = "md", branch: str = "current",
                   image_dir: str | None = None, *, log_event: bool = True, session: Session | None = None) -> str:
    """Render one session; logs an ``export`` event on it (unless ``log_event`` is false). ``session``: its row,
    when the caller has it already."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format '{fmt}' (use one of: {', '.join(FORMATS)})")
    if branch not in BRANCHES:
        raise ExportError(f"unknown branch choice '{branch}' (use one of: {', '.join(BRANCHES)})")
    session = session if session is not None and session.id == session_id else store.get_session(session_id)
    if branch == "all":
        messages = every_version = store.messages(session_id, all_versions=True)
    else:
        messages = store.messages(session_id)
        regenerated = any(m.version_group for m in messages)
        every_version = store.messages(session_id, all_versions=True) if regenerated else messages
    if fmt == "json":
        text = render_json(session, messages, store.events(session_id), branch=branch, data_dir=store.data_dir)
    else:
        parent_name = None
        if session.parent_id:
            try:
                parent_name = store.get_session(session.parent_id).name
            except StoreError:
                parent_name = None
        text = render_markdown(
            session,
            messages,
            all_versions=branch == "all",
            version_messages=every_version,
            parent_name=parent_name,
            files_changed=turn_changes(store, session_id),
            image_dir=image_dir,
        )
    if log_event:
        try:
            store.add_event(
                session_id, Event("export", detail={"format": fmt, "branch": branch, "messages": len(messages)})
            )
        except StoreError:
            pass
    return text


def write_export(text: str, path: str | os.PathLike[str]) -> Path:
    """Write ``text`` to ``path`` atomically: the old file or the whole new one, never a part."""
    target = Path(path).expanduser()
    parent = target.parent
    if target.is_dir():
        raise ExportError(f"cannot write {target}: it is a directory")
    if not parent.exists():
        raise ExportError(f"cannot write {target}: directory {parent} does not exist")
    if not parent.is_dir():
        raise ExportError(f"cannot write {target}: {parent} is not a directory")
    try:
        mode = target.stat().st_mode & 0o777 if target.exists() else 0o600
        atomic_write_text(target, text, mode=mode)
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target


def export_to_file(store: SessionStore, session_id: str, path: str | os.PathLike[str], fmt: str = "md",
                   branch: str = "current", *, log_event: bool = True, session: Session | None = None) -> Path:
    """Export one session to ``path``; a Markdown file's images are written beside it in ``<name>_images/``
    (JSON carries them inline)."""
    target = Path(path).expanduser()
    image_dir = f"{target.stem}_images" if fmt == "md" else None
    text = export_session(store, session_id, fmt, branch, image_dir=image_dir, log_event=log_event, session=session)
    written = write_export(text, target)
    if image_dir and f"]({image_dir}/" in text:
        for message in store.messages(session_id, all_versions=branch == "all"):
            for block in image_blocks(message.blocks):
                source = image_path(store.data_dir, block.get("source") or {})
                if source is None or not source.exists():
                    continue
                copy = target.parent / image_dir / source.name
                try:
                    if not copy.exists():
                        copy.parent.mkdir(mode=0o700, exist_ok=True)
                        atomic_write_bytes(copy, source.read_bytes())
                except OSError as exc:
                    raise ExportError(f"cannot write {copy}: {exc.strerror or exc}") from None
    return written
