"""SVG snapshots of the main views (update with ``pytest --snapshot-update tests/app/test_snapshots.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccsess.app import make_app
from ccsess.app.widgets.blocks import ToolCallView
from ccsess.core.claude import events as ev
from ccsess.core.config import Config
from ccsess.core.store.store import Store
from ccsess.core.claude.asks import read_questions
from support.app_kit import NOW, ScriptedEngine, fixed_clock, message, text
from support.mock_scenarios import MULTI_QUESTION, PLAN, QUESTION

SIZE = (110, 32)
PROJECT = "/srv/ccsess-demo/api"


def demo_store(data_dir: Path) -> Store:
    store = Store(data_dir)
    chat = store.create_session("fix the failing test", PROJECT, model="sonnet", id="demo0001")
    store.append_message(chat.id, message("user", text("The test for `parse_date` fails. Can you look?"),
                                          id="s-1"))
    store.append_message(chat.id, message(
        "assistant", text("I'll run the test first."),
        {"type": "tool_use", "id": "toolu_9", "name": "Bash",
         "input": {"command": "pytest -q tests/test_dates.py"}},
        model="claude-sonnet-4-5", id="s-2"))
    store.append_message(chat.id, message(
        "user", {"type": "tool_result", "tool_use_id": "toolu_9",
                 "content": "F\nAssertionError: 2024-02-30 accepted\n1 failed in 0.02s"}, id="s-3"))
    store.append_message(chat.id, message(
        "assistant",
        text("The parser accepts **February 30**. Validate the day with `calendar.monthrange`:\n\n"
             "```python\nlast = calendar.monthrange(year, month)[1]\nif not 1 <= day <= last:\n"
             "    raise ValueError(day)\n```"),
        model="claude-sonnet-4-5", id="s-4"))
    store.add_totals(chat.id, cost_usd=0.0412, input_tokens=15300, output_tokens=412, turns=1)
    store.update_session(chat.id, last_active=NOW - 300)
    branch = store.create_session("fix the failing test (branch)", PROJECT, parent_id=chat.id, id="demo0002")
    store.update_session(branch.id, last_active=NOW - 3 * 3600)
    other = store.create_session("release notes", "/srv/ccsess-demo/docs", id="demo0003", status="failed")
    store.update_session(other.id, last_active=NOW - 2 * 86400)
    return store


def build(store: Store, **kwargs):
    return make_app(store, Config(), engine_factory=ScriptedEngine, clock=fixed_clock, system_clipboard=False,
                    default_project=PROJECT, **kwargs)


async def quiet(pilot) -> None:
    await pilot.pause()
    pilot.app.main_screen.prompt.cursor_blink = False
    await pilot.pause()


async def open_demo(pilot) -> None:
    await quiet(pilot)
    await pilot.app.main_screen.open_session("demo0001")
    pilot.app.main_screen.query_one(ToolCallView).collapsed = False
    pilot.app.main_screen.prompt.focus()
    await pilot.pause()


def test_empty_state(snap_compare, tmp_path):
    assert snap_compare(build(Store(tmp_path / "data")), terminal_size=SIZE, run_before=quiet)


def test_conversation_with_tool_call(snap_compare, tmp_path):
    assert snap_compare(build(demo_store(tmp_path / "data")), terminal_size=SIZE, run_before=open_demo)


def test_permission_dialog(snap_compare, tmp_path):
    async def ask(pilot) -> None:
        await open_demo(pilot)
        pilot.app.emit_engine_event(ev.PermissionRequested(
            "demo0001", "req-1", "Bash", {"command": "rm -rf build/ && make test",
                                          "description": "Clean and rebuild"}))
        await pilot.pause()

    assert snap_compare(build(demo_store(tmp_path / "data")), terminal_size=SIZE, run_before=ask)


def test_edit_diff_dialog(snap_compare, tmp_path):
    async def ask(pilot) -> None:
        await open_demo(pilot)
        pilot.app.emit_engine_event(ev.PermissionRequested("demo0001", "req-2", "Edit", {
            "file_path": f"{PROJECT}/dates.py",
            "old_string": "def parse_date(text):\n    return datetime.strptime(text, \"%d/%m/%Y\")",
            "new_string": "def parse_date(text):\n    text = text.strip()\n    return datetime.strptime(text, \"%Y-%m-%d\")"}))
        await pilot.pause()

    assert snap_compare(build(demo_store(tmp_path / "data")), terminal_size=SIZE, run_before=ask)


def test_question_card(snap_compare, tmp_path):
    async def ask(pilot) -> None:
        await open_demo(pilot)
        pilot.app.emit_engine_event(ev.QuestionAsked("demo0001", "q-1", read_questions(
            {"questions": [QUESTION, MULTI_QUESTION]})))
        await pilot.pause()
        await pilot.press("1", "down", "2")
        await pilot.pause()

    assert snap_compare(build(demo_store(tmp_path / "data")), terminal_size=SIZE, run_before=ask)


def test_plan_review(snap_compare, tmp_path):
    async def propose(pilot) -> None:
        await open_demo(pilot)
        pilot.app.emit_engine_event(ev.PlanProposed("demo0001", "p-1", PLAN))
        await pilot.pause()

    assert snap_compare(build(demo_store(tmp_path / "data")), terminal_size=SIZE, run_before=propose)


def test_small_terminal(snap_compare, tmp_path):
    """At 80x24 the session list narrows, the conversation, prompt and status line stay usable."""
    assert snap_compare(build(demo_store(tmp_path / "data")), terminal_size=(80, 24), run_before=open_demo)


def test_light_theme(snap_compare, tmp_path):
    store = demo_store(tmp_path / "data")
    store.set_setting("theme", "ccsess-light")
    assert snap_compare(build(store), terminal_size=SIZE, run_before=open_demo)


@pytest.mark.parametrize("theme", ["ccsess-gruvbox", "ccsess-nord"])
def test_palette_themes_load(tmp_path, theme):
    app = build(Store(tmp_path / "data"))
    assert theme in app.available_themes


def test_slash_command_list(snap_compare, tmp_path):
    async def slash(pilot) -> None:
        await open_demo(pilot)
        await pilot.press("/", "c")
        await pilot.pause()

    assert snap_compare(build(demo_store(tmp_path / "data")), terminal_size=SIZE, run_before=slash)


def test_file_picker(snap_compare, tmp_path):
    shop = tmp_path / "shop"
    for name in ("src/cart/checkout.py", "src/cart/__init__.py", "src/cart/prices.py", "src/catalog/search.py",
                 "tests/test_checkout.py", "docs/checkout-flow.md", "README.md"):
        (shop / name).parent.mkdir(parents=True, exist_ok=True)
        (shop / name).write_text(name)
    store = demo_store(tmp_path / "data")
    store.update_session("demo0001", project=str(shop))

    async def mention(pilot) -> None:
        await open_demo(pilot)
        await pilot.press("alt+s")  # the sidebar would show the folder, whose path differs from run to run
        await pilot.press(*"look at @chk")
        menu = pilot.app.main_screen.completion_menu
        for _ in range(200):
            if "src/cart/checkout.py" in menu.items:
                break
            await pilot.pause(0.02)
        await pilot.pause()

    assert snap_compare(build(store), terminal_size=SIZE, run_before=mention)
