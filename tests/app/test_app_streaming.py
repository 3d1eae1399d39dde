"""Streaming into the conversation pane: merged deltas, lines drawn in chunks with only recent ones kept, scrolling
back."""

from __future__ import annotations

import threading
from pathlib import Path

from ccsess.app import make_app
from ccsess.app.event_queue import EngineEventQueue
from ccsess.app.widgets.chunked_markdown import KEPT_CHUNKS, ChunkedMarkdown
from ccsess.core.claude import events as ev
from ccsess.core.config import Config
from ccsess.core.models import Message
from support.app_kit import ScriptedEngine, fixed_clock, screen_text, wait_until

SIZE = (120, 36)


def build(store):
    return make_app(store, Config(), engine_factory=ScriptedEngine, clock=fixed_clock, system_clipboard=False)



def finished(conversation) -> bool:
    views = conversation.message_views
    return bool(views) and views[-1].message is not None and views[-1].message.id == "a1"


def long_reply(sections: int) -> str:
    return "".join(f"## Section {n}\n\n" + f"Words of section {n} " * 30 + "\n\n- a point\n- another point\n\n"
                   for n in range(sections))


def open_store(data_dir: Path, project: Path):
    from ccsess.core.store.store import Store

    store = Store(data_dir)
    session = store.create_session("stream", str(project))
    store.append_message(session.id, Message(id="u1", role="user", blocks=[{"type": "text", "text": "go"}]))
    return store, session


def test_queue_merges_consecutive_deltas_of_one_block_and_keeps_order():
    queue = EngineEventQueue()
    assert queue.put(ev.TextDelta("s", "a")) is True
    assert queue.put(ev.TextDelta("s", "b")) is False
    queue.put(ev.TextDelta("t", "other session"))
    queue.put(ev.TextDelta("s", "c"))
    queue.put(ev.ToolUseStarted("s", "tool1", "Bash", 1))
    queue.put(ev.ToolInputDelta("s", "tool1", '{"com'))
    queue.put(ev.ToolInputDelta("s", "tool1", 'mand": "ls"}'))
    queue.put(ev.TextDelta("s", "d", 2))
    queue.put(ev.TextDelta("s", "e", 2))
    taken = queue.take()
    assert taken == [ev.TextDelta("s", "ab"), ev.TextDelta("t", "other session"), ev.TextDelta("s", "c"),
                     ev.ToolUseStarted("s", "tool1", "Bash", 1), ev.ToolInputDelta("s", "tool1", '{"command": "ls"}'),
                     ev.TextDelta("s", "de", 2)]
    assert queue.take() == []
    assert queue.put(ev.TextDelta("s", "f")) is True


async def test_deltas_from_a_thread_arrive_merged_complete_and_in_order(data_dir, project, monkeypatch):
    from ccsess.app.app import CcsessApp

    store, session = open_store(data_dir, project)
    reply = long_reply(12)
    app = build(store)
    waits: list[int] = []
    async with app.run_test(size=SIZE) as pilot:
        await app.open_session(session.id)
        await pilot.pause()
        original = CcsessApp.on_engine_events_waiting

        def counting(self, message) -> None:
            waits.append(1)
            original(self, message)

        monkeypatch.setattr(CcsessApp, "on_engine_events_waiting", counting)
        deltas = [reply[start:start + 7] for start in range(0, len(reply), 7)]

        def produce() -> None:
            for delta in deltas:
                app.emit_engine_event(ev.TextDelta(session.id, delta))
            app.emit_engine_event(ev.MessageCompleted(session.id, Message(
                id="a1", role="assistant", blocks=[{"type": "text", "text": reply}])))

        producer = threading.Thread(target=produce)
        producer.start()
        producer.join()
        conversation = app.main_screen.conversation
        await wait_until(pilot, lambda: finished(conversation))
        view = conversation.message_views[-1]
        streamed = "".join(part.text for part in view.query(ChunkedMarkdown))
        assert streamed == reply
        assert 1 <= len(waits) < len(deltas)


async def test_only_recent_chunks_keep_their_lines_and_scrolling_draws_the_others_again(data_dir, project):
    store, session = open_store(data_dir, project)
    reply = long_reply(80)
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await app.open_session(session.id)
        await pilot.pause()
        for start in range(0, len(reply), 500):
            app.emit_engine_event(ev.TextDelta(session.id, reply[start:start + 500]))
        app.emit_engine_event(ev.MessageCompleted(session.id, Message(
            id="a1", role="assistant", blocks=[{"type": "text", "text": reply}])))
        conversation = app.main_screen.conversation
        await wait_until(pilot, lambda: finished(conversation))
        await pilot.pause()
        chunked = conversation.message_views[-1].query_one(ChunkedMarkdown)
        assert chunked.chunk_count > 2 * KEPT_CHUNKS
        assert chunked.drawn_chunks <= KEPT_CHUNKS
        assert "Section 79" in screen_text(app)
        assert conversation.scroll_y == conversation.max_scroll_y
        height = conversation.virtual_size.height
        conversation.scroll_home(animate=False, immediate=True)
        await wait_until(pilot, lambda: "Section 0" in screen_text(app))
        assert "Words of section 0" in screen_text(app)
        assert chunked.drawn_chunks <= KEPT_CHUNKS
        conversation.scroll_end(animate=False, immediate=True)
        await wait_until(pilot, lambda: "Section 79" in screen_text(app))
        assert conversation.virtual_size.height == height


async def test_collection_runs_between_frames_while_a_reply_streams_and_as_usual_after(data_dir, project):
    import gc

    store, session = open_store(data_dir, project)
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await app.open_session(session.id)
        await pilot.pause()
        assert gc.isenabled()
        app.emit_engine_event(ev.TextDelta(session.id, "Hello"))
        conversation = app.main_screen.conversation
        await wait_until(pilot, lambda: conversation.live_view is not None)
        assert not gc.isenabled()
        garbage = [[index] for index in range(30_000)]
        for item in garbage:
            item.append(item)
        del garbage, item
        before = gc.get_count()[0]
        await wait_until(pilot, lambda: gc.get_count()[0] < before)
        app.emit_engine_event(ev.MessageCompleted(session.id, Message(
            id="a1", role="assistant", blocks=[{"type": "text", "text": "Hello"}])))
        await wait_until(pilot, lambda: finished(conversation))
        assert gc.isenabled()


async def test_collection_kept_off_for_the_start_is_turned_on_once_the_app_is_up(data_dir, project):
    import gc

    store, _ = open_store(data_dir, project)
    app = build(store)
    gc.disable()  # as the command line does before importing Textual
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, gc.isenabled)
    finally:
        gc.enable()
