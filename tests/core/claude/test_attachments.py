"""Images attached to a prompt: what is accepted, what is refused with one line, and what claude is given."""

from __future__ import annotations

import base64

import pytest

from ccsess.core.claude.attachments import (
    MAX_IMAGE_BYTES, AttachmentError, image_from_bytes, image_from_file, pasted_image_path, sniff,
)
from ccsess.core.claude.live import PendingTurn
from support.images import png_bytes


def test_the_type_comes_from_the_bytes_not_the_name(tmp_path):
    disguised = tmp_path / "photo.jpg"
    disguised.write_bytes(png_bytes())
    image = image_from_file(disguised)
    assert (image.name, image.media_type, image.size) == ("photo.jpg", "image/png", len(png_bytes()))
    assert sniff(b"\xff\xd8\xff\xe0rest") == "image/jpeg" and sniff(b"GIF89a...") == "image/gif"
    assert sniff(b"RIFF\0\0\0\0WEBPVP8 ") == "image/webp" and sniff(b"%PDF-1.7") is None


def test_what_is_refused_says_why_in_one_line(tmp_path):
    text = tmp_path / "notes.png"
    text.write_text("not a picture")
    with pytest.raises(AttachmentError, match=r"^notes.png is not a PNG, JPEG, GIF or WebP image$"):
        image_from_file(text)
    huge = tmp_path / "huge.png"
    with huge.open("wb") as out:  # sparse: the size is checked before anything is read
        out.write(png_bytes())
        out.truncate(MAX_IMAGE_BYTES + 1)
    with pytest.raises(AttachmentError, match=r"^huge.png is 20.0 MB; images over 20 MB are not sent$"):
        image_from_file(huge)
    with pytest.raises(AttachmentError, match=r"^Cannot read gone.png: No such file or directory$"):
        image_from_file(tmp_path / "gone.png")
    with pytest.raises(AttachmentError):
        image_from_bytes("clipboard image", b"\x89PNG\r\n\x1a\n" + bytes(MAX_IMAGE_BYTES))


def test_a_pasted_path_to_an_image_is_recognised_in_the_forms_terminals_paste(tmp_path):
    folder = tmp_path / "my shots"
    folder.mkdir()
    shot = folder / "screen shot.png"
    shot.write_bytes(png_bytes())
    escaped = str(shot).replace(" ", "\\ ")
    for pasted in (str(shot), f"'{shot}'", f'"{shot}"', f"  {escaped}\n", f"file://{str(shot).replace(' ', '%20')}"):
        assert pasted_image_path(pasted) == shot, pasted
    assert pasted_image_path("screen shot.png", cwd=str(folder)) == shot
    (folder / "notes.txt").write_text("x")
    for pasted in (str(folder / "notes.txt"), str(folder / "missing.png"), f"{shot}\n{shot}", "look at this"):
        assert pasted_image_path(pasted) is None, pasted


def test_claude_gets_the_images_and_then_the_text():
    image = image_from_bytes("a.png", png_bytes())
    turn = PendingTurn("m1", "what is this", images=(image.block(),))
    block, text = turn.content()
    assert text == {"type": "text", "text": "what is this"}
    assert block["source"] == {"type": "base64", "media_type": "image/png",
                               "data": base64.b64encode(png_bytes()).decode()}
    assert PendingTurn("m2", "", images=(image.block(),)).content() == [image.block()]
    assert PendingTurn("m3", "plain").content() == "plain"
