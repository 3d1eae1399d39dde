"""How far a session may go: ``max_turns`` (turns answered in the session) and ``max_budget_usd`` (its cost).

The budget is also given to claude (``--max-budget-usd``, what is left of it when the process starts), which
stops a turn that runs past it with ``error_max_budget_usd``. The turn count is checked here, between turns:
claude's own ``--max-turns`` counts the model calls within one message, which is another thing.
"""

from __future__ import annotations

from ccsess.core.claude import events as ev
from ccsess.core.config import Config
from ccsess.core.errors import EngineError
from ccsess.core.models import Session
from ccsess.core.store.api import SessionStore

class LimitExceeded(EngineError):
    """A prompt refused because the session reached a limit."""


CLAUDE_LIMIT_RESULTS = {"error_max_budget_usd": "max_budget_usd", "error_max_turns": "max_turns"}


def limits_of(session: Session, config: Config) -> tuple[int | None, float | None]:
    turns = session.max_turns if session.max_turns is not None else config.max_turns
    budget = session.max_budget_usd if session.max_budget_usd is not None else config.max_budget_usd
    return turns, budget


def budget_left(session: Session, config: Config) -> float | None:
    _, budget = limits_of(session, config)
    return None if budget is None else max(0.0, budget - session.totals.cost_usd)


def reached(session: Session, config: Config) -> tuple[str, str] | None:
    """Which limit the session has reached, as (limit, one-line reason), or None."""
    turns, budget = limits_of(session, config)
    if turns is not None and session.totals.turns >= turns:
        return "max_turns", (f"this session reached its limit of {turns} turn{'s' if turns != 1 else ''}; "
                             "raise it to go on (palette: Set limits)")
    if budget is not None and session.totals.cost_usd >= budget:
        return "max_budget_usd", (f"this session reached its budget of ${budget:.2f} "
                                  f"(spent ${session.totals.cost_usd:.4f}); raise it to go on (palette: Set limits)")
    return None


def limit_after(store: SessionStore, config: Config, session_id: str, result_subtype: str) -> ev.LimitReached | None:
    """After a turn: the limit the session has now reached (claude's own budget stop included), if any; the
    session is then marked ``limited``."""
    session = store.get_session(session_id)
    hit = reached(session, config)
    if result_subtype in CLAUDE_LIMIT_RESULTS and hit is None:
        _, budget = limits_of(session, config)
        hit = CLAUDE_LIMIT_RESULTS[result_subtype], (
            f"claude stopped: this session reached its budget of ${budget or 0:.2f} "
            f"(spent ${session.totals.cost_usd:.4f}); raise it to go on (palette: Set limits)")
    if hit is None:
        return None
    store.update_session(session_id, status="limited")
    return ev.LimitReached(session_id, hit[1], hit[0])
