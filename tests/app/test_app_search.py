"""Pilot tests of message search (ctrl+g) and the palette command that imports Claude Code sessions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support.app_kit import (NOW, build_app, message, notifications, run_palette,
                              screen_text, seed_store, text,
                              wait_until)

from ccsess.app.screens.search import MATCH_STYLE, SearchScreen
from ccsess.app.widgets.message_view import MessageView
from ccsess.core.config import Config
from ccsess.core.store.store import Store
from support import paths

SIZE = (120, 36)
FIXTURES = paths.FIXTURES / "claude_sessions" / "-home-u-work"
NAMED_SESSION_FILE = "e4256b51-31a4-4a98-a3da-8c22a3be7fca.jsonl"



@pytest.fixture
def store(data_dir: Path, project: Path) -> Store:
    """The shared seed data plus two sessions about tomatoes: one all about them, one mentioning them once."""
    store, _ = seed_store(data_dir, project)
    soup = store.create_session("soup recipes", str(project), id="soup0001", last_active=NOW - 300)
    store.append_message(soup.id, message("user", text("What goes into a good soup?"), id="m-soup-1"))
    store.append_message(soup.id, message(
        "assistant", text("Tomato soup: tomato, basil, more tomato and salt."), id="m-soup-2"))
    garden = store.create_session("garden plans", str(project), id="garden01", last_active=NOW - 900)
    filler = " ".join(f"plant{n} row{n} bed{n}" for n in range(40))
    store.append_message(garden.id, message("user", text(f"Here is my plan: {filler} and one tomato."),
                                            id="m-garden-1"))
    store.update_session(soup.id, last_active=NOW - 300)
    store.update_session(garden.id, last_active=NOW - 900)
    return store


def build(store, config: Config | None = None):
    return build_app(store, config)



async def open_search(app, pilot) -> SearchScreen:
    await pilot.pause()
    await pilot.press("ctrl+g")
    await wait_until(pilot, lambda: isinstance(app.screen, SearchScreen))
    return app.screen


async def search_for(app, pilot, words: str) -> SearchScreen:
    screen = await open_search(app, pilot)
    await pilot.press(*words)
    await wait_until(pilot, lambda: screen.shown_query == words)
    return screen


def focused_message_id(app) -> str | None:
    focused = app.screen.focused
    return focused.message_id if isinstance(focused, MessageView) else None


async def test_typing_finds_the_best_session_first_with_a_highlighted_snippet(store):
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_search(app, pilot)
        assert "Type words from any message" in screen_text(app)
        await pilot.press(*"toma")
        await wait_until(pilot, lambda: screen.shown_query == "toma")
        assert [hit.session_id for hit in screen.found] == ["soup0001", "garden01"]
        assert screen.found[0].message_id == "m-soup-2"
        first = screen.hits.get_option_at_index(0).prompt
        marked = [first.plain[span.start:span.end] for span in first.spans if span.style == MATCH_STYLE]
        assert marked and all(word.lower() == "tomato" for word in marked)
        assert "\x02" not in first.plain and "\x03" not in first.plain
        await pilot.pause()
        shown = screen_text(app)
        assert "soup recipes" in shown and "5m" in shown and "basil, more tomato" in shown
        assert "garden plans  15m" in shown


async def test_enter_opens_the_session_at_the_hit(store):
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await search_for(app, pilot, "basil")
        await pilot.press("enter")
        await wait_until(pilot, lambda: focused_message_id(app) == "m-soup-2")
        assert not isinstance(app.screen, SearchScreen)
        assert app.main_screen.session_id == "soup0001"
        assert app.main_screen.sidebar.selected_id == "soup0001"


async def test_arrow_keys_choose_another_hit(store):
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await search_for(app, pilot, "tomato")
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: focused_message_id(app) == "m-garden-1")
        assert app.main_screen.session_id == "garden01"
        assert screen.found[1].session_id == "garden01"


async def test_hit_in_a_tool_result_opens_the_call_it_answers(store):
    from ccsess.app.widgets.blocks import ToolCallView

    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await search_for(app, pilot, "setup.py")
        found = [hit.message_id for hit in screen.found]
        assert "m-res-1" in found
        await pilot.press(*["down"] * found.index("m-res-1"), "enter")
        await wait_until(pilot, lambda: focused_message_id(app) == "m-asst-1")
        tool = app.main_screen.query_one(ToolCallView)
        assert not tool.collapsed and tool.result_text == "README.md\nsetup.py"


async def test_hit_far_back_in_a_long_session_loads_earlier_pages(data_dir, project):
    store = Store(data_dir)
    session = store.create_session("long", str(project), id="long0001")
    for number in range(200):
        role = "user" if number % 2 == 0 else "assistant"
        words = "the zebra crossing is here" if number == 7 else "ordinary words"
        store.append_message(session.id, message(role, text(f"message number {number}: {words}"),
                                                  id=f"msg{number:03d}"))
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await app.main_screen.open_session(session.id)
        await pilot.pause()
        conversation = app.main_screen.conversation
        assert "msg007" not in [view.message_id for view in conversation.message_views]
        await search_for(app, pilot, "zebra")
        await pilot.press("enter")
        await wait_until(pilot, lambda: focused_message_id(app) == "msg007")
        await wait_until(pilot, lambda: "message number 7: the zebra crossing" in screen_text(app))
        view = app.screen.focused
        top, bottom = conversation.scroll_y, conversation.scroll_y + conversation.scrollable_content_region.height
        assert top <= view.virtual_region.y < bottom
        ids = [v.message_id for v in conversation.message_views]
        assert ids == sorted(ids) and ids[-1] == "msg199" and "msg007" in ids


async def test_no_match_and_escape(store):
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await search_for(app, pilot, "xylophone")
        assert screen.found == []
        assert "No messages match “xylophone”." in screen_text(app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, SearchScreen))
        assert app.main_screen.session_id is None


async def test_enter_before_results_arrive_opens_the_best_hit(store):
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_search(app, pilot)
        await pilot.press(*"basil", "enter")
        await wait_until(pilot, lambda: focused_message_id(app) == "m-soup-2")
        assert app.main_screen.session_id == "soup0001"


async def test_search_from_the_palette_and_rebound_key(store):
    app = build(store, Config(keymap={"search": "f3"}))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, SearchScreen))
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, SearchScreen))
        await run_palette(pilot, "Search messages")
        await wait_until(pilot, lambda: isinstance(app.screen, SearchScreen))


async def test_import_command_adds_the_session_and_reports_the_summary(store, tmp_path, monkeypatch):
    home = tmp_path / "home"
    projects = home / ".claude" / "projects" / "-home-u-work"
    projects.mkdir(parents=True)
    shutil.copy(FIXTURES / NAMED_SESSION_FILE, projects / NAMED_SESSION_FILE)
    broken = projects / "11111111-2222-3333-4444-555555555555.jsonl"
    broken.write_text(
        (FIXTURES / NAMED_SESSION_FILE).read_text().replace("e4256b51-31a4-4a98-a3da-8c22a3be7fca",
                                                            "11111111-2222-3333-4444-555555555555")
        .replace("My Named Sess", "Second Sess") + "{this is not json\n")
    monkeypatch.setenv("HOME", str(home))
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        before = set(app.main_screen.sidebar.session_ids)
        await run_palette(pilot, "Import Claude Code sessions")
        await wait_until(pilot, lambda: any("Imported" in message for _, message in notifications(app)))
        summary = next(message for _, message in notifications(app) if "Imported" in message)
        assert summary.startswith("Imported 2 new sessions, updated 0") and "1 malformed lines" in summary
        warning = next(message for severity, message in notifications(app) if severity == "warning")
        assert warning.startswith("1 problem while importing") and f"{broken}:26" in warning
        new_ids = set(app.main_screen.sidebar.session_ids) - before
        assert len(new_ids) == 2
        assert {store.get_session(sid).name for sid in new_ids} == {"My Named Sess", "Second Sess"}
        assert "My Named Sess" in screen_text(app)
        assert not app.main_screen.query("#import-progress")
        await run_palette(pilot, "Import Claude Code sessions")
        await wait_until(pilot, lambda: sum("Imported" in m for _, m in notifications(app)) == 2)
        assert set(app.main_screen.sidebar.session_ids) - before == new_ids


async def test_import_without_claude_sessions_is_a_warning(store, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "empty-home"))
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await run_palette(pilot, "Import Claude Code sessions")
        await wait_until(pilot, lambda: bool(notifications(app)))
        severity, text_shown = notifications(app)[-1]
        assert severity == "warning" and text_shown.startswith("No Claude Code sessions to import")
