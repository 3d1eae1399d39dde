"""Images of messages, stored once by content in ``<data dir>/images/<sha256>.<ext>``.

A message keeps an image block whose source is ``{"type": "stored", "media_type", "sha256", "bytes"}``; the bytes
live in the file, so an image pasted or read many times costs its size once, and transcripts stay small.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ccsess.core.atomic import atomic_write_bytes
from ccsess.core.models import Message

IMAGES_DIR = "images"
_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}


def image_blocks(blocks: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every image block of a message, tool results' images included."""
    for block in blocks:
        if block.get("type") == "image":
            yield block
        elif block.get("type") == "tool_result" and isinstance(block.get("content"), list):
            yield from image_blocks([part for part in block["content"] if isinstance(part, dict)])


def extension(media_type: str) -> str:
    return _EXTENSIONS.get(media_type, "bin")


def image_path(data_dir: Path, source: dict[str, Any]) -> Path | None:
    digest = source.get("sha256")
    if source.get("type") != "stored" or not isinstance(digest, str) or not digest.isalnum():
        return None
    return Path(data_dir) / IMAGES_DIR / f"{digest}.{extension(str(source.get('media_type', '')))}"


def store_images(data_dir: Path, messages: list[Message]) -> None:
    """Move the base64 images of ``messages`` into image files; their blocks then name the file's content."""
    for message in messages:
        if not any(block.get("type") in ("image", "tool_result") for block in message.blocks):
            continue
        for block in image_blocks(message.blocks):
            source = block.get("source")
            if not isinstance(source, dict) or source.get("type") != "base64":
                continue
            media_type = str(source.get("media_type") or "application/octet-stream")
            try:
                data = base64.b64decode(str(source.get("data", "")), validate=True)
            except (binascii.Error, ValueError):
                block["source"] = {"type": "missing", "media_type": media_type}
                continue
            import hashlib  # loads OpenSSL: only when an image is stored, not with every store

            digest = hashlib.sha256(data).hexdigest()
            stored = {"type": "stored", "media_type": media_type, "sha256": digest, "bytes": len(data)}
            path = image_path(data_dir, stored)
            assert path is not None
            if not path.exists():
                path.parent.mkdir(mode=0o700, exist_ok=True)
                atomic_write_bytes(path, data)
            block["source"] = stored


def inline_images(data_dir: Path, blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``blocks`` with stored images given back as base64 data (JSON exports carry them whole)."""
    out = []
    for block in blocks:
        if block.get("type") == "image" and isinstance(block.get("source"), dict):
            path = image_path(data_dir, block["source"])
            try:
                data = path.read_bytes() if path is not None else None
            except OSError:
                data = None
            if data is not None:
                block = dict(block, source={"type": "base64", "media_type": block["source"].get("media_type"),
                                            "data": base64.b64encode(data).decode("ascii")})
        elif block.get("type") == "tool_result" and isinstance(block.get("content"), list):
            block = dict(block, content=inline_images(data_dir, [p for p in block["content"] if isinstance(p, dict)]))
        out.append(block)
    return out
