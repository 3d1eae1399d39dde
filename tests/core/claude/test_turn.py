"""TurnRecorder on scripted stream items: partial flushes, taken-back deltas, errors, interrupts."""

from __future__ import annotations

from ccsess.core.claude import events as ev
from ccsess.core.claude import protocol as st
from ccsess.core.store.store import Store
from ccsess.core.claude.turn import TurnRecorder


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class CountingStore(Store):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.partial_writes: list[str] = []

    def put_message(self, session_id, message):
        if message.partial:
            self.partial_writes.append(message.text)
        super().put_message(session_id, message)

    def append_message(self, session_id, message):
        if message.partial:
            self.partial_writes.append(message.text)
        return super().append_message(session_id, message)


def _recorder(tmp_path):
    store = CountingStore(tmp_path / "data")
    session = store.create_session("t", str(tmp_path))
    emitted: list[ev.EngineEvent] = []
    clock = Clock()
    recorder = TurnRecorder(store, session.id, emitted.append, prompt_message_id="p1", claude_session_id="c1",
                            clock=clock)
    return store, session.id, recorder, emitted, clock


def _assistant(text: str, message_id: str = "msg_1", uuid: str = "u1") -> st.AssistantBlock:
    return st.AssistantBlock(message_id, uuid, {"type": "text", "text": text}, model="claude-opus-5-5")


def _ok_result(**kw) -> st.Result:
    return st.Result("success", False, "completed", "done", "end_turn", **kw)


def test_partial_is_flushed_at_most_once_a_second(tmp_path):
    store, sid, recorder, _, clock = _recorder(tmp_path)
    recorder.handle(st.MessageStart("msg_1"))
    for i in range(30):
        clock.now += 0.1
        recorder.handle(st.TextChunk(0, f"w{i} "))
    assert 2 <= len(store.partial_writes) <= 3
    clock.now += 0.5
    recorder.tick()
    last = store.partial_writes[-1]
    assert last.endswith("w29 ")
    stored = store.messages(sid)[-1]
    assert stored.partial and stored.text == last


def test_authoritative_text_replaces_taken_back_deltas(tmp_path):
    store, sid, recorder, emitted, clock = _recorder(tmp_path)
    recorder.handle(st.MessageStart("msg_a"))
    recorder.handle(st.TextChunk(0, "before stall "))
    clock.now += 2
    recorder.tick()
    recorder.handle(st.MessageStop())
    recorder.handle(st.MessageStart("msg_b"))
    recorder.handle(_assistant("only the fallback", "msg_b"))
    recorder.handle(st.MessageStop())
    recorder.finish_result(_ok_result())
    completed = [e for e in emitted if isinstance(e, ev.MessageCompleted)]
    assert len(completed) == 1 and completed[0].replaces_streamed
    messages = store.messages(sid)
    assert [m.text for m in messages] == ["only the fallback"]
    assert not messages[0].partial and not messages[0].interrupted


def test_blocks_of_one_message_are_grouped_and_tool_results_stored(tmp_path):
    store, sid, recorder, emitted, _ = _recorder(tmp_path)
    recorder.handle(st.MessageStart("msg_1"))
    recorder.handle(st.TextChunk(0, "Running it."))
    recorder.handle(_assistant("Running it.", "msg_1", "u1"))
    recorder.handle(st.AssistantBlock("msg_1", "u2", {"type": "tool_use", "id": "t1", "name": "Bash",
                                                      "input": {"command": "ls"}}))
    recorder.handle(st.MessageStop())
    recorder.handle(st.ToolResult("u3", {"type": "tool_result", "tool_use_id": "t1", "content": "a.txt",
                                         "is_error": False}))
    recorder.handle(st.MessageStart("msg_2"))
    recorder.handle(_assistant("Found a.txt", "msg_2", "u4"))
    finished, failure = recorder.finish_result(_ok_result(cost_usd=0.5))
    messages = store.messages(sid)
    assert [m.role for m in messages] == ["assistant", "tool", "assistant"]
    assert [b["type"] for b in messages[0].blocks] == ["text", "tool_use"] and messages[0].claude_uuid == "u2"
    assert messages[2].claude_uuid == "u4" and messages[2].claude_session_id == "c1"
    assert failure is None and finished.cost_usd == 0.5
    session = store.get_session(sid)
    assert session.totals.turns == 1 and session.totals.cost_usd == 0.5 and session.status == "idle"
    assert [e.kind for e in store.events(sid)] == ["tool_call", "turn"]


def test_api_error_result_maps_to_a_clear_failure(tmp_path):
    store, sid, recorder, emitted, _ = _recorder(tmp_path)
    recorder.handle(st.Retry(1, 2, 500, "authentication_failed", 401))
    recorder.handle(st.AssistantBlock("uuid-like", "u9", {"type": "text", "text": "Invalid API key"},
                                      model="<synthetic>", error="authentication_failed", api_error_status=401,
                                      synthetic=True))
    finished, failure = recorder.finish_result(
        st.Result("success", True, "api_error", "Invalid API key · Fix external API key", "stop_sequence"))
    assert finished.is_error and failure is not None and failure.kind == "auth"
    assert "Invalid API key" in failure.reason
    assert [e.describe() for e in emitted if isinstance(e, ev.ApiRetry)] == [
        "retrying 1/2 in 0 s: authentication_failed"]
    assert store.get_session(sid).status == "failed"
    reply = store.messages(sid)[-1]
    assert reply.error and reply.synthetic


def test_stop_flushes_at_once_and_the_exit_keeps_the_partial(tmp_path):
    store, sid, recorder, emitted, clock = _recorder(tmp_path)
    recorder.handle(st.MessageStart("msg_1"))
    recorder.handle(st.TextChunk(0, "half a rep"))
    recorder.mark_stopping()
    stored = store.messages(sid)[-1]
    assert stored.partial and stored.interrupted and stored.text == "half a rep"
    finished, failure = recorder.finish_exit(-9, "")
    assert failure is None and finished.interrupted
    stored = store.messages(sid)[-1]
    assert stored.text == "half a rep" and stored.interrupted and not stored.partial


def test_cost_is_the_difference_from_the_process_total(tmp_path):
    store, sid, recorder, _, _ = _recorder(tmp_path)
    recorder.cost_base = 0.25
    finished, _ = recorder.finish_result(_ok_result(cost_usd=0.75))
    assert finished.cost_usd == 0.5
