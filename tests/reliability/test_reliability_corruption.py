"""Damaged data dirs through the CLI: a clear one-line message, the right exit code, the damaged file moved
aside (never deleted), and every other session still listed, shown and writable."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from support.crash_driver import ccsess, ccsess_env

from ccsess.core.models import Message
from ccsess.core.store.store import Store


def msg(mid: str, text: str, role: str = "user") -> Message:
    return Message(id=mid, role=role, blocks=[{"type": "text", "text": text}])



@pytest.fixture
def env(tmp_path: Path, data_dir: Path, fake_claude: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    return ccsess_env(data_dir, fake_claude, home, tmp_path / "config.toml")


@pytest.fixture
def populated(data_dir: Path, project: Path) -> dict[str, str]:
    """Three sessions with a few messages each; index and transcripts both have snapshot and journal data."""
    store = Store(data_dir)
    ids = {}
    for name in ("alpha", "beta", "gamma"):
        sid = store.create_session(name, str(project)).id
        ids[name] = sid
        for n in range(3):
            store.append_message(sid, msg(f"{name}{n}", f"{name} says {n}"))
    # Fold the index journal into its snapshot, so truncating the snapshot really loses rows.
    store._index.storage.compact()
    store.update_session(ids["alpha"], name="alpha")
    return ids


def clean_failure(done, code: int) -> None:
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    lines = done.stderr.splitlines()
    assert lines and all(line.startswith("ccsess: ") for line in lines), done.stderr


def no_traceback(done) -> None:
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    assert all(line.startswith("ccsess: ") for line in done.stderr.splitlines()), done.stderr


def quarantined(directory: Path, stem: str) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.name.startswith(f"{stem}.corrupt-"))


def listed_names(env, project) -> list[str]:
    done = ccsess(env, project, "list", "--json")
    no_traceback(done)
    assert done.returncode == 0
    return sorted(s["name"] for s in json.loads(done.stdout))


def everything_else_works(env, project, data_dir: Path, ids: dict[str, str], damaged: str | None) -> None:
    for name, sid in ids.items():
        if name == damaged:
            continue
        done = ccsess(env, project, "show", "--json", sid)
        no_traceback(done)
        assert done.returncode == 0
        assert [m["id"] for m in json.loads(done.stdout)["messages"]] == [f"{name}0", f"{name}1", f"{name}2"]
    renamed = ccsess(env, project, "rename", ids["alpha"], "alpha again")
    no_traceback(renamed)
    assert renamed.returncode == 0
    ran = ccsess(env, project, "run", "after the damage", "--new", "fresh")
    no_traceback(ran)
    assert ran.returncode == 0 and ran.stdout == "Echo #1: after the damage\n"
    store = Store(data_dir)
    assert store.problems == []
    assert store.resolve("alpha again").id == ids["alpha"]


INDEX_DAMAGE = {
    "truncated": lambda raw: raw[: len(raw) // 2],
    "random-bytes": lambda raw: os.urandom(4096),
    "empty": lambda raw: b"",
    "wrong-schema": lambda raw: json.dumps({**json.loads(raw), "_meta": {"schema": {"version": 99}}}).encode(),
}


@pytest.mark.parametrize("damage", list(INDEX_DAMAGE))
def test_damaged_index_is_moved_aside_and_rebuilt(env, project, data_dir, populated, damage):
    index = data_dir / "index.json"
    original = index.read_bytes()
    index.write_bytes(INDEX_DAMAGE[damage](original))
    damaged_bytes = index.read_bytes()
    done = ccsess(env, project, "list")
    no_traceback(done)
    assert done.returncode == 0
    assert "session index" in done.stderr and "moved it aside" in done.stderr and "rebuilt it from 3" in done.stderr
    assert len(done.stderr.splitlines()) == 1
    moved = quarantined(data_dir, "index.json")
    assert moved and moved[0].read_bytes() == damaged_bytes
    assert listed_names(env, project) == ["alpha", "beta", "gamma"]
    everything_else_works(env, project, data_dir, populated, None)


TRANSCRIPT_DAMAGE = {
    "truncated": lambda raw: raw[: max(1, len(raw) // 2)],
    "random-bytes": lambda raw: os.urandom(2048),
    "empty": lambda raw: b"",
    "wrong-schema": lambda raw: json.dumps({**json.loads(raw), "_meta": {"schema": {"version": 99}}}).encode(),
}


@pytest.mark.parametrize("damage", list(TRANSCRIPT_DAMAGE))
def test_damaged_transcript_is_moved_aside_and_named(env, project, data_dir, populated, damage):
    sid = populated["beta"]
    path = data_dir / "sessions" / f"{sid}.json"
    Store(data_dir)._files.session_file(sid).storage.compact()
    path.write_bytes(TRANSCRIPT_DAMAGE[damage](path.read_bytes()))
    damaged_bytes = path.read_bytes()
    done = ccsess(env, project, "show", "beta")
    no_traceback(done)
    assert done.returncode == 0
    warning = done.stderr.strip()
    assert "session 'beta'" in warning and sid in warning and "moved aside" in warning
    if damage == "wrong-schema":
        assert "newer ccsess" in warning
    assert "transcript: 0 messages" in done.stdout
    moved = quarantined(data_dir / "sessions", f"{sid}.json")
    assert moved and moved[0].read_bytes() == damaged_bytes
    again = ccsess(env, project, "show", "beta")
    assert again.returncode == 0 and again.stderr == ""
    assert listed_names(env, project) == ["alpha", "beta", "gamma"]
    everything_else_works(env, project, data_dir, populated, "beta")


def test_garbage_line_inside_a_journal_loses_only_that_line(env, project, data_dir, populated):
    sid = populated["gamma"]
    journal = data_dir / "sessions" / f"{sid}.json.journal"
    lines = journal.read_bytes().splitlines(keepends=True)
    assert len(lines) >= 4
    lines.insert(2, b"\x00\xff not json at all\n")
    journal.write_bytes(b"".join(lines) + b'{"t":"messages","id":"torn"')  # and a torn last line
    done = ccsess(env, project, "show", "--json", sid)
    no_traceback(done)
    assert done.returncode == 0
    texts = [m["blocks"][0]["text"] for m in json.loads(done.stdout)["messages"]]
    assert set(texts) <= {"gamma says 0", "gamma says 1", "gamma says 2"} and len(texts) >= 2
    everything_else_works(env, project, data_dir, populated, None)


def test_data_dir_that_is_a_file(env, project, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("I am a file\n")
    for where in (blocker, blocker / "inside"):
        env = dict(env, CCSESS_DATA_DIR=str(where))
        for args in (("list",), ("show", "x"), ("run", "hi")):
            done = ccsess(env, project, *args)
            clean_failure(done, 1)
            assert str(where) in done.stderr and ("not a directory" in done.stderr or "cannot create" in done.stderr)
    assert blocker.read_text() == "I am a file\n"


def _as_nobody_prefix() -> list[str]:
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot drop to a user that permission bits apply to")
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]


def test_read_only_data_dir(env, project, populated, data_dir):
    """Root ignores permission bits, so as root the commands run as the user nobody against a copy of the
    data dir that nobody owns and may only read."""
    prefix = _as_nobody_prefix()
    base = Path(tempfile.mkdtemp(prefix="ccsess-ro-"))
    try:
        base.chmod(0o755)
        ro = base / "data"
        shutil.copytree(data_dir, ro)
        (base / "work").mkdir()
        paths = [ro, *ro.rglob("*")]
        if os.geteuid() == 0:
            for path in paths:
                os.chown(path, 65534, 65534)
            os.chown(base / "work", 65534, 65534)
        for path in paths:
            path.chmod(0o500 if path.is_dir() else 0o400)
        before = {str(p): p.read_bytes() for p in paths if p.is_file()}
        env = dict(env, CCSESS_DATA_DIR=str(ro), CCSESS_CONFIG=str(base / "config.toml"), HOME=str(base / "work"))
        for args in (("list",), ("show", "alpha"), ("rename", "alpha", "x"), ("run", "hi")):
            done = subprocess.run([*prefix, sys.executable, "-m", "ccsess", *args], env=env, cwd=base / "work",
                                  capture_output=True, text=True, timeout=60, check=False)
            clean_failure(done, 1)
            assert "not writable" in done.stderr and str(ro) in done.stderr
        assert {str(p): p.read_bytes() for p in paths if p.is_file()} == before
        assert all((p.stat().st_mode & 0o777) == (0o500 if p.is_dir() else 0o400) for p in paths), (
            "ccsess changed the permissions of a read-only data dir")
    finally:
        for path in [base, *base.rglob("*")]:
            path.chmod(0o700)
        shutil.rmtree(base)
