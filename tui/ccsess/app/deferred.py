"""What the first frame does without: imported where first used, or in the background once the frame is drawn."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING

from ccsess.app import gc_tuning

if TYPE_CHECKING:
    from ccsess.app.widgets.prompt import PromptInput

IMPORTED_IN_BACKGROUND = ("ccsess.core.claude.events", "ccsess.app.screens.dialogs", "ccsess.core.transfer.export",
                          "ccsess.app.screens.completions")


def engine_events() -> ModuleType:
    """The engine's event classes, imported when the first session opens or the first event arrives: building
    their dataclasses takes tens of milliseconds that the first frame does not wait for."""
    from ccsess.core.claude import events

    return events


def prompt_class() -> type[PromptInput]:
    """The prompt box's class, imported once the first frame is drawn (it is a TextArea, which the first frame
    does without: ``PromptPlaceholder`` stands in for it)."""
    from ccsess.app.widgets.prompt import PromptInput

    return PromptInput


def import_the_rest() -> None:
    """Run in a thread after the first frame: what opening a session or a dialog needs, so it is there when it is
    asked for; then the objects of the started app are frozen (``gc_tuning``)."""
    try:
        for module in IMPORTED_IN_BACKGROUND:
            importlib.import_module(module)
        importlib.import_module("ccsess.app.widgets.markdown_render").prepare_highlighters()
    except Exception:
        pass  # whatever failed here is imported again where it is used, and reported there
    gc_tuning.freeze_long_lived()
