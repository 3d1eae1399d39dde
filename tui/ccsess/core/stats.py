"""Figures over every stored session: totals by status (live ``waiting`` included), model and project, turns
per session, the share of turns that ended in an error, and the cost of each of the last 30 days.

Turns and their cost by day come from each session's event log (one ``turn`` event per turn), so this reads one
file per session.
"""

from __future__ import annotations

import datetime as _dt
import time
from collections.abc import Mapping
from typing import Any

from ccsess.core.models import Session
from ccsess.core.store.api import SessionStore

DAYS = 30


def _group() -> dict[str, Any]:
    return {"sessions": 0, "messages": 0, "cost_usd": 0.0, "estimated_cost_usd": 0.0, "input_tokens": 0,
            "output_tokens": 0, "turns": 0}


def _add(group: dict[str, Any], s: Session) -> None:
    group["sessions"] += 1
    group["messages"] += s.message_count
    group["cost_usd"] = round(group["cost_usd"] + s.totals.cost_usd, 6)
    if s.totals.cost_estimated:
        group["estimated_cost_usd"] = round(group["estimated_cost_usd"] + s.totals.cost_usd, 6)
    group["input_tokens"] += s.totals.input_tokens
    group["output_tokens"] += s.totals.output_tokens
    group["turns"] += s.totals.turns


def day_of(timestamp: float) -> str:
    return _dt.datetime.fromtimestamp(timestamp).date().isoformat()


def collect(store: SessionStore, live: Mapping[str, Mapping[str, Any]] | None = None,
            now: float | None = None) -> dict[str, Any]:
    live = live or {}
    now = time.time() if now is None else now
    sessions = store.list_sessions(include_archived=True)
    total = _group()
    by: dict[str, dict[str, dict[str, Any]]] = {"by_status": {}, "by_model": {}, "by_project": {}}
    today = _dt.date.fromtimestamp(now)
    days = {(today - _dt.timedelta(days=back)).isoformat(): 0.0 for back in range(DAYS - 1, -1, -1)}
    turns = errors = 0
    for s in sessions:
        _add(total, s)
        status = "waiting" if (live.get(s.id) or {}).get("waiting") else s.status
        for key, value in (("by_status", status), ("by_model", s.model or "default"), ("by_project", s.project)):
            _add(by[key].setdefault(value, _group()), s)
        for event in store.events(s.id):
            if event.kind != "turn":
                continue
            turns += 1
            errors += bool(event.detail.get("is_error"))
            day = day_of(event.at)
            if day in days:
                days[day] = round(days[day] + float(event.detail.get("cost_usd") or 0.0), 6)
    return {
        **total, **by,
        "average_turns": round(total["turns"] / len(sessions), 2) if sessions else 0.0,
        "error_turns": errors,
        "error_share": round(errors / turns, 4) if turns else 0.0,
        "cost_per_day": [{"date": day, "cost_usd": cost} for day, cost in days.items()],
    }


def bar_chart(cost_per_day: list[dict[str, Any]], height: int = 6) -> list[str]:
    """Cost per day as rows of block characters, one column per day, tallest day at full height; the last row
    is the axis with the first and last date."""
    costs = [float(day["cost_usd"]) for day in cost_per_day]
    top = max(costs, default=0.0)
    blocks = " ▁▂▃▄▅▆▇█"
    rows = []
    for level in range(height, 0, -1):
        row = ""
        for cost in costs:
            eighths = round(cost / top * height * 8) if top else 0
            filled = eighths - (level - 1) * 8
            row += blocks[max(0, min(8, filled))]
        rows.append(row)
    if cost_per_day:
        first, last = cost_per_day[0]["date"][5:], cost_per_day[-1]["date"][5:]
        rows.append(first + last.rjust(max(len(costs) - len(first), len(last))))
    return rows
