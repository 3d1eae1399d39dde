"""@ mentions in the prompt: the file picker over the session's folder, picked with the keys."""

from __future__ import annotations

from contextlib import asynccontextmanager

from ccsess.app.widgets.prompt import PromptInput
from ccsess.core.store.store import Store
from support.app_kit import build_app, wait_until

SIZE = (120, 36)


def project_with_files(tmp_path):
    project = tmp_path / "project"
    for name in ("src/app.py", "src/util/strings.py", "docs/guide.md", "node_modules/pad/index.js", "My Notes/a b.txt"):
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(name)
    return project


def shown(screen) -> list[str]:
    return list(screen.completion_menu.items)


@asynccontextmanager
async def session_on_project(data_dir, tmp_path):
    """The app with a session open on ``project_with_files``, the focus in the prompt."""
    project = project_with_files(tmp_path)
    store = Store(data_dir)
    sid = store.create_session("files", str(project)).id
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await app.main_screen.open_session(sid)
        app.main_screen.prompt.focus()
        yield app, pilot, store, sid, project


async def test_at_opens_the_file_picker_which_narrows_and_inserts_the_path(data_dir, tmp_path):
    async with session_on_project(data_dir, tmp_path) as (app, pilot, _, sid, _):
        screen = app.main_screen
        await pilot.press(*"look at ", "@")
        await wait_until(pilot, lambda: "src/app.py" in shown(screen))
        assert screen.completion_menu.display
        assert "src/" in shown(screen) and not any(p.startswith("node_modules") for p in shown(screen))
        await pilot.press("s", "t", "r")
        await wait_until(pilot, lambda: shown(screen)[:1] == ["src/util/strings.py"])
        await pilot.press("tab")
        await wait_until(pilot, lambda: screen.prompt.text == "look at @src/util/strings.py ")
        assert not screen.completion_menu.display and isinstance(app.focused, PromptInput)

        await pilot.press("@", "d", "o", "c")
        await wait_until(pilot, lambda: shown(screen)[:1] == ["docs/"])
        await pilot.press("enter")  # a folder: the list stays open to go on inside it
        await wait_until(pilot, lambda: screen.prompt.text.endswith("@docs/"))
        await wait_until(pilot, lambda: "docs/guide.md" in shown(screen))
        await pilot.press("escape")
        await wait_until(pilot, lambda: not screen.completion_menu.display)
        assert app.main_screen.session_id == sid and screen.prompt.text.endswith("@docs/")

        screen.prompt.text = ""
        await pilot.press("@", "a", "space", "b")  # a space ends the mention
        await wait_until(pilot, lambda: not screen.completion_menu.display)
        screen.prompt.text = ""
        await pilot.press("@", "n", "o", "t", "e", "s")
        await wait_until(pilot, lambda: "My Notes/a b.txt" in shown(screen))
        while shown(screen)[screen.completion_menu.highlighted] != "My Notes/a b.txt":
            await pilot.press("down")
        await pilot.press("tab")
        await wait_until(pilot, lambda: screen.prompt.text == '@"My Notes/a b.txt" ')


async def test_a_folder_that_cannot_be_listed_says_so_in_the_list(data_dir, tmp_path):
    store = Store(data_dir)
    sid = store.create_session("gone", str(tmp_path / "missing")).id
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        await screen.open_session(sid)
        screen.prompt.focus()
        await pilot.press("@")
        await wait_until(pilot, lambda: screen.completion_menu.display)
        menu = screen.completion_menu
        await wait_until(pilot, lambda: "Cannot list" in str(menu.get_option_at_index(0).prompt))
        assert shown(screen) == [] and menu.option_count == 1
        assert "Cannot list the files (no such folder)" in str(menu.get_option_at_index(0).prompt)


async def test_files_added_while_the_session_worked_are_listed_at_the_next_at(data_dir, tmp_path):
    from ccsess.core.models import Message

    async with session_on_project(data_dir, tmp_path) as (app, pilot, store, sid, project):
        screen = app.main_screen
        await pilot.press("@")
        await wait_until(pilot, lambda: "src/app.py" in shown(screen))
        await pilot.press("escape")
        screen.prompt.text = ""
        (project / "src" / "written_by_claude.py").write_text("x = 1\n")
        store.append_message(sid, Message(id="a1", role="assistant", blocks=[{"type": "text", "text": "done"}]))
        screen.reload_session()  # as a finished turn does
        await pilot.press("@", "w", "r", "i", "t")
        # Well before the list would be old enough to be listed again anyway.
        await wait_until(pilot, lambda: shown(screen)[:1] == ["src/written_by_claude.py"], tries=100)
