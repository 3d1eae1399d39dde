"""Answering claude's questions and plans from ``ccsess run``: from ``--answer`` first, then on the terminal when
there is one, otherwise not at all (claude is told so and stderr names what it asked)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from ccsess.core.claude.asks import Question, answer_text
from ccsess.core.text import escaped_line

NO_ONE_TO_ASK = ("No one can answer now: ccsess run has no terminal to ask on. Go on without the answer, or say "
                 "what you need in the reply.")
NO_ONE_TO_REVIEW = ("No one can review a plan now: ccsess run has no terminal. Keep planning, and say in the reply "
                    "what you would do.")


def chosen_answer(question: Question, given: str) -> str:
    """One answer as typed or passed: numbers (``2`` or ``1,3``) pick options, anything else is free text."""
    parts = [part.strip() for part in given.replace(" ", ",").split(",") if part.strip()]
    if parts and all(part.isdigit() and 1 <= int(part) <= len(question.options) for part in parts):
        picked = [question.options[int(part) - 1].label for part in parts]
        return answer_text(picked if question.multi_select else picked[:1])
    return given.strip()


class Asker:
    """Takes ``--answer`` values in order, then asks on the terminal if ``terminal`` is set."""

    def __init__(self, scripted: list[str], *, terminal: bool, read_line: Callable[[], str], err: TextIO) -> None:
        self.scripted = list(scripted)
        self.terminal = terminal
        self.read_line = read_line
        self.err = err

    def answers(self, questions: tuple[Question, ...]) -> dict[str, str] | None:
        """Every question's answer, or None when one cannot be answered (or the user gives an empty line)."""
        answers = {}
        for question in questions:
            given = self.scripted.pop(0) if self.scripted else self._ask(question)
            text = chosen_answer(question, given) if given is not None else ""
            if not text:
                return None
            answers[question.question] = text
        return answers

    def _ask(self, question: Question) -> str | None:
        if not self.terminal:
            return None
        header = f"[{escaped_line(question.header)}] " if question.header else ""
        lines = [f"claude asks: {header}{escaped_line(question.question)}"]
        lines += [f"  {n}. {escaped_line(o.label)}" + (f"  {escaped_line(o.description)}" if o.description else "")
                  for n, o in enumerate(question.options, 1)]
        how = "numbers separated by commas" if question.multi_select else "a number"
        lines.append(f"answer with {how}, or type your own answer (empty line declines): ")
        self.err.write("\n".join(lines))
        self.err.flush()
        try:
            return self.read_line().strip()
        except EOFError:
            return None

    def plan_decision(self, plan: str) -> tuple[str, str] | None:
        """(decision, note) for a plan, asked on the terminal; None without one."""
        if not self.terminal:
            return None
        self.err.write(f"claude's plan:\n\n{escaped_plan(plan)}\n\n[a]pprove, approve and accept [e]dits, "
                       "or type what to change to keep planning: ")
        self.err.flush()
        try:
            reply = self.read_line().strip()
        except EOFError:
            return ("keep", "")
        if reply.lower() in ("a", "approve"):
            return ("approve", "")
        if reply.lower() in ("e", "edits"):
            return ("approve_edits", "")
        return ("keep", reply)


def escaped_plan(plan: str) -> str:
    return "\n".join(escaped_line(line) for line in plan.splitlines())
