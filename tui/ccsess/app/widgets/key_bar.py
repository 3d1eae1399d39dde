"""The keys that apply now, on one line at the bottom: a click runs the key.

Textual's ``Footer`` makes a widget per key and restyles them all whenever the bindings change; drawn as one line,
the bar costs the first frame and every change of keys a single widget.
"""

from __future__ import annotations

from textual import events
from textual.content import Content
from textual.widget import Widget

_KEY = "bold $footer-key-foreground on $footer-key-background"
_DESCRIPTION = "$footer-description-foreground on $footer-description-background"


class KeyBar(Widget):
    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; background: $footer-background; color: $footer-foreground; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._spans: list[tuple[int, int, str, bool]] = []  # start, end, key, enabled

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen) -> None:
        self.refresh()

    def _keys(self) -> tuple[list[tuple[str, str, str, bool]], tuple[str, str, str, bool] | None]:
        """(key, shown key, description, enabled) of the shown bindings, and the command palette's apart."""
        active = self.screen.active_bindings
        palette_key = self.app.COMMAND_PALETTE_BINDING if self.app.ENABLE_COMMAND_PALETTE else None
        shown, seen = [], set()
        palette = None
        for key, (_node, binding, enabled, _tooltip) in active.items():
            if key == palette_key:
                palette = (binding.key, self.app.get_key_display(binding), binding.description, enabled)
            elif binding.show and binding.action not in seen:
                seen.add(binding.action)
                shown.append((binding.key, self.app.get_key_display(binding), binding.description, enabled))
        return shown, palette

    def render(self) -> Content:
        shown, palette = self._keys()
        right = [] if palette is None else [(f" {palette[1]} ", _KEY), (f"{palette[2]} ", _DESCRIPTION)]
        room = self.size.width - sum(len(text) for text, _ in right) - (1 if right else 0)
        parts: list[tuple[str, str]] = []
        spans: list[tuple[int, int, str, bool]] = []
        x = 0
        for key, display, description, enabled in shown:
            dim = "" if enabled else " dim"
            piece = [(f" {display} ", _KEY + dim), (f"{description} " if description else "", _DESCRIPTION + dim)]
            width = sum(len(text) for text, _ in piece)
            if x + width > room:
                break  # the keys that do not fit are left out whole; the palette key stays
            spans.append((x, x + width, key, enabled))
            parts.extend(piece)
            x += width
        if palette is not None:
            gap = max(1, self.size.width - x - sum(len(text) for text, _ in right))
            parts.append((" " * gap, ""))
            spans.append((x + gap, self.size.width, palette[0], palette[3]))
            parts.extend(right)
        self._spans = spans
        return Content.assemble(*parts)

    def on_click(self, event: events.Click) -> None:
        for start, end, key, enabled in self._spans:
            if start <= event.x < end:
                if enabled:
                    self.app.simulate_key(key)
                else:
                    self.app.bell()
                return
