"""The lists that open over the prompt, and which of them takes a key: the history search (ctrl+r) while it is
open, else the slash commands after a leading ``/``, else the files after an ``@``."""

from __future__ import annotations

from typing import Any

from ccsess.app.screens.history_search import HistorySearch
from ccsess.app.screens.mentions import FileMentions
from ccsess.app.screens.slash import SlashCommands


class PromptCompletions:
    def __init__(self, screen: Any) -> None:  # the main screen
        self.slash = SlashCommands(screen)
        self.mentions = FileMentions(screen)
        self.history = HistorySearch(screen)

    def menu_key(self, key: str) -> bool:
        return self.history.menu_key(key) or self.slash.menu_key(key) or self.mentions.menu_key(key)

    def prompt_changed(self, prompt: Any) -> None:
        text = prompt.full_text
        if self.history.active:
            self.history.prompt_changed(text)
            return
        self.slash.prompt_changed(text)
        self.mentions.prompt_changed(prompt)
