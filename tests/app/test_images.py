"""Images in the prompt: a dropped or pasted image path, an image picked with @, chips that take one off, the
image stored once in the data dir, shown in the transcript and opened with the system's viewer."""

from __future__ import annotations

import os

from textual import events

from ccsess.app.widgets.attachment_bar import AttachmentBar, AttachmentChip
from ccsess.core.claude.attachments import MAX_IMAGE_BYTES
from ccsess.core.store.store import Store
from support.app_kit import build_app, notifications, wait_until
from support.images import png_bytes

SIZE = (120, 36)


def chips(screen) -> list[str]:
    return [str(chip.render()) for chip in screen.query(AttachmentChip)]


async def test_a_pasted_image_path_becomes_a_chip_and_goes_with_the_prompt(data_dir, tmp_path, monkeypatch):
    project = tmp_path / "project"
    project.mkdir()
    (project / "shots").mkdir()
    shot = project / "shots" / "error dialog.png"
    shot.write_bytes(png_bytes(16, 12))
    (project / "other.png").write_bytes(png_bytes(4, 4))
    store = Store(data_dir)
    sid = store.create_session("images", str(project)).id
    viewer_log = tmp_path / "viewer.txt"
    viewer = tmp_path / "bin" / "xdg-open"
    viewer.parent.mkdir()
    viewer.write_text(f"#!/bin/sh\necho \"$@\" >> {viewer_log}\n")
    viewer.chmod(0o755)
    monkeypatch.setenv("PATH", f"{viewer.parent}{os.pathsep}{os.environ['PATH']}")
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        await screen.open_session(sid)
        screen.prompt.focus()
        app.post_message(events.Paste(f"'{shot}'"))
        await wait_until(pilot, lambda: len(chips(screen)) == 1)
        assert "error dialog.png · image/png · " in chips(screen)[0] and screen.prompt.text == ""
        await pilot.press("@", *"other")
        await wait_until(pilot, lambda: "other.png" in screen.completion_menu.items)
        while screen.completion_menu.items[screen.completion_menu.highlighted] != "other.png":
            await pilot.press("down")
        await pilot.press("tab")
        await wait_until(pilot, lambda: len(chips(screen)) == 2)
        assert screen.prompt.text == "" and not screen.completion_menu.display
        await pilot.click(AttachmentChip)  # the first chip: taken off again
        await wait_until(pilot, lambda: len(chips(screen)) == 1)
        assert "other.png" in chips(screen)[0]

        app.post_message(events.Paste(str(shot)))
        await wait_until(pilot, lambda: len(chips(screen)) == 2)
        await pilot.press(*"what do these show?", "enter")
        await wait_until(pilot, lambda: app.engine.calls)
        assert [image.name for image in app.engine.images] == ["other.png", "error dialog.png"]
        assert app.engine.calls[-1] == ("send", sid, "what do these show?")
        await wait_until(pilot, lambda: not screen.query(AttachmentBar).first().display)

        prompt_message = next(m for m in store.messages(sid) if m.role == "user")
        sources = [b["source"] for b in prompt_message.blocks if b["type"] == "image"]
        assert [s["type"] for s in sources] == ["stored", "stored"]
        stored = {p.name for p in (data_dir / "images").iterdir()}
        assert stored == {f"{s['sha256']}.png" for s in sources}
        view = next(v for v in screen.conversation.message_views if v.message_id == prompt_message.id)
        view.focus()
        await pilot.press("o")
        await wait_until(pilot, lambda: viewer_log.exists() and len(viewer_log.read_text().splitlines()) == 2)
        assert {line.strip() for line in viewer_log.read_text().splitlines()} == {
            str(data_dir / "images" / name) for name in stored}


async def test_an_image_too_big_or_not_an_image_is_refused_with_one_line(app, tmp_path):
    huge = tmp_path / "huge.png"
    with huge.open("wb") as out:
        out.write(png_bytes())
        out.truncate(MAX_IMAGE_BYTES + 1)
    fake = tmp_path / "fake.png"
    fake.write_text("text, not a picture")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        await screen.open_session("tools001")
        screen.prompt.focus()
        for path in (huge, fake):
            app.post_message(events.Paste(str(path)))
        await wait_until(pilot, lambda: len(notifications(app)) >= 2)
        shown = [text for _, text in notifications(app)]
        assert "huge.png is 20.0 MB; images over 20 MB are not sent" in shown
        assert "fake.png is not a PNG, JPEG, GIF or WebP image" in shown
        assert chips(screen) == [] and screen.prompt.text == ""


async def test_ctrl_v_attaches_an_image_from_the_system_clipboard(app, tmp_path, monkeypatch):
    image = tmp_path / "clip.png"
    image.write_bytes(png_bytes(10, 10))
    tools = tmp_path / "bin"
    tools.mkdir()
    xclip = tools / "xclip"
    # An X11 clipboard tool that holds an image until the file is removed, then has none (exit 1, as xclip does).
    xclip.write_text(f"#!/bin/sh\n[ -f {image} ] || exit 1\ncat {image}\n")
    xclip.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        await screen.open_session("tools001")
        prompt = screen.prompt
        prompt.focus()
        await pilot.press("ctrl+v")
        await wait_until(pilot, lambda: len(chips(screen)) == 1)
        assert "clipboard image · image/png" in chips(screen)[0]
        assert prompt.images[0].data == image.read_bytes()

        image.unlink()
        app.copy_to_clipboard("plain text")
        await pilot.press("ctrl+v")  # no image there: the text is pasted
        await wait_until(pilot, lambda: prompt.text == "plain text")
        assert len(prompt.images) == 1
