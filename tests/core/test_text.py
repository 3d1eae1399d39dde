"""plain_text: nothing from the model may talk to the terminal."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as s

from ccsess.core.text import plain_text, visible_text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("plain text\nwith\ttabs", "plain text\nwith\ttabs"),
        ("\x1b[31mred\x1b[0m", "red"),
        ("\x1b[2J\x1b[H\x1b[?1049hcleared", "cleared"),
        ("\x1b]0;evil title\x07after", "after"),
        ("\x1b]2;title\x1b\\after", "after"),
        ("\x1b]52;c;ZXZpbA==\x07copied", "copied"),
        ("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "link"),
        ("\x1bP+q544e\x1b\\dcs", "dcs"),
        ("\x1b_apc\x1b\\x", "x"),
        ("a\x1bcb", "ab"),
        ("a\x1b(Bb", "ab"),
        ("lone \x1b", "lone "),
        ("bell\x07 back\x08 cr\r\n", "bell back cr\n"),
        ("c1 \x9b31m csi and \x9d0;t\x9c osc \x85nel", "c1  csi and  osc nel"),
        ("del\x7f", "del"),
        ("emoji ✓ and 漢字", "emoji ✓ and 漢字"),
    ],
)
def test_plain_text(raw, clean):
    assert plain_text(raw) == clean


def test_unterminated_osc_swallows_nothing_it_should_not_print():
    assert "\x1b" not in plain_text("\x1b]52;c;AAAA")
    assert plain_text("\x1b]52;c;AAAA") == ""


@given(s.text())
def test_output_never_holds_escape_or_control_characters(text):
    out = plain_text(text)
    assert not any((ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F for c in out)


@given(s.lists(s.text(), max_size=5))
def test_pieces_are_safe_on_their_own(pieces):
    joined = "".join(plain_text(p) for p in pieces)
    assert "\x1b" not in joined and "\x9b" not in joined


def test_visible_text_draws_control_characters_as_pictures():
    assert visible_text("a\x1b[2Jb\x07c\x7fd\x9be") == "a␛[2Jb␇c␡d<0x9b>e"
    assert visible_text("line\n\tindented") == "line\n\tindented"
