"""Modal dialogs: text prompts (rename, export path), new session, confirm, permission requests."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static

from ccsess.app.widgets.tool_preview import tool_preview
from ccsess.core.text import visible_text


class _Dialog(ModalScreen):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def action_cancel(self) -> None:
        self.dismiss(None)


class _FormDialog(_Dialog):
    """A dialog of fields with OK and Cancel buttons."""

    def _submit(self) -> None:
        """Check the fields: show what is wrong, or dismiss with their values (each dialog says how)."""

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        self._submit()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


class TextPromptDialog(_FormDialog):
    """One text field with a title; returns the text or None."""

    def __init__(self, title: str, label: str, value: str = "", *, confirm: str = "OK",
                 dialog_id: str = "text-prompt") -> None:
        super().__init__(id=dialog_id)
        self._heading = title
        self._label = label
        self._value = value
        self._confirm = confirm

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Content(self._heading), classes="dialog-title")
            yield Label(Content(self._label), classes="field-label")
            yield Input(self._value, id="dialog-input", select_on_focus=False)
            yield Static("", id="dialog-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self._confirm, variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def validate(self, value: str) -> str | None:
        return None if value.strip() else "This cannot be empty."

    def _submit(self) -> None:
        value = self.query_one("#dialog-input", Input).value.strip()
        problem = self.validate(value)
        if problem:
            self.query_one("#dialog-error", Static).update(Content(problem))
            return
        self.dismiss(value)

    @on(Input.Submitted)
    def _input_submitted(self) -> None:
        self._submit()


class ExportDialog(TextPromptDialog):
    """Where to write the Markdown export; the folder must exist."""

    def __init__(self, default_path: str) -> None:
        super().__init__("Export to Markdown", "File", default_path, confirm="Export", dialog_id="export-dialog")

    def validate(self, value: str) -> str | None:
        if not value:
            return "Give a file name."
        path = Path(os.path.expanduser(value))
        if path.is_dir():
            return "That is a folder; give a file name."
        if not path.parent.is_dir():
            return f"The folder {path.parent} does not exist."
        return None


class NewSessionDialog(_FormDialog):
    """Name and project folder for a new session, and whether it gets its own git worktree; returns
    (name, project, worktree) or None."""

    def __init__(self, name: str, project: str, worktree: bool = False) -> None:
        super().__init__(id="new-session-dialog")
        self._name = name
        self._project = project
        self._worktree = worktree

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("New session", classes="dialog-title")
            yield Label("Name", classes="field-label")
            yield Input(self._name, id="session-name")
            yield Label("Project folder (claude runs there)", classes="field-label")
            yield Input(self._project, id="session-project")
            yield Checkbox("Its own git worktree, on a new branch ccsess/<name>", self._worktree,
                           id="session-worktree")
            yield Static("", id="dialog-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Create", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def _submit(self) -> None:
        name = self.query_one("#session-name", Input).value.strip()
        project = os.path.expanduser(self.query_one("#session-project", Input).value.strip())
        error = self.query_one("#dialog-error", Static)
        if not name:
            error.update("Give the session a name.")
            return
        if not project or not Path(project).is_dir():
            error.update(Content(f"No such folder: {project or '(empty)'}"))
            return
        self.dismiss((name, str(Path(project).resolve()), self.query_one("#session-worktree", Checkbox).value))

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "session-name":
            self.query_one("#session-project", Input).focus()
        else:
            self._submit()


class LimitsDialog(_FormDialog):
    """A session's turn and budget limits; empty means none of its own. Returns (max_turns, max_budget_usd)."""

    def __init__(self, max_turns: int | None, max_budget_usd: float | None, spent: str) -> None:
        super().__init__(id="limits-dialog")
        self._turns = "" if max_turns is None else str(max_turns)
        self._budget = "" if max_budget_usd is None else f"{max_budget_usd:g}"
        self._spent = spent

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Limits of this session", classes="dialog-title")
            yield Static(Content(self._spent), classes="dialog-text")
            yield Label("Most turns (empty: the config's default)", classes="field-label")
            yield Input(self._turns, id="max-turns", type="integer")
            yield Label("Budget in US dollars (empty: the config's default)", classes="field-label")
            yield Input(self._budget, id="max-budget", type="number")
            yield Static("", id="dialog-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Set", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def _submit(self) -> None:
        from ccsess.core.config import limit_budget, limit_turns

        values: list[int | float | None] = []
        for field_id, check, parse in (("#max-turns", limit_turns, int), ("#max-budget", limit_budget, float)):
            text = self.query_one(field_id, Input).value.strip()
            try:
                values.append(check(parse(text)) if text else None)
            except ValueError as error:
                label = "Turns" if field_id == "#max-turns" else "Budget"
                self.query_one("#dialog-error", Static).update(Content(f"{label} {error}"))
                return
        self.dismiss(tuple(values))

    @on(Input.Submitted)
    def _input_submitted(self) -> None:
        self._submit()


class ConfirmDialog(_Dialog):
    """A yes/no question; returns True or False."""

    BINDINGS = [Binding("escape,n", "cancel", "No"), Binding("y", "confirm", "Yes")]

    def __init__(self, title: str, question: str, *, confirm: str = "Delete") -> None:
        super().__init__(id="confirm-dialog")
        self._heading = title
        self._question = question
        self._confirm = confirm

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Content(self._heading), classes="dialog-title")
            yield Static(Content(self._question), classes="dialog-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self._confirm, variant="error", id="ok")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "ok")


class PermissionDialog(_Dialog):
    """claude asks to use a tool: Allow once, Allow for this session, or Deny. Returns the decision."""

    BINDINGS = [
        Binding("a", "decide('allow')", "Allow once"),
        Binding("s", "decide('allow_session')", "Allow for session"),
        Binding("r", "decide('allow_rule')", "Always allow the rule"),
        Binding("d,escape", "decide('deny')", "Deny"),
    ]

    def __init__(self, session_name: str, tool_name: str, tool_input: Any, description: str = "", *,
                 blocked_path: str = "", rule: str = "") -> None:
        super().__init__(id="permission-dialog")
        self._session_name = session_name
        self._tool_name = tool_name
        self._tool_input = tool_input
        self._description = description
        self._blocked_path = blocked_path
        self._rule = rule

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog permission"):
            yield Label(Content.assemble("Allow ", (visible_text(self._tool_name), "bold"), "?"), classes="dialog-title")
            yield Static(Content(f"claude wants to use a tool in “{visible_text(self._session_name)}”."),
                         classes="dialog-text")
            if self._description and self._tool_name != "Bash":
                yield Static(Content(visible_text(self._description)), classes="dialog-text")
            if self._blocked_path:
                yield Static(Content.assemble(("outside the allowed folders: ", "$text-warning"),
                                              visible_text(self._blocked_path)), classes="dialog-text")
            with VerticalScroll(classes="tool-input"):
                yield Static(tool_preview(self._tool_name, self._tool_input))
            with Horizontal(classes="dialog-buttons"):
                yield Button(Content("Allow once [a]"), variant="primary", id="allow")
                yield Button(Content(f"Allow {visible_text(self._tool_name)} for session [s]"), id="allow_session")
                if self._rule:
                    yield Button(Content(f"Always allow {visible_text(self._rule)} [r]"), id="allow_rule")
                yield Button(Content("Deny [d]"), variant="error", id="deny")

    def on_mount(self) -> None:
        self.query_one("#allow", Button).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return bool(self._rule) or parameters != ("allow_rule",)

    def action_decide(self, decision: str) -> None:
        self.dismiss(decision)

    def action_cancel(self) -> None:
        self.dismiss("deny")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id)
