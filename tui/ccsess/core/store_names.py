"""Session names: any text the user likes, minus what could upset a terminal or a one-line listing."""

from __future__ import annotations

import re
import unicodedata

from ccsess.core.store_errors import InvalidName

MAX_NAME_LENGTH = 200
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u2028\u2029]")
_WHITESPACE = re.compile(r"\s+")


def clean_name(name: str, *, allow_empty: bool = False) -> str:
    """Strip control characters, fold runs of whitespace, cap the length; an empty result is an error unless
    ``allow_empty``. Emoji, slashes and other text are kept as they are."""
    text = _WHITESPACE.sub(" ", str(name))
    text = _BIDI_CONTROLS.sub("", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cc").strip()
    if len(text) > MAX_NAME_LENGTH:
        text = text[:MAX_NAME_LENGTH].rstrip()
    if not text and not allow_empty:
        raise InvalidName("a session name cannot be empty")
    return text
