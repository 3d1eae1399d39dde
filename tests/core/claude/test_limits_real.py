"""Turn and budget limits with the real claude CLI through the mock: the session stops cleanly as ``limited``,
refuses more prompts without calling the API, and goes on once the limit is raised."""

from __future__ import annotations

import pytest

from ccsess.core.claude import events as ev
from support.engine_kit import kit  # noqa: F401 - fixture

pytestmark = pytest.mark.real_cli


def test_a_turn_limit_stops_the_session_until_it_is_raised(kit, mock_api):
    engine = kit.start()
    sid = kit.new_session(max_turns=2)
    kit.turn(sid, "one")
    assert not kit.of_type(ev.LimitReached, sid)
    kit.turn(sid, "two")
    reached = kit.wait_type(ev.LimitReached, sid)
    assert reached.limit == "max_turns" and "limit of 2 turns" in reached.reason
    assert kit.store.get_session(sid).status == "limited"
    calls = len(mock_api.requests)

    with pytest.raises(Exception, match="limit of 2 turns"):
        engine.send(sid, "three")
    refused = kit.wait_for(lambda e: isinstance(e, ev.LimitReached) and e.prompt == "three")
    assert refused.session_id == sid
    assert len(mock_api.requests) == calls and [m.text for m in kit.store.messages(sid)][-1] != "three"

    assert engine.set_limits(sid, 3, None).status == "idle"
    kit.turn(sid, "three")
    assert kit.assistant_texts(sid)[-1].endswith("three")


def test_a_budget_limit_is_given_to_claude_and_kept_by_ccsess(kit, mock_api):
    engine = kit.start()
    sid = kit.new_session(max_budget_usd=0.000001)
    engine.send(sid, "spend")
    reached = kit.wait_type(ev.LimitReached, sid)
    assert reached.limit == "max_budget_usd" and "budget of $0.00" in reached.reason
    finished = kit.of_type(ev.TurnFinished, sid)
    assert finished and not kit.of_type(ev.SessionFailed, sid), "a limit is not reported as a failure"
    session = kit.store.get_session(sid)
    assert session.status == "limited" and session.totals.cost_usd > 0
    calls = len(mock_api.requests)
    engine.submit(sid, "more")
    kit.wait_for(lambda e: isinstance(e, ev.LimitReached) and e.prompt == "more")
    assert len(mock_api.requests) == calls

    engine.set_limits(sid, None, 10.0)
    assert not kit.turn(sid, "more").is_error, "a new claude starts with the raised budget"
