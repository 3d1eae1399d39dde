"""Garbage collection tuned so that drawing a streamed reply never stalls a frame.

Drawing one frame allocates tens of thousands of short-lived objects (lines and their caches). With Python's
default thresholds (a young pass every 700 allocations) each frame's lines outlive a few passes, reach the oldest
generation and make its full passes long enough to delay a key press by a tenth of a second or more. So:

- young passes run every 20,000 allocations, and the middle generation is swept every 5 of them: most of a frame
  dies young and each pass stays short;
- until the first frame is drawn collection is off (the command line turns it off before importing Textual);
- the objects that exist once the app is up (modules, classes, the first screen) are frozen, so full passes do not
  walk them again and again (``gc.freeze`` is meant for such long-lived objects);
- while a reply streams into the pane, automatic collection is off (as Textual turns it off while scrolling) and
  the young passes that fall due run from a timer between frames instead of in the middle of one; full passes
  wait until the reply ends.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 20_000
MIDDLE_THRESHOLD = 5

_usual: tuple[int, int, int] | None = None
_full_threshold = 10
_paused = False


def tune() -> None:
    global _usual, _full_threshold
    if _usual is None:
        _usual = gc.get_threshold()
        _full_threshold = _usual[2]
    gc.set_threshold(YOUNG_THRESHOLD, MIDDLE_THRESHOLD, _full_threshold)


def freeze_long_lived() -> None:
    """Called once the app is up; also turns collection on where the command line kept it off for the start."""
    if _usual is not None:
        gc.collect()
        gc.freeze()
    if not gc.isenabled() and not _paused:
        gc.enable()


def restore() -> None:
    global _usual
    gc.unfreeze()
    if _usual is not None:
        gc.set_threshold(*_usual)
        _usual = None


def pause_automatic_collection(pause: bool) -> None:
    """Turn automatic collection off, or back on if it was turned off here."""
    global _paused
    if pause and not _paused and gc.isenabled():
        gc.disable()
        _paused = True
    elif not pause and _paused:
        gc.enable()
        _paused = False


def collect_young_if_due() -> None:
    """The young pass the collector would have run by now, if any (called from a timer while a reply streams)."""
    young, middle, _full = gc.get_count()
    if young >= YOUNG_THRESHOLD:
        gc.collect(1 if middle + 1 >= MIDDLE_THRESHOLD else 0)
