"""The requests claude makes of the user while a turn runs: tool permissions, questions and plans.

Each arrives as a ``can_use_tool`` control request and waits in its live session until the user answers; the
answer goes back as the matching ``control_response``. Every method is called with the engine's lock held.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ccsess.core.claude import asks
from ccsess.core.claude import events as ev
from ccsess.core.claude.live import LiveSession
from ccsess.core.claude.protocol import PermissionAsk
from ccsess.core.store.api import SessionStore

DECISIONS = ("allow", "allow_session", "allow_rule", "deny")


def suggested_rules(ask: PermissionAsk) -> list[dict[str, Any]]:
    """The permission rules claude suggests for a request (``addRules`` suggestions), e.g. Bash ``touch f.txt``."""
    return [rule for s in ask.suggestions if s.get("type") == "addRules" and s.get("behavior", "allow") == "allow"
            for rule in s.get("rules") or [] if isinstance(rule, dict) and rule.get("toolName")]


def rule_text(rule: dict[str, Any]) -> str:
    content = rule.get("ruleContent")
    return f"{rule.get('toolName')}({content})" if content else str(rule.get("toolName"))


class UserRequests:
    def __init__(self, store: SessionStore, emit: Callable[[ev.EngineEvent], None], log: Callable[..., None]) -> None:
        self.store = store
        self.emit = emit
        self.log = log

    def received(self, live: LiveSession, ask: PermissionAsk, turn_blocks: list[dict[str, Any]]) -> None:
        """A request from claude: tools allowed for the session are answered at once, the rest wait."""
        sid = live.session_id
        if ask.tool_name == asks.QUESTION_TOOL:
            event: ev.EngineEvent = ev.QuestionAsked(sid, ask.request_id, asks.read_questions(ask.tool_input),
                                                     ask.tool_use_id)
        elif ask.tool_name == asks.PLAN_TOOL:
            event = ev.PlanProposed(sid, ask.request_id, asks.plan_text(ask.tool_input, turn_blocks, ask.tool_use_id),
                                    ask.tool_use_id)
        elif ask.tool_name in self.store.get_session(sid).allowed_tools:
            _reply(live, ask, {"behavior": "allow", "updatedInput": ask.tool_input})
            return
        else:
            event = ev.PermissionRequested(sid, ask.request_id, ask.tool_name, ask.tool_input, ask.description,
                                           ask.tool_use_id, ask.blocked_path, ask.suggestions)
        live.permission_requests[ask.request_id] = ask
        live.request_events[ask.request_id] = event
        live.request_since[ask.request_id] = time.monotonic()
        self.emit(event)

    def answer_permission(self, live: LiveSession, request_id: str, decision: str, message: str = "") -> None:
        if decision not in DECISIONS:
            raise ValueError(f"decision must be one of {', '.join(DECISIONS)}")
        ask = self._take(live, request_id)
        if ask is None:
            return
        self.log(live.session_id, "tool_call", name=ask.tool_name, tool_use_id=ask.tool_use_id, decision=decision)
        if decision == "deny":
            answer = {"behavior": "deny", "message": message or "The user denied this tool call."}
        else:
            answer = {"behavior": "allow", "updatedInput": ask.tool_input}
        rules = {"allow_session": [{"toolName": ask.tool_name}], "allow_rule": suggested_rules(ask)}.get(decision)
        if rules:
            # claude keeps the rule for the rest of its process; the session keeps it for later launches.
            answer["updatedPermissions"] = [{"type": "addRules", "rules": rules, "behavior": "allow",
                                             "destination": "session"}]
            self.remember(live.session_id, [rule_text(rule) for rule in rules])
        _reply(live, ask, answer)

    def remember(self, session_id: str, rules: list[str]) -> None:
        known = self.store.get_session(session_id).allowed_tools
        added = [rule for rule in rules if rule not in known]
        if added:
            self.store.update_session(session_id, allowed_tools=[*known, *added])

    def answer_question(self, live: LiveSession, request_id: str, answers: dict[str, str] | None,
                        message: str = "") -> None:
        """``answers`` maps each question's text to its answer; None declines (``message`` says why)."""
        ask = self._take(live, request_id)
        if ask is None:
            return
        self.log(live.session_id, "question", tool_use_id=ask.tool_use_id, answers=answers)
        if answers is None:
            _reply(live, ask, {"behavior": "deny", "message": message or asks.DECLINED})
        else:
            _reply(live, ask, asks.question_answer(ask.tool_input, answers))

    def answer_plan(self, live: LiveSession, request_id: str, decision: str, note: str = "") -> None:
        if decision not in asks.PLAN_DECISIONS:
            raise ValueError(f"decision must be one of {', '.join(asks.PLAN_DECISIONS)}")
        ask = self._take(live, request_id)
        if ask is None:
            return
        self.log(live.session_id, "plan", tool_use_id=ask.tool_use_id, decision=decision, note=note)
        _reply(live, ask, asks.plan_answer(ask.tool_input, decision, note))


    @staticmethod
    def _take(live: LiveSession, request_id: str) -> PermissionAsk | None:
        live.request_events.pop(request_id, None)
        live.request_since.pop(request_id, None)
        return live.permission_requests.pop(request_id, None)


def _reply(live: LiveSession, ask: PermissionAsk, answer: dict[str, Any]) -> None:
    live.process.write_json({"type": "control_response", "response": {
        "subtype": "success", "request_id": ask.request_id, "response": answer}})
