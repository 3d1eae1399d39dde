"""ccsess list|show|rm|rename|stats|prune through `ccsess.cli.main`."""

from __future__ import annotations

import io
import json
import os
import time

import pytest

from ccsess.cli import main
from ccsess.core.models import Message
from ccsess.core.store.store import Store

LIST_KEYS = {
    "id",
    "name",
    "project",
    "model",
    "status",
    "created",
    "updated",
    "message_count",
    "claude_session_id",
    "parent_id",
    "cost_usd",
}


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def store(data_dir):
    return Store(data_dir)


@pytest.fixture
def sessions(store, tmp_path):
    proj_a = tmp_path / "proj-a"
    proj_a.mkdir()
    a = store.create_session(
        "deploy fix", str(proj_a), id="abc11111", model="sonnet", claude_session_id="c-1"
    )
    b = store.create_session("docs 📚", "/elsewhere", id="abd22222", model="opus", parent_id="abc11111")
    c = store.create_session("old stuff", "/elsewhere", id="zzz33333", status="archived")
    store.append_message(
        a.id, Message(id="u1", role="user", blocks=[{"type": "text", "text": "hello\x1b[2J"}])
    )
    store.append_message(
        a.id, Message(id="r1", role="assistant", blocks=[{"type": "text", "text": "Echo #1: hello"}])
    )
    store.add_totals(a.id, cost_usd=0.5, input_tokens=100, output_tokens=20, turns=1)
    store.add_totals(b.id, cost_usd=0.25, input_tokens=10, output_tokens=2, turns=1)
    return a, b, c


def test_list_json_shape(capsys, sessions):
    code, out, err = run(capsys, "list", "--json")
    assert code == 0 and err == ""
    rows = json.loads(out)
    assert [r["id"] for r in rows] == ["abc11111", "abd22222"], "most recently active first"
    for row in rows:
        assert LIST_KEYS <= row.keys()
        assert row["created"].endswith("Z") and "T" in row["created"]
    a = next(r for r in rows if r["id"] == "abc11111")
    assert (a["message_count"], a["cost_usd"], a["claude_session_id"], a["model"]) == (
        2,
        0.5,
        "c-1",
        "sonnet",
    )
    assert next(r for r in rows if r["id"] == "abd22222")["parent_id"] == "abc11111"


def test_list_filters(capsys, sessions, tmp_path):
    assert {r["id"] for r in json.loads(run(capsys, "list", "--json", "--all")[1])} == {
        "abc11111",
        "abd22222",
        "zzz33333",
    }
    assert [r["id"] for r in json.loads(run(capsys, "list", "--json", "--status", "archived")[1])] == [
        "zzz33333"
    ]
    assert json.loads(run(capsys, "list", "--json", "--status", "active")[1]) == []
    project = json.loads(
        run(capsys, "list", "--json", "--project", str(tmp_path / "proj-a" / ".." / "proj-a"))[1]
    )
    assert [r["id"] for r in project] == ["abc11111"]


def test_list_human_table(capsys, sessions):
    code, out, _ = run(capsys, "list")
    lines = out.splitlines()
    assert code == 0
    assert lines[0].split() == ["ID", "NAME", "STATUS", "MODEL", "MODE", "MSGS", "ACTIVE", "PROJECT"]
    assert lines[1].startswith("abc11111  deploy fix") and "just now" in lines[1] and " default " in lines[1]
    assert lines[2].startswith("abd22222  docs 📚") and "opus" in lines[2]
    # The emoji is one character but two columns wide: the columns after it still line up on screen.
    assert lines[1].index(" new ") == lines[2].index(" new ") + 1
    assert "zzz33333" not in out


def test_list_empty(capsys, data_dir):
    assert run(capsys, "list") == (0, "No sessions.\n", "")
    assert run(capsys, "list", "--json")[1].strip() == "[]"


def test_show_human_and_json(capsys, sessions, data_dir):
    Store(data_dir).update_session("abc11111", allowed_tools=["Bash(npm test)", "Edit"])
    code, out, err = run(capsys, "show", "deploy")
    assert code == 0 and err == ""
    assert "abc11111" in out and "deploy fix" in out and "2 messages" in out
    assert "allowed tools:   Bash(npm test), Edit" in out
    assert "\x1b" not in out and "\\x1b" in out, "escapes in model/user text are shown, never sent raw"

    code, out, _ = run(capsys, "show", "abc1", "--json")
    data = json.loads(out)
    assert LIST_KEYS <= data.keys() and data["allowed_tools"] == ["Bash(npm test)", "Edit"]
    assert [m["id"] for m in data["messages"]] == ["u1", "r1"]
    assert data["messages"][0]["blocks"][0]["text"] == "hello\x1b[2J"
    assert data["messages"][1]["created"].endswith("Z")


