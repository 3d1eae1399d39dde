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
