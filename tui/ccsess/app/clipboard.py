"""Copying text: always through the terminal (OSC 52, works over SSH), and to the system clipboard when one exists."""

from __future__ import annotations


def system_copy(text: str) -> bool:
    """Copy with pyperclip; False when there is no usable system clipboard."""
    try:
        import pyperclip
    except ImportError:
        return False
    try:
        pyperclip.copy(text)
    except Exception:  # pyperclip raises its own and OS errors when no clipboard tool is present
        return False
    return True


def describe_copy(what: str, text: str) -> str:
    """The notification text after copying, e.g. ``Copied last reply (1,204 characters)``."""
    count = len(text)
    unit = "character" if count == 1 else "characters"
    return f"Copied {what} ({count:,} {unit})"
