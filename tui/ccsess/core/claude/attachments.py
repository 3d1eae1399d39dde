"""Images attached to a prompt: read from a file or the system clipboard, checked before anything is sent, and
given to claude as image content blocks of the stream-json user message.

claude shrinks a large image itself (to about 500 KB, at most 2000 pixels a side) and says in the turn when it
cannot read one, so what is refused here is what is not worth sending at all: a file that is not a PNG, JPEG, GIF
or WebP picture, and one over ``MAX_IMAGE_BYTES``.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

MAX_IMAGE_BYTES = 20 * 1024 * 1024
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp"})
CLIPBOARD_TIMEOUT = 3.0


class AttachmentError(ValueError):
    """An image that cannot be attached; str() says why in one line."""


@dataclass(frozen=True)
class ImageAttachment:
    name: str
    media_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    def block(self) -> dict:
        """The image as claude receives it in a user message."""
        return {"type": "image", "source": {"type": "base64", "media_type": self.media_type,
                                            "data": base64.b64encode(self.data).decode("ascii")}}


def sniff(data: bytes) -> str | None:
    """The media type a picture's first bytes say it is, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def image_from_bytes(name: str, data: bytes) -> ImageAttachment:
    _check_size(name, len(data))
    media_type = sniff(data)
    if media_type is None:
        raise AttachmentError(f"{name} is not a PNG, JPEG, GIF or WebP image")
    return ImageAttachment(name, media_type, data)


def image_from_file(path: str | Path) -> ImageAttachment:
    path = Path(path).expanduser()
    try:
        _check_size(path.name, path.stat().st_size)
        data = path.read_bytes()
    except OSError as error:
        raise AttachmentError(f"Cannot read {path.name}: {error.strerror or error}") from None
    return image_from_bytes(path.name, data)


def _check_size(name: str, size: int) -> None:
    if size > MAX_IMAGE_BYTES:
        raise AttachmentError(f"{name} is {size / 1048576:.1f} MB; images over {MAX_IMAGE_BYTES // 1048576} MB "
                              "are not sent")


def pasted_image_path(text: str, cwd: str | None = None) -> Path | None:
    """The image file a paste names, when the paste is nothing but one path to one (as a terminal pastes a file
    dropped on it: quoted, with backslashes before spaces, or as a file:// address)."""
    text = text.strip()
    if not text or "\n" in text or len(text) > 4096:
        return None
    if text[0] == text[-1] and text[0] in "'\"" and len(text) > 1:
        text = text[1:-1]
    elif text.startswith("file://"):
        text = unquote(urlparse(text).path)
    else:
        text = re.sub(r"\\(.)", r"\1", text)
    if Path(text).suffix.lower() not in IMAGE_SUFFIXES:
        return None
    path = Path(text).expanduser()
    if not path.is_absolute() and cwd:
        path = Path(cwd) / path
    return path if path.is_file() else None


def clipboard_image() -> ImageAttachment | None:
    """An image on the system clipboard, where the platform has a tool that gives one (wl-paste on Wayland, xclip
    on X11, pngpaste on macOS); None when there is none or no such tool."""
    for argv in _clipboard_commands():
        try:
            done = subprocess.run(argv, capture_output=True, timeout=CLIPBOARD_TIMEOUT, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0 and sniff(done.stdout[:16]) is not None:
            return image_from_bytes("clipboard image", done.stdout)
    return None


def _clipboard_commands() -> list[list[str]]:
    commands = []
    if sys.platform == "darwin":
        if shutil.which("pngpaste"):
            commands.append(["pngpaste", "-"])
        return commands
    if os.environ.get("WAYLAND_DISPLAY") and shutil.which("wl-paste"):
        commands.append(["wl-paste", "--no-newline", "--type", "image/png"])
    if os.environ.get("DISPLAY") and shutil.which("xclip"):
        commands.append(["xclip", "-selection", "clipboard", "-target", "image/png", "-out"])
    return commands
