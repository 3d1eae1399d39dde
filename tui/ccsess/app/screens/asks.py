"""What claude asks of the user, answered the way it asks: a question card and a plan review.

``QuestionCard`` shows each question with its numbered options and a free "Other" answer; it dismisses with
the answers (question text -> answer) or None when the user declines. ``PlanReview`` shows the plan as Markdown
and dismisses with ``(decision, note)``: approve, approve and accept edits, or keep planning with a note.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Markdown, Static

from ccsess.core.claude.asks import Question, answer_text
from ccsess.core.errors import StoreError
from ccsess.core.text import visible_text

DIGITS = "123456789"


class OptionRow(Static):
    """One option of a question: ``[x] 2. Label  description``; a click picks it."""

    def __init__(self, question: int, option: int) -> None:
        super().__init__(classes="option")
        self.question = question
        self.option = option

    def on_click(self) -> None:
        self.screen.pick(self.question, self.option)  # type: ignore[attr-defined]


class QuestionCard(ModalScreen[dict[str, str] | None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("escape", "decline", "Decline"),
        Binding("enter", "submit", "Answer", priority=True),
        Binding("up", "move(-1)", "Previous", show=False),
        Binding("down", "move(1)", "Next", show=False),
        Binding("space", "toggle", "Toggle", show=False),
        *(Binding(d, f"pick_number({d})", show=False) for d in DIGITS),
    ]

    def __init__(self, session_name: str, questions: tuple[Question, ...]) -> None:
        super().__init__(id="question-card")
        self._session_name = session_name
        self.questions = questions
        self.chosen: list[set[int]] = [set() for _ in questions]
        self.current = 0
        self.cursor = [0 for _ in questions]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog question"):
            yield Label(Content.assemble("claude asks", (f" in “{visible_text(self._session_name)}”", "$text-muted")),
                        classes="dialog-title")
            with VerticalScroll(classes="questions"):
                for qi, question in enumerate(self.questions):
                    with Vertical(classes="question-block", id=f"question-{qi}"):
                        header = f"{visible_text(question.header)} · " if question.header else ""
                        kind = "choose any" if question.multi_select else "choose one"
                        yield Static(Content.assemble((header, "bold $accent"), (visible_text(question.question),
                                                                                  "bold"), (f"  ({kind})",
                                                                                            "$text-muted")),
                                     classes="question-text")
                        for oi in range(len(question.options)):
                            yield OptionRow(qi, oi)
                        yield Input(placeholder="Other: type your own answer", id=f"other-{qi}",
                                    classes="other-answer")
            yield Static(Content(self._hint()), classes="dialog-hint")
            with Horizontal(classes="dialog-buttons"):
                yield Button(Content("Answer [enter]"), variant="primary", id="answer")
                yield Button(Content("Decline [esc]"), variant="error", id="decline")

    def _hint(self) -> str:
        keys = "1-9 pick · ↑↓ move · space toggles · Enter answers · Esc declines"
        return keys if len(self.questions) > 1 or self.questions[0].multi_select else "1-9 answers at once · " + keys

    def on_mount(self) -> None:
        self._redraw()
        self.query_one("#answer", Button).focus()

    def _redraw(self) -> None:
        for row in self.query(OptionRow):
            question = self.questions[row.question]
            option = question.options[row.option]
            picked = row.option in self.chosen[row.question]
            mark = ("[x] " if picked else "[ ] ") if question.multi_select else ("(•) " if picked else "( ) ")
            here = row.question == self.current and row.option == self.cursor[row.question]
            row.update(Content.assemble((mark, "bold $accent" if picked else "$text-muted"),
                                        (f"{row.option + 1}. ", "$text-muted"), (visible_text(option.label), "bold"),
                                        (f"  {visible_text(option.description)}" if option.description else "",
                                         "$text-muted")))
            row.set_class(here, "-cursor")
            row.set_class(picked, "-picked")

    def pick(self, question: int, option: int) -> None:
        """Pick an option (toggle it in a multi-select question); a lone single-select question is answered."""
        if not 0 <= option < len(self.questions[question].options):
            return
        self.current, self.cursor[question] = question, option
        chosen = self.chosen[question]
        if self.questions[question].multi_select:
            chosen.symmetric_difference_update({option})
        else:
            chosen.clear()
            chosen.add(option)
            if len(self.questions) == 1:
                self.action_submit()
                return
            self.current = min(question + 1, len(self.questions) - 1)
        self._redraw()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While an "Other" answer is typed, digits and spaces are text.
        return not (action in ("pick_number", "toggle") and isinstance(self.focused, Input))

    def action_pick_number(self, number: int) -> None:
        self.pick(self.current, number - 1)

    def action_move(self, step: int) -> None:
        count = len(self.questions[self.current].options)
        position = self.cursor[self.current] + step
        if position >= count and self.current < len(self.questions) - 1:
            self.current, position = self.current + 1, 0
        elif position < 0 and self.current > 0:
            self.current -= 1
            position = len(self.questions[self.current].options) - 1
        self.cursor[self.current] = max(0, min(position, len(self.questions[self.current].options) - 1))
        self._redraw()

    def action_toggle(self) -> None:
        self.pick(self.current, self.cursor[self.current])

    def answers(self) -> dict[str, str] | None:
        """Each question's answer, or None while one has neither an option nor an "Other" answer."""
        answers = {}
        for qi, question in enumerate(self.questions):
            labels = [question.options[i].label for i in sorted(self.chosen[qi])]
            other = self.query_one(f"#other-{qi}", Input).value
            text = answer_text([*labels, other])
            if not text:
                return None
            answers[question.question] = text
        return answers

    def action_submit(self) -> None:
        answers = self.answers()
        if answers is None:
            self.notify("Pick an option or type an answer for every question.", severity="warning", timeout=4)
            return
        self.dismiss(answers)

    def action_decline(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#answer")
    def _answer(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#decline")
    def _decline(self) -> None:
        self.action_decline()


class PlanReview(ModalScreen[tuple[str, str]]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("a", "decide('approve')", "Approve"),
        Binding("e", "decide('approve_edits')", "Approve, accept edits"),
        Binding("k", "keep", "Keep planning"),
        Binding("escape", "decide('keep')", "Keep planning"),
    ]

    def __init__(self, session_name: str, plan: str) -> None:
        super().__init__(id="plan-review")
        self._session_name = session_name
        self._plan = plan

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog plan"):
            yield Label(Content.assemble("claude's plan", (f" for “{visible_text(self._session_name)}”",
                                                            "$text-muted")), classes="dialog-title")
            with VerticalScroll(classes="plan-text"):
                yield Markdown(visible_text(self._plan) or "*(claude sent no plan text)*")
            yield Input(placeholder="What should claude change? Enter sends, Esc keeps planning without a note",
                        id="plan-note")
            with Horizontal(classes="dialog-buttons"):
                yield Button(Content("Approve [a]"), variant="primary", id="approve")
                yield Button(Content("Approve, accept edits [e]"), id="approve_edits")
                yield Button(Content("Keep planning [k]"), variant="warning", id="keep")

    def on_mount(self) -> None:
        self.query_one("#plan-note", Input).display = False
        self.query_one("#approve", Button).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While the note is typed, letters are text; Escape still keeps planning without a note.
        return parameters == ("keep",) or not isinstance(self.focused, Input)

    def action_decide(self, decision: str) -> None:
        self.dismiss((decision, ""))

    def action_keep(self) -> None:
        note = self.query_one("#plan-note", Input)
        note.display = True
        note.focus()

    @on(Input.Submitted, "#plan-note")
    def _note(self, event: Input.Submitted) -> None:
        self.dismiss(("keep", event.value))

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "keep":
            self.action_keep()
        elif event.button.id:
            self.dismiss((event.button.id, ""))


def open_request(app: Any, engine: Any, event: Any, then: Any) -> None:
    """Push the screen that answers a request of claude (a question, a plan, a tool permission) and send the
    answer through the engine, off the event loop; ``then`` runs once it is sent."""
    from ccsess.app.screens.dialogs import PermissionDialog
    from ccsess.core.claude import events as ev
    from ccsess.core.claude.requests import rule_text, suggested_rules

    sid, request_id = event.session_id, event.request_id
    name = sid
    try:
        name = app.store.get_session(sid).name
    except StoreError:
        pass
    if isinstance(event, ev.QuestionAsked):
        def answered(answers: dict[str, str] | None) -> None:
            app.call_engine("Could not answer the question",
                            lambda: engine.answer_question(sid, request_id, answers), then)

        app.push_screen(QuestionCard(name, event.questions), answered)
    elif isinstance(event, ev.PlanProposed):
        def decided(choice: tuple[str, str] | None) -> None:
            decision, note = choice or ("keep", "")
            app.call_engine("Could not answer the plan",
                            lambda: engine.answer_plan(sid, request_id, decision, note), then)

        app.push_screen(PlanReview(name, event.plan), decided)
    else:
        def allowed(decision: str | None) -> None:
            app.call_engine("Could not answer the permission request",
                            lambda: engine.answer_permission(sid, request_id, decision or "deny"), then)

        rules = suggested_rules(event)
        app.push_screen(PermissionDialog(name, event.tool_name, event.tool_input, event.description,
                                         blocked_path=event.blocked_path,
                                         rule=", ".join(rule_text(r) for r in rules)), allowed)
