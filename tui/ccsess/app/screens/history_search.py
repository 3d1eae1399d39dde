"""ctrl+r in the prompt: search the prompts sent before (this session's first, then every session's) by what is
typed, pick one with up/down and Enter (or Tab) to put it in the prompt; Escape leaves what was typed."""

from __future__ import annotations

from typing import Any

from textual.content import Content
from textual.widgets.option_list import Option

from ccsess.app.widgets.completion_menu import note
from ccsess.core.text import one_line, visible_text

OWNER = "history"
SHOWN = 50


class HistorySearch:
    def __init__(self, screen: Any) -> None:  # the main screen
        self.screen = screen
        self.active = False

    def open(self) -> None:
        self.active = True
        self.prompt_changed(self.screen.prompt.full_text)

    def close(self) -> None:
        self.active = False
        if self.screen.completion_menu.owner == OWNER:
            self.screen.completion_menu.hide()

    def prompt_changed(self, text: str) -> None:
        memory = self.screen.memory
        prompts = memory.browse(self.screen.session_id) if memory is not None else []
        words = text.lower().split()
        found = [prompt for prompt in prompts if all(word in prompt.lower() for word in words)][:SHOWN]
        options = [Option(Content(one_line(visible_text(prompt), 110))) for prompt in found]
        if not found:
            options = [note("No prompt sent before" if not prompts else f"No earlier prompt holds {text.strip()!r}")]
        shown = f"{len(found)} of {len(prompts)}" if words else f"{len(prompts)}"
        self.screen.completion_menu.show(OWNER, found, options,
                                         title=f"Earlier prompts ({shown}): Enter takes one, Escape leaves")

    def menu_key(self, key: str) -> bool:
        if not self.active:
            return False
        menu = self.screen.completion_menu
        if key in ("up", "down"):
            menu.move(key)
            return True
        if key == "escape":
            self.close()
            return True
        if key in ("tab", "enter"):
            chosen = menu.chosen(OWNER)
            self.close()
            if chosen is not None:
                prompt = self.screen.prompt
                prompt.set_full_text(chosen)
                prompt.move_cursor(prompt.document.end)
            return True
        return False
