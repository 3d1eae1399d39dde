"""What a user may type: huge and empty prompts, odd names, bad export targets, unknown and ambiguous ids. Clear
messages, the right exit codes, nothing written half-way."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.crash_driver import ccsess, ccsess_env, tree_snapshot

from ccsess.core.models import Message
from ccsess.core.store.store import Store



@pytest.fixture
def env(tmp_path: Path, data_dir: Path, fake_claude: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    return ccsess_env(data_dir, fake_claude, home, tmp_path / "config.toml",
                      {"FAKE_CLAUDE_LOG": str(tmp_path / "fake.log")})


def clean(done, code: int) -> str:
    assert done.returncode == code, (done.returncode, done.stdout[-300:], done.stderr)
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    assert all(line.startswith("ccsess: ") for line in done.stderr.splitlines()), done.stderr
    return done.stderr


def test_one_megabyte_prompt_from_stdin(env, project, data_dir, tmp_path):
    prompt = ("0123456789abcdef" * 65536)[: 1024 * 1024 - 3] + " ok"
    done = ccsess(env, project, "run", "-", "--new", "huge", stdin=prompt)
    clean(done, 0)
    assert done.stdout == f"Echo #1: {prompt}\n"
    store = Store(data_dir)
    texts = [m.text for m in store.messages(store.resolve("huge").id)]
    assert texts == [prompt, f"Echo #1: {prompt}"]
    argv = [json.loads(line)["argv"] for line in (tmp_path / "fake.log").read_text().splitlines()
            if line.startswith('{"argv"')]
    assert argv and all(len(" ".join(a)) < 4096 for a in argv), "the prompt went into argv"


@pytest.mark.parametrize("prompt,stdin", [("", None), ("   \n\t ", None), ("-", ""), ("-", "  \n\n")])
def test_empty_prompt_is_refused_and_writes_nothing(env, project, data_dir, prompt, stdin):
    before = tree_snapshot(data_dir)
    done = ccsess(env, project, "run", prompt, stdin=stdin)
    assert "empty" in clean(done, 2)
    assert tree_snapshot(data_dir) == before


NAMES = {
    "control": ("evil\x1b]0;owned\x07name\x1b[2J\x01\r", "evil]0;ownedname[2J"),
    "newline": ("two\nlines", "two lines"),
    "slashes": ("a/b\\c", "a/b\\c"),
    "dotdot": ("../../etc/passwd", "../../etc/passwd"),
    "long": ("x" * 1000, "x" * 200),
    "emoji": ("résumé 🚀 会话", "résumé 🚀 会话"),
    "bidi": ("abc\u202edcba", "abcdcba"),
}


@pytest.mark.parametrize("case", list(NAMES))
def test_odd_names_for_new_and_rename(env, project, data_dir, case):
    raw, stored = NAMES[case]
    done = ccsess(env, project, "run", "hi", "--new", raw)
    clean(done, 0)
    store = Store(data_dir)
    (session,) = store.list_sessions()
    assert session.name == stored
    listed = ccsess(env, project, "list")
    clean(listed, 0)
    assert "\x1b" not in listed.stdout and "\x07" not in listed.stdout and "\x00" not in listed.stdout
    renamed = ccsess(env, project, "rename", session.id, raw + " 2")
    clean(renamed, 0)
    assert "\x1b" not in renamed.stdout
    assert Store(data_dir).get_session(session.id).name.endswith("2") or case == "long"
    files = {p.name for p in data_dir.rglob("*")}
    assert not any("passwd" in name or "🚀" in name for name in files), "a name became a path"
    assert not (data_dir.parent / "etc").exists()


@pytest.mark.parametrize("name", ["", "   ", "\x1b\x07\x01"])
def test_rename_to_nothing_is_refused(env, project, data_dir, name):
    store = Store(data_dir)
    sid = store.create_session("keep me", str(project)).id
    before = tree_snapshot(data_dir)
    done = ccsess(env, project, "rename", sid, name)
    assert "empty" in clean(done, 1)
    assert tree_snapshot(data_dir) == before
    assert Store(data_dir).get_session(sid).name == "keep me"


@pytest.fixture
def two_alike(data_dir: Path, project: Path) -> list[str]:
    store = Store(data_dir)
    ids = [store.create_session("twin one", str(project), id="abc111").id,
           store.create_session("twin two", str(project), id="abc222").id]
    for sid in ids:
        store.append_message(sid, Message(id=f"m-{sid}", role="user", blocks=[{"type": "text", "text": "x"}]))
    return ids


COMMANDS = [
    ("show", "{ref}"),
    ("rm", "--yes", "{ref}"),
    ("rename", "{ref}", "new name"),
    ("export", "{ref}"),
    ("run", "hello", "--session", "{ref}"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=[c[0] for c in COMMANDS])
@pytest.mark.parametrize("ref,expect", [("zzz999", "no session matches"), ("abc", "matches 2 sessions"),
                                        ("twin", "matches 2 sessions"), ("", "no session matches")])
def test_unknown_and_ambiguous_refs(env, project, data_dir, two_alike, command, ref, expect):
    before = tree_snapshot(data_dir)
    args = [a.format(ref=ref) for a in command]
    done = ccsess(env, project, *args)
    err = clean(done, 1)
    assert expect in err and len(err.splitlines()) == 1
    if "matches 2" in expect:
        assert "abc111" in err and "abc222" in err
    assert done.stdout == ""
    assert tree_snapshot(data_dir) == before


@pytest.mark.parametrize("where", ["missing", "file-parent", "is-dir", "unwritable"])
def test_export_to_a_bad_place_writes_nothing(env, project, data_dir, two_alike, tmp_path, where):
    target = {
        "missing": tmp_path / "no" / "such" / "dir" / "out.md",
        "file-parent": tmp_path / "afile" / "out.md",
        "is-dir": tmp_path,
        "unwritable": Path("/proc/ccsess-export.md"),
    }[where]
    (tmp_path / "afile").write_text("x")
    listing = sorted(p.name for p in tmp_path.iterdir())
    done = ccsess(env, project, "export", "abc111", "-o", str(target))
    err = clean(done, 1)
    assert "cannot write" in err and len(err.splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == listing
    assert not list(tmp_path.rglob(".ccsess-tmp-*"))


def test_session_option_and_new_together_are_refused(env, project, data_dir, two_alike):
    before = tree_snapshot(data_dir)
    done = ccsess(env, project, "run", "hi", "--session", "abc111", "--new", "x")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert tree_snapshot(data_dir) == before


def test_missing_project_dir_is_refused_before_writing(env, project, data_dir, tmp_path):
    before = tree_snapshot(data_dir)
    done = ccsess(env, project, "run", "hi", "--project", str(tmp_path / "nope"))
    assert "does not exist" in clean(done, 2)
    assert tree_snapshot(data_dir) == before
