"""Claude's output on the PTY, cut into JSON lines.

Under a PTY every line ends in ``\\r\\n`` and a cursor escape (``\\x1b[?25h``) may follow the last line with no
newline. Anything that is not a JSON object is noise: it is logged and skipped.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

_LEADING_ESCAPES = re.compile(rb"^(?:\x1b\[[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]|\s)+")


class LineFramer:
    """Turns arbitrary chunks of output into decoded JSON objects, one per complete line.

    Pieces of an unfinished line are kept in a list and joined once, when its newline arrives, so a 10 MB line
    read in small chunks costs linear time.
    """

    def __init__(self, on_noise: Callable[[bytes], None] | None = None) -> None:
        self._pieces: list[bytes] = []
        self._on_noise = on_noise
        self.noise_lines = 0

    def feed(self, chunk: bytes) -> list[dict[str, Any]]:
        objects: list[dict[str, Any]] = []
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            if end < 0:
                break
            piece = chunk[start:end]
            if self._pieces:
                self._pieces.append(piece)
                piece = b"".join(self._pieces)
                self._pieces = []
            self._decode(piece, objects)
            start = end + 1
        if start < len(chunk):
            self._pieces.append(chunk[start:])
        return objects

    def flush(self) -> list[dict[str, Any]]:
        """The last unterminated line, at end of output."""
        objects: list[dict[str, Any]] = []
        if self._pieces:
            piece = b"".join(self._pieces)
            self._pieces = []
            self._decode(piece, objects)
        return objects

    def _decode(self, line: bytes, objects: list[dict[str, Any]]) -> None:
        line = line.rstrip(b"\r \t")
        if not line:
            return
        if not line.startswith(b"{"):
            line = _LEADING_ESCAPES.sub(b"", line)
        if line.startswith(b"{"):
            try:
                value = json.loads(line)
            except ValueError:
                value = None
            if isinstance(value, dict):
                objects.append(value)
                return
        self.noise_lines += 1
        log.info("skipped non-JSON output from claude: %r", line[:200])
        if self._on_noise is not None:
            self._on_noise(line)
