"""The saved first screen of sessions: shown only while the index is unchanged, and equal to the full list's top."""

from __future__ import annotations

from pathlib import Path

from ccsess.core.store.recent import RecentView, leading_sessions
from ccsess.core.models import Message
from ccsess.core.store.store import Store


def fill(store: Store, count: int) -> None:
    for n in range(count):
        store.create_session(f"s{n}", f"/p/{n % 3}", last_active=1000.0 + n)


def test_summaries_list_what_list_sessions_lists(data_dir: Path):
    store = Store(data_dir)
    fill(store, 12)
    store.update_session(store.resolve("s4").id, status="archived")
    assert [s.id for s in store.list_summaries()] == [s.id for s in store.list_sessions()]
    every = store.list_summaries(include_archived=True)
    assert [s.id for s in every] == [s.id for s in store.list_sessions(include_archived=True)]
    assert {s.name for s in every} - {s.name for s in store.list_summaries()} == {"s4"}


def test_recent_view_is_used_only_while_the_index_is_unchanged(data_dir: Path):
    store = Store(data_dir)
    fill(store, 5)
    store.set_setting("theme", "ccsess-light")
    store.set_setting("import.files", {f"/claude/{n}.jsonl": [n, n] for n in range(100)})
    listed = store.list_summaries()
    store.save_recent_view(listed[:3])

    fresh = Store(data_dir, defer_open=True)
    view = fresh.recent_view()
    assert view is not None
    assert [s.id for s in view.sessions] == [s.id for s in listed[:3]]
    assert view.settings == {"theme": "ccsess-light"}, "the importer's record is not for the window"

    store.append_message(listed[-1].id, Message("m1", "user", [{"type": "text", "text": "hi"}]))
    assert Store(data_dir, defer_open=True).recent_view() is None


def test_recent_view_is_not_saved_from_a_list_the_index_has_moved_past(data_dir: Path):
    store = Store(data_dir)
    fill(store, 3)
    listed = store.list_summaries()
    store.create_session("newer", "/p/9")
    store.save_recent_view(listed)
    assert store.recent_view() is None


def test_a_deferred_store_opens_on_first_use(data_dir: Path):
    fill(Store(data_dir), 2)
    store = Store(data_dir, defer_open=True)
    assert [s.name for s in store.list_sessions()] == ["s1", "s0"]


def test_leading_sessions_draw_the_same_first_lines(data_dir: Path):
    store = Store(data_dir)
    fill(store, 40)
    sessions = store.list_summaries()

    def lines(items):
        out = []
        groups: dict[str, list] = {}
        for item in items:
            groups.setdefault(item.project, []).append(item.id)
        for project, ids in groups.items():
            out.append(project)
            out.extend(ids)
        return out

    for count in (1, 2, 5, 14, 15, 16, 43, 100):
        assert lines(leading_sessions(sessions, count))[:count] == lines(sessions)[:count]


def test_a_data_dir_with_nothing_stored_has_an_empty_view_without_reading_an_index(data_dir: Path):
    store = Store(data_dir, defer_open=True)
    assert store.recent_view() == RecentView()
    assert not (data_dir / "index.json").exists(), "the view comes without opening (or creating) the index"
    # Session files without an index (a damaged data dir) are left to the repair that reading the index does.
    (data_dir / "sessions" / "abc.json").write_text("{}")
    assert Store(data_dir, defer_open=True).recent_view() is None
