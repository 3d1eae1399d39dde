"""``ccsess stats``: totals by status, model and project, turns per session, the share of turns that failed, and
cost per day for the last 30 days."""

from __future__ import annotations

import argparse
from typing import Any

from ccsess.cli.context import Context
from ccsess.cli.sessions import _home, _plural, _print_json, _table
from ccsess.core.text import escaped_line


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("stats", help="totals by status, model and project, and cost per day")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_stats)


def cmd_stats(args: argparse.Namespace, ctx: Context) -> int:
    from ccsess.core.stats import bar_chart, collect
    from ccsess.core.store.live_board import read_live

    data = collect(ctx.store, read_live(ctx.store.data_dir))
    if args.json:
        _print_json(ctx, data)
        return 0
    ctx.out(
        f"{_plural(data['sessions'], 'session')}, {_plural(data['messages'], 'message')}, "
        f"${data['cost_usd']:.4f}{_estimated(data)}, "
        f"{data['input_tokens']} input + {data['output_tokens']} output tokens, "
        f"{_plural(data['turns'], 'turn')} ({data['average_turns']:g} per session, "
        f"{data['error_share']:.0%} ended in an error)"
    )
    for key, title in (("by_status", "STATUS"), ("by_model", "MODEL"), ("by_project", "PROJECT")):
        if not data[key]:
            continue
        ctx.out("")
        groups = sorted(data[key].items(), key=lambda item: -item[1]["sessions"])
        rows = [[escaped_line(_home(name) if key == "by_project" else name), str(g["sessions"]), str(g["messages"]),
                 f"${g['cost_usd']:.4f}", str(g["input_tokens"]), str(g["output_tokens"])] for name, g in groups]
        _table(ctx, [title, "SESSIONS", "MSGS", "COST", "IN TOKENS", "OUT TOKENS"], rows, [50, 0, 0, 0, 0, 0])
    days = data["cost_per_day"]
    top = max(day["cost_usd"] for day in days)
    ctx.out(f"\ncost per day, last {len(days)} days (highest ${top:.4f}):")
    for row in bar_chart(days):
        ctx.out("  " + row)
    return 0


def _estimated(group: dict) -> str:
    share = group.get("estimated_cost_usd") or 0.0
    return f" (≈${share:.4f} of it estimated from token usage)" if share else ""
