"""Make model output safe to print on a terminal.

Model text is data: an escape sequence in a reply must not move the cursor, retitle the window, write the
clipboard (OSC 52) or talk to the terminal in any other way. ``plain_text`` removes every escape sequence and every
C0/C1 control character except newline and tab; ``visible_text`` keeps them in sight instead, each control
character drawn as its Unicode control picture (ESC as ``␛``), for a screen that shows what the model sent. Because each ESC and each control character is removed, text
cut anywhere (a streamed delta) is safe on its own: a sequence split over two deltas loses its ESC in the first
and prints as harmless characters in the second.
"""

from __future__ import annotations

import re

_SEQUENCES = re.compile(
    r"""
      (?:\x1b\[|\x9b) [\x30-\x3f]* [\x20-\x2f]* [\x40-\x7e]           # CSI
    | (?:\x1b\]|\x9d) [^\x07\x1b\x9c]* (?:\x07|\x1b\\|\x9c)?           # OSC (titles, hyperlinks, OSC 52), to BEL/ST
    | (?:\x1b[PX^_]|[\x90\x98\x9e\x9f]) [^\x1b\x9c]* (?:\x1b\\|\x9c)?  # DCS, SOS, PM, APC, to ST
    | \x1b [\x20-\x2f]* [\x30-\x7e]                                     # other ESC sequences (ESC c, ESC ( B, ESC 7)
    """,
    re.VERBOSE,
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain_text(text: str) -> str:
    """``text`` without escape sequences and control characters; newlines and tabs are kept."""
    if not _CONTROLS.search(text):
        return text
    return _CONTROLS.sub("", _SEQUENCES.sub("", text))


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    return f"<{code:#04x}>"


def visible_text(text: str) -> str:
    """``text`` with every control character but newline and tab replaced by a printable stand-in, so an
    escape sequence shows as text (``␛[2J``) and does nothing."""
    if not _CONTROLS.search(text):
        return text
    return _CONTROLS.sub(_picture, text)
