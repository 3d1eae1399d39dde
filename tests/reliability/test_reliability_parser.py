"""Fuzzing the stream reader beyond the engine's own property test: arbitrary bytes as noise (invalid UTF-8,
stray CR, escape sequences, lines that start like JSON), valid lines with any text, and parse_line over any JSON
object. No exception escapes; every valid line comes out exactly once, in order."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as s

from ccsess.core.claude import protocol as st
from ccsess.core.claude.framing import LineFramer


def _is_valid_line(raw: bytes) -> bool:
    line = raw.rstrip(b"\r \t")
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


_noise = s.one_of(
    s.binary(max_size=40),
    s.sampled_from([b"\x1b[?25h", b"\x1b[31mError\x1b[0m", b"{", b"{\"type\":", b"\r", b"\xff\xfe{}", b"{}}",
                    b"\x1b]0;title\x07{\"a\":1}", b"null", b"\"str\"", b"[{}]"]),
).map(lambda b: b.replace(b"\n", b"")).filter(lambda b: not _is_valid_line(b)
                                               and not _is_valid_line(b.lstrip(b"\x1b[?25h")))

_text = s.text(alphabet=s.characters(codec="utf-8"), max_size=30)
_json = s.recursive(
    s.none() | s.booleans() | s.integers() | s.floats(allow_nan=False) | _text,
    lambda inner: s.lists(inner, max_size=3) | s.dictionaries(_text, inner, max_size=3),
    max_leaves=10,
)
_line_objects = s.dictionaries(s.sampled_from(["type", "subtype", "message", "event", "x", "uuid"]), _json,
                               max_size=4)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    items=s.lists(s.one_of(_line_objects.map(lambda o: ("ok", o)), _noise.map(lambda n: ("noise", n))), max_size=15),
    sizes=s.lists(s.integers(min_value=1, max_value=64), min_size=1, max_size=20),
    crlf=s.booleans(),
    ascii_only=s.booleans(),
)
def test_random_noise_and_chunkings_deliver_each_valid_line_once(items, sizes, crlf, ascii_only):
    end = b"\r\n" if crlf else b"\n"
    expected, data = [], b""
    for number, (kind, value) in enumerate(items):
        if kind == "ok":
            value = {**value, "seq": number}
            expected.append(value)
            data += json.dumps(value, ensure_ascii=ascii_only).encode("utf-8") + end
        else:
            data += value + end
    data += b"\x1b[?25h"
    framer = LineFramer()
    out, position, turn = [], 0, 0
    while position < len(data):
        size = sizes[turn % len(sizes)]
        out.extend(framer.feed(data[position:position + size]))
        position += size
        turn += 1
    out.extend(framer.flush())
    assert out == expected


@settings(max_examples=500, deadline=None)
@given(obj=s.dictionaries(s.sampled_from(["type", "subtype", "message", "event", "delta", "content", "request",
                                           "response", "result", "is_error", "usage", "index", "uuid"]),
                          _json, max_size=6),
       kind=s.sampled_from(["system", "stream_event", "assistant", "user", "result", "control_request",
                            "control_response", "rate_limit_event", None]))
def test_parse_line_never_raises_on_odd_shapes(obj, kind):
    if kind is not None:
        obj = {**obj, "type": kind}
    items = st.parse_line(obj)
    assert isinstance(items, list)
