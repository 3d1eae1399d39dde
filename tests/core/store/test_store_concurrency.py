"""Two processes writing to one session at once lose nothing and keep each writer's order."""

from __future__ import annotations

import multiprocessing

from ccsess.core.models import Message
from ccsess.core.store.store import Store

PER_WRITER = 200


def _writer(data_dir, session_id, tag, start):
    store = Store(data_dir, lock_timeout=60)
    start.wait(30)
    for n in range(PER_WRITER):
        store.append_message(
            session_id, Message(id=f"{tag}-{n}", role="user", blocks=[{"type": "text", "text": f"{tag} {n}"}])
        )
        if n % 20 == 0:
            store.add_totals(session_id, cost_usd=0.01, turns=1)
            store.update_session(session_id, model=f"model-{tag}")


def test_two_processes_append_to_one_session(data_dir):
    store = Store(data_dir)
    session = store.create_session("shared", "/p")
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    writers = [ctx.Process(target=_writer, args=(data_dir, session.id, tag, start)) for tag in ("a", "b")]
    for process in writers:
        process.start()
    start.set()
    for process in writers:
        process.join(120)
        assert process.exitcode == 0

    fresh = Store(data_dir)
    ids = [m.id for m in fresh.messages(session.id)]
    assert len(ids) == 2 * PER_WRITER
    for tag in ("a", "b"):
        assert [i for i in ids if i.startswith(tag)] == [f"{tag}-{n}" for n in range(PER_WRITER)]
    final = fresh.get_session(session.id)
    assert final.message_count == 2 * PER_WRITER
    assert final.totals.turns == 2 * (PER_WRITER // 20)
    assert round(final.totals.cost_usd, 6) == round(0.01 * 2 * (PER_WRITER // 20), 6)
    assert final.model in ("model-a", "model-b")
    assert [m.id for m in store.messages(session.id)] == ids, (
        "the first store sees the other writers' appends"
    )
