"""What claude asks of the user through its tools, and the answers it understands.

``AskUserQuestion`` and ``ExitPlanMode`` reach the host as ``can_use_tool`` requests, like any tool, but a plain
allow is not an answer: a question is answered by allowing with the answers added to the tool's input (claude's
tool result then reads ``Your questions have been answered: "Q"="A"``; several labels of a multi-select question
are joined with ", "; text that is no option's label reads as a free answer), and a plan request carries no plan
(its input is ``{}``; the plan is in the assistant's ``tool_use`` block).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

QUESTION_TOOL = "AskUserQuestion"
PLAN_TOOL = "ExitPlanMode"
DECLINED = "The user declined to answer."
KEEP_PLANNING = "The user wants to keep planning."
PLAN_DECISIONS = ("approve", "approve_edits", "keep")


@dataclass(frozen=True)
class Option:
    label: str
    description: str = ""


@dataclass(frozen=True)
class Question:
    question: str
    header: str = ""
    options: tuple[Option, ...] = ()
    multi_select: bool = False


def read_questions(tool_input: Any) -> tuple[Question, ...]:
    """The questions of an ``AskUserQuestion`` input; entries that are not questions are left out."""
    raw = tool_input.get("questions") if isinstance(tool_input, dict) else None
    questions = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("question"), str):
            continue
        options = tuple(Option(str(o.get("label", "")), str(o.get("description") or ""))
                        for o in item.get("options") or [] if isinstance(o, dict) and o.get("label"))
        questions.append(Question(item["question"], str(item.get("header") or ""), options,
                                  bool(item.get("multiSelect"))))
    return tuple(questions)


_ANSWER = re.compile(r'"((?:[^"\\]|\\.)*)"="((?:[^"\\]|\\.)*)"')


def answers_in_result(text: str) -> list[tuple[str, str]]:
    """(question, answer) pairs from claude's tool result for a question (``"Q"="A"``, as claude writes them)."""
    return [(question, answer) for question, answer in _ANSWER.findall(text or "")]


def describe_questions(tool_input: Any, result_text: str | None = None) -> str:
    """A question call as readable text: each question with its options, then the answers when known."""
    answers = dict(answers_in_result(result_text or ""))
    lines = []
    for question in read_questions(tool_input):
        header = f"[{question.header}] " if question.header else ""
        lines.append(f"{header}{question.question}")
        lines += [f"  {n}. {o.label}" + (f" ({o.description})" if o.description else "")
                  for n, o in enumerate(question.options, 1)]
        if question.question in answers:
            lines.append(f"  → {answers[question.question]}")
        lines.append("")
    return "\n".join(lines).rstrip()


def answer_text(chosen: list[str]) -> str:
    """One question's answer as claude reads it: the chosen labels (and any free text) joined with ", "."""
    return ", ".join(part.strip() for part in chosen if part.strip())


def question_answer(tool_input: dict[str, Any], answers: dict[str, str]) -> dict[str, Any]:
    """The ``can_use_tool`` answer that gives claude ``answers`` (question text -> answer)."""
    return {"behavior": "allow", "updatedInput": {**tool_input, "answers": dict(answers)}}


def plan_answer(tool_input: dict[str, Any], decision: str, note: str = "") -> dict[str, Any]:
    """The ``can_use_tool`` answer to a plan: approve it, approve it and let claude edit files without asking
    (the session switches to ``acceptEdits`` in the same answer), or keep planning with the user's note."""
    if decision == "keep":
        return {"behavior": "deny", "message": note.strip() or KEEP_PLANNING}
    answer: dict[str, Any] = {"behavior": "allow", "updatedInput": tool_input}
    if decision == "approve_edits":
        answer["updatedPermissions"] = [{"type": "setMode", "mode": "acceptEdits", "destination": "session"}]
    return answer


def plan_text(tool_input: dict[str, Any], blocks: list[dict[str, Any]], tool_use_id: str) -> str:
    """The plan claude proposes: from the request if it carries one, else from its ``tool_use`` block."""
    if isinstance(tool_input.get("plan"), str):
        return tool_input["plan"]
    for block in blocks:
        if block.get("type") == "tool_use" and block.get("id") == tool_use_id:
            plan = (block.get("input") or {}).get("plan")
            return plan if isinstance(plan, str) else ""
    return ""
