"""Up and down walk the prompts sent before; a draft is kept per session, also across a restart."""

from __future__ import annotations

from support.app_kit import build_app, seed_store, wait_until

SIZE = (120, 36)


async def test_up_walks_this_sessions_prompts_then_the_others(app):
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        await screen.open_session("older001")
        for text in ("older one", "older two"):
            await pilot.press(*text, "enter")
        await screen.open_session("tools001")
        await pilot.press(*"tools one", "enter")
        await pilot.press(*"half typed")
        prompt = screen.prompt
        seen = []
        for _ in range(4):
            await pilot.press("up")
            seen.append(prompt.text)
        assert seen == ["tools one", "older two", "older one", "older one"], "this session first, then the others"
        await pilot.press("down", "down", "down")
        assert prompt.text == "half typed", "down past the newest gives back what was being typed"


async def test_a_draft_per_session_survives_switching_and_a_restart(data_dir, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    store, _ = seed_store(data_dir, project)
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        await screen.open_session("tools001")
        await pilot.press(*"unsent thought")
        await screen.open_session("older001")
        assert screen.prompt.text == ""
        await pilot.press(*"other draft")
        await screen.open_session("tools001")
        assert screen.prompt.text == "unsent thought"
    again = build_app(store)
    async with again.run_test(size=SIZE) as pilot:
        await again.main_screen.open_session("older001")
        await wait_until(pilot, lambda: again.main_screen.prompt.text == "other draft")


async def test_ctrl_r_searches_the_prompts_sent_before(app):
    from ccsess.app.widgets.prompt import PromptInput

    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.main_screen
        await screen.open_session("tools001")
        memory = screen.memory
        for sid, prompt in (("tools001", "run the unit tests"), ("other", "deploy the docs site"),
                            ("tools001", "fix the failing unit test")):
            memory.sent(sid, prompt)
        prompt = screen.prompt
        prompt.focus()
        await pilot.press("ctrl+r")
        menu = screen.completion_menu
        await wait_until(pilot, lambda: menu.display and menu.owner == "history")
        assert menu.items[:3] == ["fix the failing unit test", "run the unit tests", "deploy the docs site"]
        await pilot.press(*"unit")
        await wait_until(pilot, lambda: menu.items == ["fix the failing unit test", "run the unit tests"])
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: prompt.text == "run the unit tests")
        assert not menu.display and isinstance(app.focused, PromptInput)
        assert not app.engine.calls, "picking a prompt does not send it"

        await pilot.press("ctrl+r", *" docs", "escape")
        await wait_until(pilot, lambda: not menu.display)
        assert prompt.text == "run the unit tests docs"
