"""What an imported session holds beyond text: a command run in Claude Code (folded, its output inside) and an
image (a placeholder with its type and size)."""

from __future__ import annotations

import base64

from ccsess.app.widgets.blocks import CommandBlock
from support.app_kit import message, screen_text, text

SID = "tools001"


async def test_command_and_image_blocks(app):
    picture = base64.b64encode(b"\x89PNG" + bytes(3000)).decode()
    app.store.append_message(SID, message("user", {"type": "command", "command": "!uv run pytest",
                                                   "output": "12 passed in 0.4s"}))
    app.store.append_message(SID, message("user", {"type": "image", "source": {
        "type": "base64", "media_type": "image/png", "data": picture}}, text("what is this?")))
    async with app.run_test(size=(120, 36)) as pilot:
        await app.main_screen.open_session(SID)
        await pilot.pause()
        shown = screen_text(app)
        assert "$ ran !uv run pytest" in shown
        assert "[image: image/png, 3 KB]" in shown
        assert "12 passed" not in shown, "the output is folded"
        block = app.main_screen.query_one(CommandBlock)
        block.collapsed = False
        await pilot.pause()
        assert "12 passed in 0.4s" in screen_text(app)
