"""`ccsess run` as a user's script runs it: a subprocess, with the real claude against the mock."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest

from ccsess.core.store.store import Store
from support import paths

pytestmark = pytest.mark.real_cli


@pytest.fixture
def run_env(data_dir: Path, claude_bin: Path, claude_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, **claude_env, "CCSESS_DATA_DIR": str(data_dir), "CCSESS_CLAUDE": str(claude_bin),
           "CCSESS_CONFIG": str(tmp_path / "config.toml"), "PYTHONPATH": str(paths.REPO / "tui")}
    return env



def ccsess(env, project, *args, stdin=None):
    return subprocess.run([sys.executable, "-m", "ccsess", "run", *args], env=env, cwd=project, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_new_session_then_continue_it(run_env, project, data_dir, mock_api):
    first = ccsess(run_env, project, "hello there", "--new", "scripted")
    assert first.returncode == 0, first.stderr
    assert first.stdout == "Echo #1: hello there\n" and first.stderr == ""
    second = ccsess(run_env, project, "and again", "--session", "scripted")
    assert second.returncode == 0 and second.stdout == "Echo #2: and again\n"
    assert "hello there" in json.dumps(mock_api.requests[-1]["messages"])
    store = Store(data_dir)
    session = store.resolve("scripted")
    assert session.project == str(project.resolve())
    assert [m.text for m in store.messages(session.id)] == [
        "hello there", "Echo #1: hello there", "and again", "Echo #2: and again"]


def test_prompt_from_stdin_and_model(run_env, project, mock_api):
    done = ccsess(run_env, project, "-", "--model", "haiku", stdin="piped prompt\n")
    assert done.returncode == 0 and done.stdout == "Echo #1: piped prompt\n"
    assert "haiku" in mock_api.requests[-1]["model"]


def test_api_failure_exits_1_with_retries_on_stderr(run_env, project, mock_api):
    done = ccsess(run_env, project, "@@err401 hi")
    assert done.returncode == 1
    assert "retrying 1/2 in" in done.stderr and "Invalid API key" in done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert all(line.startswith("ccsess: ") for line in done.stderr.splitlines())


def test_permission_requests_are_denied_headless(run_env, project, mock_api):
    done = ccsess(run_env, project, "@@tool:touch made.txt")
    assert done.returncode == 0
    assert not (project / "made.txt").exists()
    assert "denied Bash: touch made.txt" in done.stderr
    assert "Tool said:" in done.stdout and "cannot ask for permission" in done.stdout


def test_claude_missing_is_one_clear_line(run_env, project, mock_api):
    run_env["CCSESS_CLAUDE"] = str(project / "nowhere" / "claude")
    done = ccsess(run_env, project, "hi")
    assert done.returncode == 1 and done.stdout == ""
    assert "@anthropic-ai/claude-code" in done.stderr and len(done.stderr.splitlines()) == 1


def test_escapes_removed_on_a_terminal_kept_in_a_pipe(run_env, project, mock_api):
    prompt = "look \x1b]0;pwned\x07 \x1b[2J here"
    piped = ccsess(run_env, project, prompt)
    assert "\x1b]0;pwned\x07" in piped.stdout
    child = pexpect.spawn(sys.executable, ["-m", "ccsess", "run", prompt], env=run_env, cwd=str(project),
                          timeout=60, encoding="utf-8")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "Echo #2: look   here" in child.before.replace("\r\n", "\n")
    assert "\x1b" not in child.before


def test_ctrl_c_stops_and_keeps_the_partial(run_env, project, data_dir, mock_api):
    child = pexpect.spawn(sys.executable, ["-m", "ccsess", "run", "@@slow:15 count", "--new", "slowpoke"],
                          env=run_env, cwd=str(project), timeout=60, encoding="utf-8")
    child.expect(r"\[2/20\]")
    child.kill(signal.SIGINT)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "[20/20]" not in child.before
    store = Store(data_dir)
    reply = store.messages(store.resolve("slowpoke").id)[-1]
    assert reply.role == "assistant" and reply.interrupted and "[2/20]" in reply.text


def test_answer_flags_answer_questions_in_order(run_env, project, mock_api):
    done = ccsess(run_env, project, "@@askmulti toppings", "--answer", "1,3")
    assert done.returncode == 0, done.stderr
    assert '"Which toppings do you want?"="Cheese, Basil"' in done.stdout
    done = ccsess(run_env, project, "@@ask colour", "--answer", "sea green")
    assert '"Which colour should the button be?"="sea green"' in done.stdout


def test_a_question_without_a_terminal_is_declined_and_named(run_env, project, mock_api):
    done = ccsess(run_env, project, "@@ask colour")
    assert done.returncode == 0
    assert 'claude asked "Which colour should the button be?" and got no answer' in done.stderr
    assert "Tool said: No one can answer now" in done.stdout


def test_a_question_is_asked_on_the_terminal(run_env, project, mock_api):
    child = pexpect.spawn(sys.executable, ["-m", "ccsess", "run", "@@ask colour"], env=run_env, cwd=str(project),
                          timeout=60, encoding="utf-8")
    child.expect("claude asks: \\[Colour\\] Which colour should the button be\\?")
    child.expect("2. Orange")
    child.expect("empty line declines")
    child.sendline("2")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert '"Which colour should the button be?"="Orange"' in child.before


def test_a_plan_without_a_terminal_keeps_planning(run_env, project, mock_api):
    done = ccsess(run_env, project, "@@plan add it", "--permission-mode", "plan")
    assert done.returncode == 0, done.stderr
    assert "no one could review it here" in done.stderr and "Tool said: No one can review a plan now" in done.stdout


def list_waiting(run_env, project) -> list[dict]:
    done = subprocess.run([sys.executable, "-m", "ccsess", "list", "--status", "waiting", "--json"], env=run_env,
                          cwd=project, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def wait_listed(run_env, project, count: int) -> list[dict]:
    deadline = time.monotonic() + 30
    while len(listed := list_waiting(run_env, project)) != count:
        assert time.monotonic() < deadline, listed
        time.sleep(0.2)
    return listed


def test_list_status_waiting_from_another_process(run_env, project, mock_api):
    child = pexpect.spawn(sys.executable, ["-m", "ccsess", "run", "@@ask colour", "--new", "asking"], env=run_env,
                          cwd=str(project), timeout=60, encoding="utf-8")
    child.expect("empty line declines")
    [waiting] = wait_listed(run_env, project, 1)
    assert waiting["name"] == "asking" and waiting["status"] == "waiting"
    child.sendline("1")
    child.expect(pexpect.EOF)
    child.close()
    assert list_waiting(run_env, project) == []

    gone = pexpect.spawn(sys.executable, ["-m", "ccsess", "run", "@@ask again", "--session", "asking"], env=run_env,
                         cwd=str(project), timeout=60, encoding="utf-8")
    gone.expect("empty line declines")
    wait_listed(run_env, project, 1)
    gone.kill(signal.SIGKILL)
    gone.close()
    assert list_waiting(run_env, project) == [], "a ccsess that is gone reports nothing"


def test_run_fires_the_hooks_and_keeps_the_turn_limit(run_env, project, mock_api, tmp_path):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    import threading

    received: list[dict] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    marker = tmp_path / "commands.txt"
    Path(run_env["CCSESS_CONFIG"]).write_text(
        f'webhook_url = "http://127.0.0.1:{httpd.server_port}/ccsess"\n'
        f'notify_command = ["{sys.executable}", "-c", "import os; open({str(marker)!r}, \'a\').write(os.environ[\'CCSESS_EVENT\'] + chr(10))"]\n')
    try:
        first = ccsess(run_env, project, "hello", "--new", "bounded", "--max-turns", "1")
        assert first.returncode == 3 and first.stdout == "Echo #1: hello\n"
        assert "reached its limit of 1 turn" in first.stderr
        assert [e["event"] for e in received] == ["start", "turn_finished", "limit_reached"]
        assert received[-1]["session"]["name"] == "bounded" and received[-1]["session"]["status"] == "limited"

        refused = ccsess(run_env, project, "more", "--session", "bounded")
        assert refused.returncode == 3 and refused.stdout == "" and "limit of 1 turn" in refused.stderr
        assert len(mock_api.requests) == 1

        raised = ccsess(run_env, project, "more", "--session", "bounded", "--max-turns", "5")
        assert raised.returncode == 0 and raised.stdout == "Echo #2: more\n"
        assert marker.read_text().split() == [e["event"] for e in received]
    finally:
        httpd.shutdown()
