"""A faulty claude, through `ccsess run` (fake and real CLI) and the TUI: each fault ends in a clear state with the
reason shown, the session marked failed (or stopped), and sending again works once the fault is gone."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from support.crash_driver import RunningCcsess, ccsess, ccsess_env

from ccsess.core.store.store import Store



@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture
def env(tmp_path: Path, data_dir: Path, fake_claude: Path, home: Path) -> dict[str, str]:
    return ccsess_env(data_dir, fake_claude, home, tmp_path / "config.toml")


def one_clear_stderr(done) -> str:
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    lines = done.stderr.splitlines()
    assert lines and all(line.startswith("ccsess: ") for line in lines), done.stderr
    return done.stderr


def session_named(data_dir: Path, name: str):
    return Store(data_dir).resolve(name)


def retry_works(env, project, data_dir: Path, name: str, fixed_env: dict[str, str] | None = None) -> None:
    done = ccsess(fixed_env or env, project, "run", "second try", "--session", name)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Echo #") and done.stdout.rstrip().endswith("second try")
    store = Store(data_dir)
    session = store.resolve(name)
    assert session.status == "idle"
    texts = [m.text for m in store.messages(session.id)]
    assert texts[-2:] == ["second try", done.stdout.rstrip("\n")]


def test_binary_missing(env, project, data_dir, fake_claude):
    done = ccsess(dict(env, CCSESS_CLAUDE=str(project / "no" / "claude")), project, "run", "hi", "--new", "f1")
    assert done.returncode == 1 and done.stdout == ""
    assert "not found" in one_clear_stderr(done) and "CCSESS_CLAUDE" in done.stderr
    assert session_named(data_dir, "f1").status == "failed"
    retry_works(env, project, data_dir, "f1")


def test_binary_not_executable(env, project, data_dir, tmp_path):
    plain = tmp_path / "bin" / "claude"
    plain.parent.mkdir()
    plain.write_text("#!/bin/sh\necho hi\n")
    plain.chmod(0o644)
    done = ccsess(dict(env, CCSESS_CLAUDE=str(plain)), project, "run", "hi", "--new", "f2")
    assert done.returncode == 1 and done.stdout == ""
    assert str(plain) in one_clear_stderr(done) and "not executable" in done.stderr
    assert session_named(data_dir, "f2").status == "failed"
    retry_works(env, project, data_dir, "f2")


def test_binary_not_a_program(env, project, data_dir, tmp_path):
    junk = tmp_path / "bin" / "claude"
    junk.parent.mkdir()
    junk.write_bytes(b"\x00\x01\x02 not an executable format\n")
    junk.chmod(0o755)
    done = ccsess(dict(env, CCSESS_CLAUDE=str(junk)), project, "run", "hi", "--new", "f3")
    assert done.returncode == 1
    one_clear_stderr(done)
    assert session_named(data_dir, "f3").status == "failed"
    retry_works(env, project, data_dir, "f3")


def test_exits_before_printing(env, project, data_dir):
    done = ccsess(dict(env, FAKE_CLAUDE_SCRIPT="!!exit-early"), project, "run", "hi", "--new", "f4")
    assert done.returncode == 1 and done.stdout == ""
    err = one_clear_stderr(done)
    assert "code 2" in err and "told to exit early" in err
    assert session_named(data_dir, "f4").status == "failed"
    retry_works(env, project, data_dir, "f4")


def test_crashes_mid_stream_keeps_the_partial(env, project, data_dir):
    done = ccsess(env, project, "run", "!!crash now", "--new", "f5")
    assert done.returncode == 1
    assert "code 3" in one_clear_stderr(done)
    assert done.stdout.startswith("Echo #1:")
    store = Store(data_dir)
    session = store.resolve("f5")
    assert session.status == "failed"
    reply = store.messages(session.id)[-1]
    assert reply.role == "assistant" and reply.interrupted and reply.text.startswith("Echo #1")
    retry_works(env, project, data_dir, "f5")


def test_garbage_lines_are_not_shown(env, project, data_dir):
    done = ccsess(env, project, "run", "!!garbage here", "--new", "f6")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Echo #1: !!garbage here\n" and "garbage 0" not in done.stdout
    assert session_named(data_dir, "f6").status == "idle"


def test_one_ten_megabyte_line(env, project, data_dir):
    done = ccsess(env, project, "run", "!!bigline:10", "--new", "f7", timeout=180)
    assert done.returncode == 0, done.stderr[-500:]
    size = 10 * 1024 * 1024
    assert len(done.stdout) == size + 1
    store = Store(data_dir)
    reply = store.messages(store.resolve("f7").id)[-1]
    assert len(reply.text) == size and not reply.interrupted


def test_hang_without_output_then_stop(env, project, data_dir):
    run = RunningCcsess(dict(env, FAKE_CLAUDE_SCRIPT="!!hang"), project, ["run", "hello?", "--new", "f8"])
    time.sleep(1.5)
    assert run.proc.poll() is None
    asked = time.monotonic()
    run.proc.send_signal(signal.SIGINT)
    code = run.wait(timeout=30)
    took = time.monotonic() - asked
    assert code == 130 and took < 15, (code, took, run.stderr)
    assert "Traceback" not in run.stderr and "stopping" in run.stderr
    session = session_named(data_dir, "f8")
    assert session.status == "stopped"
    retry_works(env, project, data_dir, "f8")


def test_stdin_closed_before_the_prompt(env, project, data_dir, tmp_path, fake_claude):
    closing = tmp_path / "closing" / "claude"
    closing.parent.mkdir()
    closing.write_text(f"#!/bin/sh\nexec {fake_claude} \"$@\" </dev/null\n")
    closing.chmod(0o755)
    done = ccsess(dict(env, CCSESS_CLAUDE=str(closing)), project, "run", "hi", "--new", "f9")
    assert done.returncode == 1
    assert "before finishing the reply" in one_clear_stderr(done)
    assert session_named(data_dir, "f9").status == "failed"
    retry_works(env, project, data_dir, "f9")


def test_resume_of_a_conversation_claude_lost_fake(env, project, data_dir, home):
    assert ccsess(env, project, "run", "first", "--new", "f10").returncode == 0
    for path in (home / ".claude" / "projects").rglob("*.jsonl"):
        path.unlink()
    done = ccsess(env, project, "run", "after loss", "--session", "f10")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout.rstrip().endswith("after loss")
    store = Store(data_dir)
    session = store.resolve("f10")
    assert session.status == "idle"
    assert [m.text for m in store.messages(session.id)][:2] == ["first", "Echo #1: first"]


# The real CLI against the mock ---------------------------------------------------------------------------------


@pytest.fixture
def real_env(tmp_path: Path, data_dir: Path, claude_bin: Path, claude_env: dict[str, str]) -> dict[str, str]:
    return ccsess_env(data_dir, claude_bin, Path(claude_env["HOME"]), tmp_path / "config.toml",
                      {**claude_env, "CLAUDE_CODE_MAX_RETRIES": "2"})


@pytest.mark.real_cli
@pytest.mark.parametrize("status,retries", [(401, 2), (429, 2), (500, 2), (529, 2)])
def test_api_errors_show_retries_and_fail_clearly(real_env, project, data_dir, mock_api, status, retries):
    name = f"api{status}"
    started = time.monotonic()
    done = ccsess(real_env, project, "run", f"@@err{status} hi", "--new", name)
    assert done.returncode == 1, (done.stdout, done.stderr)
    err = one_clear_stderr(done)
    assert err.count("retrying") >= 1, err
    assert "retrying 1/2" in err
    last = err.splitlines()[-1]
    assert str(status) in last or "API key" in last or "Overloaded" in last, last
    store = Store(data_dir)
    session = store.resolve(name)
    assert session.status == "failed"
    kinds = [e.kind for e in store.events(session.id)]
    assert "error" in kinds
    assert time.monotonic() - started < 60
    done = ccsess(real_env, project, "run", "all good now", "--session", name)
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("all good now")
    assert store.resolve(name).status == "idle"


@pytest.mark.real_cli
def test_resume_of_a_conversation_claude_lost_real(real_env, project, data_dir, mock_api):
    assert ccsess(real_env, project, "run", "remember me", "--new", "lost").returncode == 0
    files = list((Path(real_env["HOME"]) / ".claude" / "projects").rglob("*.jsonl"))
    assert files
    for path in files:
        path.unlink()
    done = ccsess(real_env, project, "run", "still there?", "--session", "lost")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout.rstrip().endswith("still there?")
    assert "claude no longer has this conversation's history" in done.stderr
    store = Store(data_dir)
    session = store.resolve("lost")
    assert session.status == "idle"
    assert len(store.messages(session.id)) == 4


# The app stays responsive while claude hangs ------------------------------------------------------------------


async def test_app_answers_keys_while_claude_hangs(data_dir, project, fake_claude, home, record_property):
    from ccsess.app import make_app
    from ccsess.core.config import Config

    store = Store(data_dir)
    sid = store.create_session("hanging", str(project)).id
    app = make_app(store, Config(claude=str(fake_claude)), system_clipboard=False, default_project=str(project),
                   env={"HOME": str(home), "FAKE_CLAUDE_SCRIPT": "!!hang"})
    async with app.run_test(size=(120, 36)) as pilot:
        await app.main_screen.open_session(sid)
        await pilot.pause()
        await pilot.press(*"hello", "enter")
        screen = app.main_screen
        for _ in range(300):
            if app.engine.state(sid) != "cold" and screen.is_busy(sid):
                break
            await pilot.pause(0.02)
        assert screen.is_busy(sid)
        await pilot.pause(0.5)
        prompt = app.main_screen.prompt
        timings = []
        for key in "typing":
            started = time.perf_counter()
            await pilot.press(key)
            timings.append(time.perf_counter() - started)
        assert prompt.text.endswith("typing")
        worst = max(timings)
        record_property("tui_key_latency_while_hanging", f"max {worst * 1000:.0f} ms over {len(timings)} keys")
        print(f"key latency while claude hangs: max {worst * 1000:.1f} ms, "
              f"median {sorted(timings)[len(timings) // 2] * 1000:.1f} ms")
        assert worst < 1.0
        await pilot.press("escape")
        stop_timings = []
        for _ in range(600):
            if not screen.is_busy(sid):
                break
            started = time.perf_counter()
            await pilot.press("x")
            stop_timings.append(time.perf_counter() - started)
            await pilot.pause(0.02)
        assert not screen.is_busy(sid)
        assert stop_timings and max(stop_timings) < 1.0
        assert store.get_session(sid).status == "stopped"
        app.engine.env.pop("FAKE_CLAUDE_SCRIPT", None)
        prompt.clear()
        await pilot.press(*"again", "enter")
        for _ in range(500):
            if any(m.role == "assistant" and m.text.endswith("again") for m in store.messages(sid)):
                break
            await pilot.pause(0.02)
        assert store.messages(sid)[-1].text.endswith("again")
