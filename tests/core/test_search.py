"""Full-text search: ranking, snippets, query quoting, updates on write, rebuilds of a lost or broken index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ccsess.cli import main as cli_main
from ccsess.core.models import Message, new_id
from ccsess.core.search import INDEX_FILE, SearchIndex, attach_index, fts_query, open_index, search, stored_messages
from ccsess.core.store.store import Store


def say(store: Store, session_id: str, role: str, words: str, **flags) -> Message:
    message = Message(id=new_id(), role=role, blocks=[{"type": "text", "text": words}], **flags)
    store.append_message(session_id, message)
    return message


@pytest.fixture
def store(data_dir: Path) -> Store:
    store = Store(data_dir)
    alpha = store.create_session("alpha", "/p")
    beta = store.create_session("beta", "/p")
    say(store, alpha.id, "user", "How do I parse TOML files in Python?")
    say(store, alpha.id, "assistant", "Use tomllib: tomllib parses TOML. tomllib is in the standard library.")
    say(store, beta.id, "user", "Write a haiku about autumn leaves")
    say(store, beta.id, "assistant", "Leaves fall, tomllib sleeps, the parser rests in autumn light and more words here")
    return store


def names(store: Store, hits) -> list[str]:
    by_id = {s.id: s.name for s in store.list_sessions()}
    return [by_id[h.session_id] for h in hits]


def test_ranking_prefers_denser_matches(store: Store) -> None:
    hits = search(store, "tomllib")
    assert names(store, hits) == ["alpha", "beta"]
    assert hits[0].score > hits[1].score > 0


def test_every_word_must_match_and_snippets_mark_them(store: Store) -> None:
    hits = search(store, "autumn haiku")
    assert len(hits) == 1
    assert hits[0].snippet == "Write a [haiku] about [autumn] leaves"
    message = store.messages(hits[0].session_id)[0]
    assert hits[0].message_id == message.id
    assert search(store, "autumn nonexistentword") == []


def test_last_word_matches_as_a_prefix_on_request(store: Store) -> None:
    assert names(store, search(store, "tomll", prefix=True)) == ["alpha", "beta"]
    assert search(store, "tomll ", prefix=True) == []
    assert search(store, "tomll") == []


@pytest.mark.parametrize(
    ("query", "found"),
    [('"', 0), ("AND", 1), ("and", 1), ("tomllib OR", 0), ("NOT tomllib", 0), ("NEAR(tomllib autumn)", 0), ("autumn OR haiku", 0), ("text:tomllib", 0),
     ("-tomllib", 2), ("tomllib*", 2), ("(", 0), ("^tomllib", 2), ("{text}: x", 0), ("'", 0),
     ('tomllib "standard', 1), ("tomllib:", 2)],
)
def test_operators_in_user_text_are_just_words(store: Store, query: str, found: int) -> None:
    open_index(store)
    assert len(search(store, query)) == found
    assert attach_index(store).complete, "a query never damages the index"


def test_fts_query_quotes_each_word() -> None:
    assert fts_query('say "hi" NOT') == '"say" """hi""" "NOT"'
    assert fts_query('say "hi" NOT', prefix_last=True) == '"say" """hi""" "NOT"*'
    assert fts_query("   ") == ""


def test_index_follows_appends_partials_and_deletes(store: Store) -> None:
    open_index(store)
    gamma = store.create_session("gamma", "/p")
    say(store, gamma.id, "user", "zebra crossing")
    assert names(store, search(store, "zebra")) == ["gamma"]

    reply = Message(id=new_id(), role="assistant", blocks=[{"type": "text", "text": "giraffe stre"}], partial=True)
    store.append_message(gamma.id, reply)
    assert search(store, "giraffe") == [], "a streaming reply is not indexed"
    reply.blocks = [{"type": "text", "text": "giraffe streaming done"}]
    reply.partial = False
    store.put_message(gamma.id, reply)
    assert [h.message_id for h in search(store, "giraffe")] == [reply.id]

    store.delete_session(gamma.id)
    assert search(store, "zebra") == [] and search(store, "giraffe") == []


def test_missing_index_is_rebuilt(store: Store, data_dir: Path) -> None:
    assert len(search(store, "tomllib")) == 2
    attach_index(store).close()
    (data_dir / INDEX_FILE).unlink()
    fresh = Store(data_dir)
    assert names(fresh, search(fresh, "tomllib")) == ["alpha", "beta"]
    assert (data_dir / INDEX_FILE).stat().st_mode & 0o777 == 0o600


def test_corrupt_index_is_rebuilt(store: Store, data_dir: Path) -> None:
    search(store, "tomllib")
    attach_index(store).close()
    for suffix in ("-wal", "-shm"):
        Path(f"{data_dir / INDEX_FILE}{suffix}").unlink(missing_ok=True)
    (data_dir / INDEX_FILE).write_bytes(b"this is not a database" * 100)
    fresh = Store(data_dir)
    assert names(fresh, search(fresh, "tomllib")) == ["alpha", "beta"]


def test_index_rebuild_counts_every_message(store: Store, data_dir: Path) -> None:
    assert SearchIndex(data_dir).rebuild(stored_messages(store)) == 4


def test_per_session_cap(store: Store) -> None:
    alpha = store.resolve("alpha")
    for n in range(5):
        say(store, alpha.id, "user", f"tomllib question {n}")
    assert len(search(store, "tomllib")) == 7
    capped = search(store, "tomllib", per_session=2)
    assert sorted(names(store, capped)) == ["alpha", "alpha", "beta"]


def test_search_command(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["search", "autumn", "leaves"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and all(line.startswith("beta (") for line in out)
    assert "[autumn] [leaves]" in out[0]

    assert cli_main(["search", "tomllib", "--json", "--limit", "1"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["session_name"], sorted(r)) for r in rows] == [
        ("alpha", ["message_id", "score", "session_id", "session_name", "snippet"])]

    assert cli_main(["search", "nothingmatches"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and "no messages match" in captured.err


def test_very_common_queries_rank_the_newest_matches(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    open_index(store)
    gamma = store.create_session("gamma", "/p")
    newest = say(store, gamma.id, "user", "a tomllib note")
    monkeypatch.setattr("ccsess.core.search.CANDIDATES", 1)
    assert [h.message_id for h in search(store, "tomllib")] == [newest.id]
    monkeypatch.setattr("ccsess.core.search.CANDIDATES", 5000)
    assert len(search(store, "tomllib")) == 3
