"""Pilot tests of the app over a real store and a scripted engine: every key and palette action."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from textual.widgets import Input, OptionList

from ccsess.app.screens.dialogs import ConfirmDialog, ExportDialog, NewSessionDialog, PermissionDialog
from ccsess.app.widgets.blocks import ToolCallView
from ccsess.app.widgets.status_line import StatusLine
from ccsess.core.claude import events as ev
from ccsess.core.config import Config
from ccsess.core.transfer.export import export_session
from support.app_kit import (NOW, ScriptedEngine, build_app, message, notifications, notified, run_palette,
                              screen_text, seed_store, text,
                              wait_until)

SIZE = (120, 36)



@pytest.fixture
def seeded(data_dir: Path, project: Path):
    return seed_store(data_dir, project)


def build(store, config: Config | None = None, **kwargs):
    return build_app(store, config, **kwargs)


async def open_session(app, pilot, session_id: str) -> None:
    await app.main_screen.open_session(session_id)
    await pilot.pause()



def sidebar_ids(app) -> list[str]:
    return app.main_screen.sidebar.session_ids


async def test_sidebar_groups_by_project_newest_first(seeded):
    store, sessions = seeded
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert sidebar_ids(app) == ["tools001", "older001", "else0001"]
        options = app.main_screen.sidebar.option_list.options
        headers = [str(o.prompt) for o in options if o.disabled]
        assert headers[0].endswith("project") and headers[1].endswith("other-project")
        shown = screen_text(app)
        assert "list the files" in shown and "2m" in shown and "2h" in shown and "3d" in shown
        assert "No session open" in shown


async def test_filter_narrows_by_name_and_project(seeded):
    store, _ = seeded
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+f")
        await pilot.press(*"older")
        await pilot.pause()
        assert sidebar_ids(app) == ["older001"]
        filter_box = app.main_screen.sidebar.query_one(Input)
        filter_box.value = "other-project"
        await pilot.pause()
        assert sidebar_ids(app) == ["else0001"]
        await pilot.press("enter", "enter")
        await pilot.pause()
        assert app.main_screen.session_id == "else0001"


async def test_choosing_a_session_shows_messages_and_tool_call(seeded):
    store, _ = seeded
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        option_list = app.main_screen.sidebar.query_one(OptionList)
        option_list.focus()
        option_list.highlighted = option_list.get_option_index("tools001")
        await pilot.press("enter")
        await pilot.pause()
        assert app.main_screen.session_id == "tools001"
        views = app.main_screen.conversation.message_views
        assert [v.message.id for v in views] == ["m-user-1", "m-asst-1", "m-asst-2"]
        tool = app.main_screen.query_one(ToolCallView)
        assert tool.tool_name == "Bash" and tool.result_text == "README.md\nsetup.py" and tool.collapsed
        shown = screen_text(app)
        assert "⚙ Bash  ls -la" in shown and "There are two files" in shown
        status = app.main_screen.query_one(StatusLine).info
        assert status.model == "sonnet" and status.state == "cold"


async def test_send_streams_reply_then_completes(seeded):
    store, _ = seeded
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        engine: ScriptedEngine = app.engine
        engine.hold = True
        await open_session(app, pilot, "older001")
        await pilot.press(*"hi there", "enter")
        await wait_until(pilot, lambda: "from the engine" in screen_text(app))
        live = app.main_screen.conversation.live_view
        assert live is not None and live.streaming
        assert app.main_screen.check_action("stop", ()) is True
        assert "claude is replying" in (app.main_screen.prompt.border_title or "")
        engine.finish_turn()
        await wait_until(pilot, lambda: app.main_screen.conversation.live_view is None)
        await pilot.pause()
        assert engine.calls[0] == ("send", "older001", "hi there")
        last = app.main_screen.conversation.message_views[-1]
        assert last.message.text == "Hello from the **engine**." and not last.streaming
        assert app.main_screen.check_action("stop", ()) is False
        assert app.main_screen.query_one(StatusLine).info.cost == "$0.0123"


async def test_prompt_typed_while_streaming_is_queued_and_sent_after(seeded):
    store, _ = seeded
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        engine: ScriptedEngine = app.engine
        engine.hold = True
        await open_session(app, pilot, "older001")
        await pilot.press(*"first", "enter")
        await wait_until(pilot, lambda: app.main_screen.conversation.live_view is not None)
        await pilot.press(*"second", "enter")
        await wait_until(pilot, lambda: "1 queued" in (app.main_screen.prompt.border_title or ""))
        assert [prompt for _, prompt in engine.pending["older001"]] == ["second"], "the engine holds the queue"
        assert "second" in screen_text(app), "a queued prompt shows in the transcript at once"
        engine.hold = False
        engine.finish_turn()
        await wait_until(pilot, lambda: [c for c in engine.calls if c[0] == "send"][-1][2] == "second")
        await wait_until(pilot, lambda: not app.main_screen.is_busy("older001"))


async def test_ctrl_j_inserts_newline_enter_sends(seeded):
    store, _ = seeded
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot, "older001")
        await pilot.press("a", "ctrl+j", "b")
        assert app.main_screen.prompt.text == "a\nb"
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.engine.calls and app.engine.calls[0][2] == "a\nb")


async def test_escape_stops_and_keeps_partial(seeded):
    store, _ = seeded
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        engine: ScriptedEngine = app.engine
        engine.hold = True
        await open_session(app, pilot, "older001")
        await pilot.press(*"go", "enter")
        await wait_until(pilot, lambda: "from the engine" in screen_text(app))
        await pilot.press("escape")
        await wait_until(pilot, lambda: not app.main_screen.is_busy("older001"))
        await pilot.pause()
        assert ("stop", "older001") in engine.calls
        last = app.main_screen.conversation.message_views[-1]
        assert last.message.interrupted and "interrupted" in screen_text(app)
        assert app.main_screen.check_action("stop", ()) is False


async def test_escape_does_nothing_when_idle(seeded):
    store, _ = seeded
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot, "older001")
        footer_keys = [b.binding.action for b in app.screen.active_bindings.values()]
        assert "stop" not in footer_keys
        assert app.main_screen.check_action("stop", ()) is False
        await pilot.press("escape")
        assert not any(call[0] == "stop" for call in app.engine.calls)


async def test_typing_without_a_session_creates_one(seeded, project):
    store, _ = seeded
    app = build(store, default_project=str(project))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"brand new question", "enter")
        await wait_until(pilot, lambda: any(c[0] == "send" for c in app.engine.calls))
        sid = app.main_screen.session_id
        session = store.get_session(sid)
        assert session.name == "brand new question" and session.project == str(project)
        assert sidebar_ids(app)[0] == sid


async def test_ctrl_n_asks_name_and_project(seeded, project):
    store, _ = seeded
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot, "tools001")
        await pilot.press("ctrl+n")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, NewSessionDialog)
        assert dialog.query_one("#session-project", Input).value == str(project)
        dialog.query_one("#session-name", Input).value = "fresh one"
        dialog.query_one("#session-project", Input).value = str(project / "missing")
        await pilot.click("#ok")
        await pilot.pause()
        assert "No such folder" in screen_text(app)
        project_input = dialog.query_one("#session-project", Input)
        project_input.value = str(project)
        project_input.focus()
        await pilot.press("enter")
        await pilot.pause()
        new = [s for s in store.list_sessions() if s.name == "fresh one"]
        assert len(new) == 1 and app.main_screen.session_id == new[0].id


async def test_ctrl_b_branches_at_focused_message(seeded):
    store, _ = seeded
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot, "tools001")
        app.main_screen.conversation.message_views[0].focus()
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert ("branch", "tools001", "m-user-1") in app.engine.calls
        child = store.get_session(app.main_screen.session_id)
        assert child.parent_id == "tools001"
        assert child.id in sidebar_ids(app)
        assert [v.message.id for v in app.main_screen.conversation.message_views] == ["m-user-1"]


async def test_focused_message_keys_copy_and_branch(seeded):
    store, _ = seeded
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot, "tools001")
        views = app.main_screen.conversation.message_views
        views[-1].focus()
        await pilot.press("up")
        assert app.focused is views[1]
        await pilot.press("down", "c")
        assert app.clipboard == views[-1].message.text
        await pilot.press("b")
        await pilot.pause()
        assert ("branch", "tools001", "m-asst-2") in app.engine.calls


async def test_regenerate_then_flip_versions(seeded):
    store, _ = seeded
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        engine: ScriptedEngine = app.engine
        engine.reply_chunks = ["A second ", "answer."]
        await open_session(app, pilot, "older001")
        assert app.main_screen.check_action("flip_version", ()) is False
        await pilot.press("alt+r")
        await wait_until(pilot, lambda: not app.main_screen.is_busy("older001"))
        await wait_until(pilot, lambda: app.main_screen.last_versioned_view() is not None)
        last = app.main_screen.conversation.message_views[-1]
        assert last.message.text == "A second answer." and (last.version_position, last.versions) == (2, 2)
        assert "version 2/2" in screen_text(app)
        await pilot.press("ctrl+t")
        await pilot.pause()
        last = app.main_screen.conversation.message_views[-1]
        assert last.message.text == "Hi! How can I help?" and "version 1/2" in screen_text(app)
        assert ("choose_version", "older001", "m-old-1", 1) in engine.calls


async def test_ctrl_s_exports_to_project_dir(seeded, project):
    store, _ = seeded
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot, "tools001")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ExportDialog)
        path_input = app.screen.query_one(Input)
        assert path_input.value == str(project / "list-the-files-tools001.md")
        await pilot.press("enter")
        await pilot.pause()
        written = project / "list-the-files-tools001.md"
        assert written.read_text() .split("\n", 3)[:2] == export_session(store, "tools001").split("\n", 3)[:2]
        assert "What files are here?" in written.read_text() and "README.md" in written.read_text()
        assert notified(app, str(written))


async def test_ctrl_o_model_picker_configured_and_free_text(seeded):
    store, _ = seeded
    app = build(store, Config(models=["sonnet", "opus", "haiku"]))
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot, "tools001")
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press(*"opus")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert ("set_model", "tools001", "opus") in app.engine.calls
        assert app.main_screen.query_one(StatusLine).info.model == "opus"
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press(*"claude-x-1")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert ("set_model", "tools001", "claude-x-1") in app.engine.calls
        assert "claude-x-1" in screen_text(app)


async def test_palette_copy_last_reply_and_transcript(seeded):
    store, _ = seeded
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot, "tools001")
        await run_palette(pilot, "Copy last reply")
        assert app.clipboard == "There are **two** files:\n\n- `README.md`\n- `setup.py`"
        assert notified(app, "Copied last reply")
        await run_palette(pilot, "Copy transcript")
        assert "What files are here?" in app.clipboard and "ls -la" in app.clipboard


async def test_palette_rename(seeded):
    store, _ = seeded
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot, "older001")
        await run_palette(pilot, "Rename session")
        field = app.screen.query_one(Input)
        field.value = "renamed chat"
        await pilot.press("enter")
        await pilot.pause()
        assert store.get_session("older001").name == "renamed chat"
        assert "renamed chat" in screen_text(app)


async def test_palette_delete_asks_first(seeded):
    store, _ = seeded
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot, "older001")
        await run_palette(pilot, "Delete session")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("escape")
        await pilot.pause()
        assert store.get_session("older001")
        await run_palette(pilot, "Delete session")
        await pilot.press("y")
        await pilot.pause()
        assert "older001" not in [s.id for s in store.list_sessions(include_archived=True)]
        assert "older001" not in sidebar_ids(app) and app.main_screen.session_id is None


async def test_palette_archive_hides_session(seeded):
    store, _ = seeded
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot, "older001")
        await run_palette(pilot, "Archive session")
        assert store.get_session("older001").status == "archived"
        assert "older001" not in sidebar_ids(app)


async def test_palette_open_in_claude_runs_resume_and_reloads(seeded, tmp_path, project, monkeypatch):
    store, _ = seeded
    store.update_session("older001", claude_session_id="11111111-2222-3333-4444-555555555555")
    record = tmp_path / "argv.txt"
    script = tmp_path / "claude-stub"
    script.write_text(f"#!/bin/sh\necho \"$PWD $@\" > {record}\n")
    script.chmod(0o755)
    app = build(store, Config(claude=str(script)))
    monkeypatch.setattr(type(app), "suspend", lambda self: contextlib.nullcontext())
    synced: list[str] = []
    import ccsess.app.screens.open_in_claude as open_in_claude

    def fake_sync(store_, session_id):
        synced.append(session_id)
        store_.append_message(session_id, message("user", text("typed inside claude"), created=NOW))
        return 1

    monkeypatch.setattr(open_in_claude, "sync_session", fake_sync)
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot, "older001")
        await run_palette(pilot, "Open in Claude")
        await pilot.pause()
        assert record.read_text().split() == [str(project), "--resume", "11111111-2222-3333-4444-555555555555"]
        assert synced == ["older001"]
        assert app.engine.released == ["older001"]
        assert "typed inside claude" in screen_text(app)


async def test_open_in_claude_without_terminal_is_a_notice(seeded):
    store, _ = seeded
    store.update_session("older001", claude_session_id="11111111-2222-3333-4444-555555555555")
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot, "older001")
        await app.main_screen.run_action("open_in_claude")
        await pilot.pause()
        assert notified(app, "real terminal")


async def test_permission_request_opens_modal_and_answers(seeded):
    store, _ = seeded
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot, "tools001")
        app.emit_engine_event(ev.PermissionRequested("tools001", "req-1", "Bash", {"command": "rm -rf build"}))
        await wait_until(pilot, lambda: "rm -rf build" in screen_text(app))
        assert isinstance(app.screen, PermissionDialog) and "Allow Bash for session" in screen_text(app)
        await pilot.press("s")
        await pilot.pause()
        assert ("answer_permission", "tools001", "req-1", "allow_session") in app.engine.calls
        app.emit_engine_event(ev.PermissionRequested("tools001", "req-2", "Write", {"file_path": "/etc/x"}))
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert ("answer_permission", "tools001", "req-2", "deny") in app.engine.calls


async def test_retry_and_failure_show_in_status_and_notifications(seeded):
    store, _ = seeded
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot, "tools001")
        app.emit_engine_event(ev.ProcessStateChanged("tools001", "retrying", "1/3", busy=True))
        app.emit_engine_event(ev.ApiRetry("tools001", attempt=1, max_retries=3, delay_ms=2000, error="overloaded"))
        await pilot.pause()
        assert "retrying 1/3" in screen_text(app)
        assert notified(app, "retrying 1/3")
        store.update_session("tools001", status="failed")
        app.emit_engine_event(ev.ProcessStateChanged("tools001", "warm"))
        app.emit_engine_event(ev.SessionFailed("tools001", "claude could not reach the API: check the network",
                                               kind="api_error"))
        await pilot.pause()
        assert ("error", "claude could not reach the API: check the network") in notifications(app)
        assert "failed" in screen_text(app)
        assert "Traceback" not in screen_text(app)


async def test_escape_sequences_never_reach_the_screen(data_dir, project):
    from ccsess.core.store.store import Store

    store = Store(data_dir)
    session = store.create_session("evil\x1b]0;pwned\x07", str(project))
    store.append_message(session.id, message("assistant", text("red \x1b[31mtext\x1b[0m and \x1b]52;c;aGk=\x07"),
                                             {"type": "tool_use", "id": "t", "name": "Bash",
                                              "input": {"command": "echo \x1b[2J"}}))
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot, session.id)
        app.emit_engine_event(ev.TextDelta(session.id, "live \x1b[5mblink"))
        await pilot.pause()
        shown = screen_text(app)
        assert "\x1b" not in shown and "\x07" not in shown
        assert "red ␛[31mtext␛[0m" in shown and "live ␛[5mblink" in shown


async def test_long_session_opens_with_recent_messages_and_loads_earlier(data_dir, project):
    from ccsess.core.store.store import Store

    store = Store(data_dir)
    session = store.create_session("long", str(project))
    for number in range(100):
        role = "user" if number % 2 == 0 else "assistant"
        store.append_message(session.id, message(role, text(f"message number {number}"), id=f"msg{number:03d}"))
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot, session.id)
        conversation = app.main_screen.conversation
        ids = [v.message.id for v in conversation.message_views]
        assert ids[-1] == "msg099" and len(ids) == 30
        assert conversation.scroll_y == conversation.max_scroll_y
        conversation.scroll_to(y=0, animate=False, immediate=True)
        await wait_until(pilot, lambda: len(conversation.message_views) > 30)
        assert conversation.message_views[0].message.id == "msg040"
        for _ in range(20):
            if not conversation.has_earlier:
                break
            await conversation.load_earlier()
            await pilot.pause()
        assert len(conversation.message_views) == 100
        assert [v.message.id for v in conversation.message_views] == [f"msg{n:03d}" for n in range(100)]


async def test_one_megabyte_reply_renders_only_its_tail(data_dir, project):
    from ccsess.app.widgets.chunked_markdown import ChunkedMarkdown
    from ccsess.core.store.store import Store

    store = Store(data_dir)
    session = store.create_session("huge", str(project))
    paragraphs = "\n\n".join(f"Paragraph {n}: " + "lorem ipsum " * 40 for n in range(2000))
    store.append_message(session.id, message("assistant", text(paragraphs)))
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot, session.id)
        chunks = app.main_screen.query_one(ChunkedMarkdown)
        assert chunks.chunk_count <= 3 and chunks.hidden_chars > 900_000
        assert "Paragraph 1999" in screen_text(app)
        before_count, before_hidden = chunks.chunk_count, chunks.hidden_chars
        await app.main_screen.conversation.load_earlier()
        assert chunks.chunk_count > before_count and chunks.hidden_chars < before_hidden
        assert chunks.text == paragraphs


async def test_theme_choice_persists_and_bad_theme_is_reported(seeded, tmp_path):
    from ccsess.app.themes import shipped_theme_dirs

    store, _ = seeded
    user_themes = tmp_path / "user-themes"
    user_themes.mkdir()
    (user_themes / "broken.toml").write_text("name = \"broken\"\nprimary = \"not-a-colour\"\n")
    (user_themes / "mine.toml").write_text("name = \"mine\"\nprimary = \"#ff0000\"\ndark = true\n")
    app = build(store, theme_dirs=[*shipped_theme_dirs(), user_themes])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "ccsess-dark"
        assert {"ccsess-dark", "ccsess-light", "ccsess-gruvbox", "ccsess-nord", "mine"} <= set(app.available_themes)
        assert notified(app, "broken.toml")
        dark_background = app.screen.styles.background
        app.theme = "ccsess-light"
        await pilot.pause()
        assert app.screen.styles.background != dark_background, "a theme chosen later restyles the screen"
    assert store.get_setting("theme") == "ccsess-light"
    again = build(store)
    async with again.run_test(size=SIZE) as pilot:
        assert again.theme == "ccsess-light"


async def test_keymap_from_config_rebinds(seeded):
    store, _ = seeded
    app = build(store, Config(keymap={"new-session": "f2", "nonsense": "f1"}))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert notified(app, "unknown action 'nonsense'")
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, NewSessionDialog)


async def test_store_problems_are_notified(seeded):
    store, _ = seeded
    store.problems.append("session abc was unreadable and was moved aside")
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert notified(app, "moved aside")


async def test_quit_shuts_the_engine_down(seeded):
    store, _ = seeded
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert ("shutdown",) in app.engine.calls
