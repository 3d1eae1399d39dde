"""Slash commands in the prompt: the completion list, picking with the keys, and ccsess's own commands."""

from __future__ import annotations

from ccsess.app.widgets.prompt import PromptInput
from ccsess.core.claude import events as ev
from support.app_kit import wait_until

SIZE = (120, 36)
SID = "tools001"


def names(app) -> list[str]:
    return [c.name for c in app.main_screen.completion_menu.items]


async def test_slash_opens_the_list_filters_and_tab_completes(app):
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        await screen.open_session(SID)
        project = screen.session.project
        app.emit_engine_event(ev.CommandsListed(SID, ("compact", "context", "cost", "doctor", "deploy-docs"),
                                                ("doctor",)))
        await wait_until(pilot, lambda: project in screen.slash.known)
        await pilot.press("/")
        await wait_until(pilot, lambda: screen.completion_menu.display)
        assert names(app)[:6] == ["model", "mode", "export", "branch", "rename", "resume"]
        assert {"compact", "deploy-docs", "doctor"} <= set(names(app))
        doctor = next(c for c in screen.completion_menu.items if c.name == "doctor")
        assert not doctor.available and "only in claude's own terminal" in doctor.description
        await pilot.press("c", "o")
        await wait_until(pilot, lambda: names(app) == ["compact", "context", "cost"])
        await pilot.press("down", "tab")
        await wait_until(pilot, lambda: screen.prompt.text == "/context ")
        assert not screen.completion_menu.display and isinstance(app.focused, PromptInput)


async def test_ccsess_commands_run_here_and_others_go_to_claude(app):
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        await screen.open_session(SID)
        await pilot.press(*"/model opus")
        await pilot.press("escape", "enter")
        await wait_until(pilot, lambda: ("set_model", SID, "opus") in app.engine.calls)
        await pilot.press(*"/rename parser work", "escape", "enter")
        await wait_until(pilot, lambda: app.store.get_session(SID).name == "parser work")
        await pilot.press(*"/compact", "escape", "enter")
        await wait_until(pilot, lambda: any(m.text == "/compact" for m in app.store.messages(SID)))
        assert not any(m.text.startswith(("/model", "/rename")) for m in app.store.messages(SID)), "ran here"