def test_unknown_and_ambiguous_refs(capsys, sessions):
    code, out, err = run(capsys, "show", "nope")
    assert (code, out) == (1, "")
    assert err.splitlines() == ["ccsess: no session matches 'nope'"]
    code, out, err = run(capsys, "show", "ab")
    assert code == 1 and len(err.splitlines()) == 1
    assert "abc11111" in err and "abd22222" in err


def test_rm_with_yes(capsys, sessions, data_dir):
    code, out, _ = run(capsys, "rm", "docs", "--yes")
    assert code == 0 and "abd22222" in out
    assert "abd22222" not in {s.id for s in Store(data_dir).list_sessions(include_archived=True)}


def test_rm_refuses_without_yes_when_not_a_tty(capsys, sessions, monkeypatch, data_dir):
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    code, _, err = run(capsys, "rm", "docs")
    assert code == 1 and "--yes" in err
    assert Store(data_dir).get_session("abd22222")


class FakeTty(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize(("answer", "deleted"), [("y\n", True), ("n\n", False), ("\n", False), ("", False)])
def test_rm_asks_on_a_tty(capsys, sessions, monkeypatch, data_dir, answer, deleted):
    monkeypatch.setattr("sys.stdin", FakeTty(answer))
    code, _, err = run(capsys, "rm", "abd")
    assert "[y/N]" in err
    assert code == (0 if deleted else 1)
    remaining = {s.id for s in Store(data_dir).list_sessions(include_archived=True)}
    assert ("abd22222" not in remaining) == deleted


def test_rename(capsys, sessions, data_dir):
    code, out, _ = run(capsys, "rename", "abc", "feature/login 🚀\x1b[31m")
    assert code == 0 and "deploy fix" in out
    store = Store(data_dir)
    assert store.get_session("abc11111").name == "feature/login 🚀[31m"
    assert store.events("abc11111")[-1].kind == "rename"
    code, _, err = run(capsys, "rename", "abc", " \n\x07")
    assert code == 1 and "empty" in err
    assert Store(data_dir).get_session("abc11111").name == "feature/login 🚀[31m"


def test_stats(capsys, sessions):
    code, out, _ = run(capsys, "stats", "--json")
    data = json.loads(out)
    assert code == 0
    assert (data["sessions"], data["messages"], data["cost_usd"]) == (3, 2, 0.75)
    assert (data["input_tokens"], data["output_tokens"], data["turns"]) == (110, 22, 2)
    assert data["by_status"]["new"]["sessions"] == 2 and data["by_status"]["archived"]["sessions"] == 1
    assert data["by_model"]["sonnet"]["cost_usd"] == 0.5 and data["by_model"]["default"]["sessions"] == 1
    assert data["by_project"]["/elsewhere"]["sessions"] == 2
    code, out, _ = run(capsys, "stats")
    assert code == 0 and "3 sessions" in out and "$0.7500" in out and "sonnet" in out


def test_stats_turns_errors_and_cost_per_day(capsys, data_dir, tmp_path):
    from ccsess.core.models import Event
    from ccsess.core.stats import bar_chart

    store = Store(data_dir)
    first = store.create_session("first", str(tmp_path))
    second = store.create_session("second", str(tmp_path), status="limited")
    now = time.time()
    for sid, back, cost, failed in ((first.id, 0, 0.5, False), (first.id, 0, 0.25, True),
                                    (second.id, 2, 1.0, False), (second.id, 45, 9.0, False)):
        store.add_event(sid, Event(kind="turn", at=now - back * 86400, detail={"cost_usd": cost, "is_error": failed}))
    store.add_totals(first.id, cost_usd=0.75, input_tokens=0, output_tokens=0, turns=2)
    store.add_totals(second.id, cost_usd=10.0, input_tokens=0, output_tokens=0, turns=2)
    code, out, _ = run(capsys, "stats", "--json")
    data = json.loads(out)
    assert data["average_turns"] == 2.0 and data["error_turns"] == 1 and data["error_share"] == 0.25
    assert data["by_status"]["limited"]["sessions"] == 1
    days = data["cost_per_day"]
    assert len(days) == 30 and days[-1]["cost_usd"] == 0.75 and days[-3]["cost_usd"] == 1.0
    assert sum(day["cost_usd"] for day in days) == 1.75, "the turn 45 days ago is outside the chart"
    chart = bar_chart(days, height=4)
    assert chart[0][-3] == "█" and chart[-2][-1] != " " and set(chart[0][:-3]) == {" "}
    code, out, _ = run(capsys, "stats")
    assert "25% ended in an error" in out and "cost per day, last 30 days (highest $1.0000)" in out


def test_prune(capsys, sessions, store, data_dir):
    store.update_session("zzz33333", last_active=time.time() - 40 * 86400)
    store.update_session("abd22222", last_active=time.time() - 10 * 86400)
    code, out, _ = run(capsys, "prune", "--older-than", "30", "--dry-run")
    assert code == 0 and "would delete zzz33333" in out and "abd22222" not in out
    assert len(Store(data_dir).list_sessions(include_archived=True)) == 3

    code, out, _ = run(capsys, "prune", "--older-than", "7")
    assert code == 0 and "deleted 2 sessions" in out
    assert [s.id for s in Store(data_dir).list_sessions(include_archived=True)] == ["abc11111"]


@pytest.mark.parametrize("days", ["soon", "-1", "nan"])
def test_prune_rejects_bad_days(capsys, data_dir, days):
    with pytest.raises(SystemExit) as info:
        main(["prune", "--older-than", days])
    assert info.value.code == 2


@pytest.mark.parametrize("command", ["list", "show", "rm", "rename", "stats", "prune"])
def test_help_for_every_command(capsys, command):
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    assert "usage: ccsess" in capsys.readouterr().out


def test_data_dir_option(capsys, tmp_path, data_dir):
    other = tmp_path / "other-data"
    Store(other).create_session("elsewhere", "/p", id="oth11111")
    assert [r["id"] for r in json.loads(run(capsys, "--data-dir", str(other), "list", "--json")[1])] == [
        "oth11111"
    ]
    assert json.loads(run(capsys, "list", "--json")[1]) == []


def test_data_dir_that_is_a_file(capsys, tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    code, out, err = run(capsys, "--data-dir", str(target), "list")
    assert code == 1 and len(err.splitlines()) == 1 and "not a directory" in err


def test_problems_are_warnings(capsys, sessions, data_dir):
    (data_dir / "sessions" / "abc11111.json").write_bytes(b"\x00garbage")
    journal = data_dir / "sessions" / "abc11111.json.journal"
    journal.unlink()
    code, out, err = run(capsys, "show", "abc11111")
    assert code == 0
    assert err.startswith("ccsess: warning: session 'deploy fix' (abc11111)")


def test_internal_error_is_one_line_and_logged(capsys, sessions, data_dir, monkeypatch):
    def explode(self, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(Store, "list_sessions", explode)
    code, out, err = run(capsys, "list")
    assert code == 1
    log = data_dir / "logs" / "ccsess.log"
    assert err.splitlines() == [f"ccsess: internal error: RuntimeError: boom (details in {log})"]
    assert "Traceback" in log.read_text() and "boom" in log.read_text()
    assert oct(os.stat(log).st_mode & 0o777) == "0o600"


def test_keyboard_interrupt_exits_130(capsys, sessions, monkeypatch):
    def interrupt(self, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(Store, "list_sessions", interrupt)
    assert run(capsys, "list")[0] == 130


def test_a_command_that_changes_the_list_saves_the_first_screen_for_the_next_window(capsys, sessions, data_dir):
    assert Store(data_dir).recent_view() is None, "nothing saved yet"
    code, _, _ = run(capsys, "rename", "abc", "renamed in the shell")
    assert code == 0
    view = Store(data_dir, defer_open=True).recent_view()
    assert view is not None, "the next window starts from the saved first screen, not the whole index"
    assert "renamed in the shell" in [s.name for s in view.sessions]
    run(capsys, "list")
    assert Store(data_dir, defer_open=True).recent_view() == view, "a command that changes nothing leaves it"


def test_no_subcommand_without_a_terminal_says_so_and_leaves_collection_on(capsys, data_dir):
    import gc

    assert gc.isenabled()
    code, out, err = run(capsys)
    assert code == 2 and "needs a terminal" in err and out == ""
    assert gc.isenabled(), "the start turns collection off only until the app is up"
