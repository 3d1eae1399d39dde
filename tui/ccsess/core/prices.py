"""Estimated cost of token usage, from the price table shipped with the package (``prices.json``)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

PRICES_FILE = Path(__file__).with_name("prices.json")
_PER_MILLION = 1_000_000


@cache
def _table() -> dict[str, dict[str, float]]:
    return json.loads(PRICES_FILE.read_text(encoding="utf-8"))["models"]


def price_for(model: str) -> dict[str, float] | None:
    """The prices of the longest model name in the table that ``model`` starts with."""
    names = [name for name in _table() if model.startswith(name)]
    return _table()[max(names, key=len)] if names else None


def estimate(model: str | None, usage: dict[str, Any] | None) -> float | None:
    """The cost of one reply's ``usage`` in dollars, or None when the model has no price."""
    prices = price_for(model) if model else None
    if prices is None:
        return None
    usage = usage or {}

    def tokens(key: str) -> int:
        value = usage.get(key)
        return int(value) if isinstance(value, (int, float)) else 0

    return (tokens("input_tokens") * prices["input"] + tokens("output_tokens") * prices["output"]
            + tokens("cache_creation_input_tokens") * prices["cache_write"]
            + tokens("cache_read_input_tokens") * prices["cache_read"]) / _PER_MILLION
