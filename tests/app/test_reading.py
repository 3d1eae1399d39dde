"""Reading a long session with the keyboard only, from the prompt."""

from __future__ import annotations

import asyncio

from ccsess.app.widgets.message_view import MessageView
from ccsess.app.widgets.prompt import PromptInput
from ccsess.core.models import Message
from support.app_kit import build_app, wait_until

SIZE = (100, 30)


def long_store(data_dir, tmp_path):
    from ccsess.core.store.store import Store

    store = Store(data_dir)
    sid = store.create_session("long read", str(tmp_path)).id
    for n in range(80):
        role = "user" if n % 2 == 0 else "assistant"
        store.append_message(sid, Message(id=f"m{n:03d}", role=role,  # type: ignore[arg-type]
                                          blocks=[{"type": "text", "text": f"message number {n}\n\n" + "line\n" * 8}]))
    return store, sid


async def test_page_keys_start_end_and_the_messages_from_the_prompt(data_dir, tmp_path):
    store, sid = long_store(data_dir, tmp_path)
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        await screen.open_session(sid)
        await pilot.pause()
        screen.prompt.focus()
        conversation = screen.conversation
        bottom = conversation.scroll_y
        await pilot.press("pageup")
        await wait_until(pilot, lambda: conversation.scroll_y < bottom)
        assert isinstance(app.focused, PromptInput), "the focus stays in the prompt"
        await pilot.press("ctrl+home")
        await wait_until(pilot, lambda: not conversation.has_earlier and conversation.scroll_y == 0)
        assert conversation.message_views[0].message_id == "m000"
        await pilot.press("ctrl+end")
        await wait_until(pilot, lambda: conversation.scroll_y == conversation.max_scroll_y)
        await pilot.press("alt+up")
        await wait_until(pilot, lambda: isinstance(app.focused, MessageView))
        assert app.focused.message_id == "m079"
        await pilot.press("up")
        await wait_until(pilot, lambda: app.focused.message_id == "m078")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.focused, PromptInput))


async def test_alt_s_hides_the_sidebar_in_a_small_terminal(data_dir, tmp_path):
    from support.app_kit import run_palette

    store, sid = long_store(data_dir, tmp_path)
    app = build_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.main_screen
        await screen.open_session(sid)
        await pilot.pause()
        await pilot.press("alt+s")
        await wait_until(pilot, lambda: not screen.sidebar.display and screen.conversation.size.width > 70)
        await run_palette(pilot, "Toggle sidebar")
        await wait_until(pilot, lambda: screen.sidebar.display)


async def test_the_sidebar_narrows_below_120_columns_and_names_stay_whole(data_dir, tmp_path):
    store, sid = long_store(data_dir, tmp_path)
    store.update_session(sid, name="a name of twenty-one")
    app = build_app(store)
    async with app.run_test(size=(130, 30)) as pilot:
        screen = app.main_screen
        await pilot.pause()
        assert screen.sidebar.outer_size.width == 38
        for columns, sidebar in ((110, 32), (80, 28)):
            await pilot.resize_terminal(columns, 30)
            await wait_until(pilot, lambda sidebar=sidebar: screen.sidebar.outer_size.width == sidebar)
        row = str(screen.sidebar.option_list.get_option(sid).prompt)
        assert "a name of twenty-one" in row, row
        assert screen.conversation.outer_size.width >= 50


async def test_two_sessions_shown_at_once_leave_only_the_last_on_screen(data_dir, tmp_path):
    store, first = long_store(data_dir, tmp_path)
    second = store.create_session("short", str(tmp_path)).id
    store.append_message(second, Message(id="s1", role="user", blocks=[{"type": "text", "text": "only here"}]))
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        conversation = app.main_screen.conversation
        await asyncio.gather(conversation.show_session(first), conversation.show_session(second),
                             conversation.show_session(first), conversation.show_session(second))
        await pilot.pause()
        assert [view.message_id for view in conversation.message_views] == ["s1"]
        assert conversation.session_id == second
