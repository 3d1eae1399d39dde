"""Default key bindings, each with an id so users can rebind it from ``keymap`` in config.toml."""

from __future__ import annotations

from collections.abc import Mapping

from textual.binding import Binding

NEWLINE_KEYS = ("ctrl+j", "shift+enter", "alt+enter")

SCREEN_BINDINGS = [
    Binding("ctrl+n", "new_session", "New", id="new_session"),
    Binding("ctrl+b", "branch", "Branch", id="branch"),
    # ctrl+r in the prompt searches earlier prompts, as in Claude Code; alt+r regenerates from anywhere.
    Binding("alt+r,ctrl+r", "regenerate", "Regenerate", id="regenerate"),
    Binding("ctrl+t", "flip_version", "Version", id="flip_version"),
    Binding("escape", "stop", "Stop", id="stop"),
    Binding("ctrl+s", "export", "Export", id="export"),
    Binding("ctrl+o", "switch_model", "Model", id="switch_model"),
    Binding("shift+tab", "cycle_mode", "Mode", id="cycle_mode", priority=True),
    Binding("alt+w", "next_waiting", "Waiting", id="next_waiting", priority=True),
    Binding("alt+s", "toggle_sidebar", "Sidebar", id="toggle_sidebar", priority=True, show=False),
    Binding("alt+n", "go_to_notified", "Notified", id="go_to_notified", priority=True, show=False),
    Binding("ctrl+f", "focus_filter", "Find", id="focus_filter", show=False),
    Binding("ctrl+g", "search_messages", "Search", id="search", show=False),
    Binding("ctrl+l", "focus_prompt", "Prompt", id="focus_prompt", show=False),
]

APP_BINDINGS = [
    Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
    Binding("ctrl+p", "command_palette", "Palette", id="command_palette", priority=True, show=False),
]

BINDING_IDS = frozenset(
    binding.id for binding in SCREEN_BINDINGS + APP_BINDINGS if binding.id is not None
) | {"copy_message", "branch_here", "diff_turn", "diff_session", "rewind_files", "page_up", "page_down",
      "conversation_start", "conversation_end", "focus_messages", "open_editor", "search_history"}


def keymap_from_config(keymap: Mapping[str, object] | None) -> tuple[dict[str, str], list[str]]:
    """Translate config ``keymap`` (action -> key) into Textual's binding-id keymap.

    Action names may use dashes or underscores (``new-session`` or ``new_session``). Returns the keymap and a list of
    problems to show the user (unknown actions, values that are not key strings).
    """
    result: dict[str, str] = {}
    problems: list[str] = []
    for action, keys in (keymap or {}).items():
        binding_id = str(action).strip().replace("-", "_").lower()
        if binding_id not in BINDING_IDS:
            problems.append(f"keymap: unknown action {action!r}")
            continue
        if isinstance(keys, list) and all(isinstance(key, str) for key in keys):
            keys = ",".join(keys)
        if not isinstance(keys, str) or not keys.strip():
            problems.append(f"keymap: {action!r} needs a key such as \"ctrl+k\"")
            continue
        result[binding_id] = keys.replace(" ", "")
    return result, problems
