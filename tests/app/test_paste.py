"""A long paste folds into one line of the prompt, unfolds on a click, and is sent whole. Pastes are posted to the
app, as the terminal driver does, and the app hands them to the focused prompt."""

from __future__ import annotations

from textual import events

from support.app_kit import wait_until

SIZE = (120, 36)
SID = "tools001"


async def test_a_long_paste_is_folded_sent_whole_and_unfolds_on_click(app):
    log = "\n".join(f"line {n}: something happened" for n in range(1, 341))
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        await screen.open_session(SID)
        prompt = screen.prompt
        prompt.focus()
        await pilot.press(*"why does this fail? ")
        app.post_message(events.Paste(log))
        await wait_until(pilot, lambda: prompt.text == "why does this fail? [pasted 340 lines #1]")
        assert prompt.full_text == "why does this fail? " + log
        app.post_message(events.Paste("a short one"))
        await wait_until(pilot, lambda: prompt.text.endswith("#1]a short one"))
        app.post_message(events.Paste("x" * 2_500))
        await wait_until(pilot, lambda: prompt.text.endswith("[pasted 2,500 characters #2]"))
        await pilot.press("enter")
        await wait_until(pilot, lambda: any(call[0] == "send" for call in app.engine.calls))
        assert app.engine.calls[-1] == ("send", SID, "why does this fail? " + log + "a short one" + "x" * 2_500)
        assert prompt.text == "" and prompt.pastes == {}

        app.post_message(events.Paste(log))
        await wait_until(pilot, lambda: prompt.text == "[pasted 340 lines #1]")
        app.post_message(events.Paste("y" * 3_000))
        await wait_until(pilot, lambda: prompt.text.endswith("#2]"))
        await pilot.click(prompt, offset=(6, 1))  # the first one unfolds
        await wait_until(pilot, lambda: prompt.text.startswith(log) and prompt.text.endswith("#2]"))
        prompt.move_cursor(prompt.document.end)
        app.post_message(events.Paste("z" * 3_000))  # numbered after the one still folded
        await wait_until(pilot, lambda: prompt.text.endswith("[pasted 3,000 characters #3]"))
        assert prompt.full_text == log + "y" * 3_000 + "z" * 3_000


async def test_what_is_typed_before_the_text_box_comes_is_handed_to_it():
    from textual.app import App

    from ccsess.app.widgets.prompt import PromptInput
    from ccsess.app.widgets.prompt_placeholder import PromptPlaceholder

    sent: list[str] = []

    class Starting(App):
        def compose(self):
            yield PromptPlaceholder()

        def on_prompt_input_submitted(self, event: PromptInput.Submitted) -> None:
            sent.append(event.text)

    app = Starting()
    async with app.run_test() as pilot:
        placeholder = app.query_one(PromptPlaceholder)
        placeholder.focus()
        await pilot.press(*"hi there", "enter", *"next")
        assert app.focused is placeholder and not sent
        prompt = PromptInput(id="prompt")
        await app.mount(prompt)
        prompt.focus()
        placeholder.hand_over(prompt)
        await wait_until(pilot, lambda: sent == ["hi there"] and prompt.text == "next")
