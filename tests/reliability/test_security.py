"""Private files, no shell between ccsess and claude, model output that cannot drive the terminal, inert exports,
and permission bypass only when asked for (and refused as root, as claude refuses it)."""

from __future__ import annotations

import ast
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
from support.crash_driver import TUI_ROOT, ccsess, ccsess_env

from ccsess.core.models import Message
from ccsess.core.store.store import Store

ESCAPES = "\x1b[2J\x1b[H\x1b]0;pwned title\x07\x1b]52;c;ZXZpbA==\x07\x1b[31mred\x1b[0m\x1bP1$qm\x1b\\\x9b6n\x07"



@pytest.fixture
def fake_log(tmp_path: Path) -> Path:
    return tmp_path / "fake.log"


@pytest.fixture
def env(tmp_path: Path, data_dir: Path, fake_claude: Path, fake_log: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    return ccsess_env(data_dir, fake_claude, home, tmp_path / "config.toml", {"FAKE_CLAUDE_LOG": str(fake_log)})


def logged_argvs(fake_log: Path) -> list[list[str]]:
    if not fake_log.exists():
        return []
    records = [json.loads(line) for line in fake_log.read_text().splitlines()]
    return [r["argv"] for r in records if "argv" in r]


# Files and dirs -------------------------------------------------------------------------------------------------


def test_everything_under_the_data_dir_is_private(env, project, data_dir, tmp_path):
    def run(*args):
        done = subprocess.run([sys.executable, "-m", "ccsess", *args], env=env, cwd=project, capture_output=True,
                              text=True, timeout=60, umask=0o022, check=False)
        assert done.returncode == 0, done.stderr
        return done

    (project / "code.py").write_text("x = 1\n")
    identity = ["-c", "user.name=t", "-c", "user.email=t@t"]
    for args in (["init", "-q"], [*identity, "add", "-A"], [*identity, "commit", "-qm", "start"]):
        subprocess.run(["git", *args], cwd=project, check=True, capture_output=True)
    run("run", "hello", "--new", "private")
    run("run", "!!stderr and again", "--session", "private")
    run("run", "in a worktree", "--new", "isolated", "--worktree")  # snapshots/ and worktrees/ are made too
    run("rename", "private", "still private")
    export = tmp_path / "out.md"
    run("export", "still private", "-o", str(export))
    run("search", "hello")
    assert stat.S_IMODE(export.stat().st_mode) == 0o600
    seen = []
    for path in [data_dir, *data_dir.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        seen.append(path.name)
        if path.is_dir():
            assert mode == 0o700, f"{path} is {oct(mode)}"
        else:
            assert mode == 0o600, f"{path} is {oct(mode)}"
    assert any(n.startswith("index.json") for n in seen) and "search.sqlite" in seen
    assert any(n.endswith(".stderr.log") for n in seen)


def test_internal_error_log_is_private(data_dir, monkeypatch, capsys):
    from ccsess.cli import main, sessions

    def boom(args, ctx):
        raise RuntimeError("boom")

    monkeypatch.setattr(sessions, "cmd_list", boom)
    old = os.umask(0o022)
    try:
        assert main(["list"]) == 1
    finally:
        os.umask(old)
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: boom" in err and "Traceback" not in err
    log = data_dir / "logs" / "ccsess.log"
    assert "Traceback" in log.read_text()
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


# No shell -------------------------------------------------------------------------------------------------------


def test_claude_gets_an_argument_list_and_the_prompt_on_stdin(env, project, fake_log):
    prompt = "hi; touch /tmp/ccsess-pwned-$(id -u) `reboot` | cat > x && echo $HOME"
    done = ccsess(env, project, "run", prompt, "--new", "noshell")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"Echo #1: {prompt}\n"
    argvs = logged_argvs(fake_log)
    assert argvs and all(isinstance(a, list) for a in argvs)
    for argv in argvs:
        assert not any(prompt in arg or "touch" in arg for arg in argv)
        assert "--permission-mode" in argv and argv[argv.index("--permission-mode") + 1] == "default"
        assert "--dangerously-skip-permissions" not in argv
    stdin_lines = [json.loads(line)["stdin"] for line in fake_log.read_text().splitlines() if '"stdin"' in line]
    assert any(json.loads(line)["message"]["content"] == prompt for line in stdin_lines if line.strip())
    assert not list(Path("/tmp").glob("ccsess-pwned-*"))


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node, ast.unparse(node.func)


def test_no_shell_anywhere_in_the_code():
    offenders = []
    for path in sorted((TUI_ROOT / "ccsess").rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node, name in _calls(tree):
            where = f"{path.relative_to(TUI_ROOT)}:{node.lineno}"
            if name in ("os.system", "os.popen", "os.execl", "os.execlp", "os.spawnl", "pexpect.run",
                        "pexpect.runu", "commands.getoutput", "subprocess.getoutput", "subprocess.getstatusoutput"):
                offenders.append(f"{where} {name}")
            for keyword in node.keywords:
                if keyword.arg == "shell" and not (isinstance(keyword.value, ast.Constant)
                                                   and keyword.value.value is False):
                    offenders.append(f"{where} shell=")
            spawns = ("pexpect.spawn", "pexpect.spawnu", "ptyprocess.PtyProcess.spawn")
            one_string = len(node.args) == 1 and not any(k.arg == "args" for k in node.keywords)
            if name in spawns and one_string:
                offenders.append(f"{where} {name} given one command string")
            literal = (ast.Constant, ast.JoinedStr)
            if name.startswith("subprocess.") and node.args and isinstance(node.args[0], literal):
                offenders.append(f"{where} {name} given a string")
    assert offenders == []


# Terminal escapes in model output -------------------------------------------------------------------------------


def test_run_on_a_terminal_strips_escapes(env, project, data_dir):
    prompt = f"look {ESCAPES} done"
    child = pexpect.spawn(sys.executable, ["-m", "ccsess", "run", prompt, "--new", "esc"], env=env, cwd=str(project),
                          encoding=None, timeout=60)
    output = child.read()
    child.close()
    assert child.exitstatus == 0, output
    text = output.decode("utf-8", "replace")
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
    assert "Echo #1: look" in text and "done" in text
    store = Store(data_dir)
    reply = store.messages(store.resolve("esc").id)[-1]
    assert reply.text == f"Echo #1: {prompt}", "the stored reply must stay exactly what claude sent"


def test_run_into_a_pipe_keeps_the_data(env, project):
    done = ccsess(env, project, "run", f"pipe {ESCAPES}", "--new", "pipe")
    assert done.returncode == 0
    assert done.stdout == f"Echo #1: pipe {ESCAPES}\n"


async def test_tui_shows_escapes_as_text(data_dir, project):
    from ccsess.app import make_app
    from ccsess.core.config import Config

    store = Store(data_dir)
    sid = store.create_session(f"name {ESCAPES}", str(project)).id
    store.append_message(sid, Message(id="u1", role="user", blocks=[{"type": "text", "text": "show me"}]))
    store.append_message(sid, Message(id="a1", role="assistant",
                                      blocks=[{"type": "text", "text": f"before {ESCAPES} after"}]))
    app = make_app(store, Config(), engine_factory=None, system_clipboard=False, default_project=str(project))
    async with app.run_test(size=(140, 40)) as pilot:
        await app.main_screen.open_session(sid)
        await pilot.pause()
        strips = list(app.screen._compositor.render_strips())
        shown = "\n".join(strip.text for strip in strips)
        assert "before" in shown and "after" in shown
        for strip in strips:
            for segment in strip:
                assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", segment.text), repr(segment.text)
        assert "red" in shown
        assert "␛[2J" in shown and "␛]0;pwned title␇" in shown


# Exported Markdown is inert -------------------------------------------------------------------------------------


RISKY = (
    "<script>alert(1)</script>\n\n<iframe src=\"https://evil.example\"></iframe>\n\n"
    "[click me](javascript:alert(1)) and [x](JaVaScRiPt:alert(2)) and <a href=\"javascript:alert(3)\">a</a>\n\n"
    "<img src=x onerror=alert(4)>\n\n[data](data:text/html;base64,PHNjcmlwdD4=)\n\n"
    "```html\n<script>inside a fence is fine</script>\n```\n\n" + ESCAPES
)


def outside_fences(markdown: str) -> str:
    kept, fence = [], None
    for line in markdown.splitlines():
        match = re.match(r"^\s*(`{3,}|~{3,})", line)
        if match:
            marker = match.group(1)
            if fence is None:
                fence = marker
                continue
            if marker[0] == fence[0] and len(marker) >= len(fence):
                fence = None
                continue
        if fence is None:
            kept.append(line)
    return "\n".join(kept)


def test_exported_markdown_cannot_execute_anything(env, project, data_dir, tmp_path):
    store = Store(data_dir)
    sid = store.create_session("risky <script>alert(0)</script>", str(project)).id
    store.append_message(sid, Message(id="u1", role="user", blocks=[{"type": "text", "text": RISKY}]))
    store.append_message(sid, Message(id="a1", role="assistant", blocks=[{"type": "text", "text": RISKY}]))
    out = tmp_path / "risky.md"
    done = ccsess(env, project, "export", sid, "-o", str(out))
    assert done.returncode == 0, done.stderr
    markdown = out.read_text()
    prose = outside_fences(markdown)
    assert not re.search(r"<\s*/?\s*(script|iframe|img|a|object|embed|svg|style)\b", prose, re.IGNORECASE), prose
    assert not re.search(r"\]\(\s*(javascript|data|vbscript):", prose, re.IGNORECASE)
    assert "\x1b" not in markdown and "\x07" not in markdown
    assert "inside a fence is fine" in markdown


# Permission bypass ----------------------------------------------------------------------------------------------


def test_bypass_is_never_on_by_default(env, project, fake_log):
    assert ccsess(env, project, "run", "hi", "--new", "default-mode").returncode == 0
    for argv in logged_argvs(fake_log):
        assert argv[argv.index("--permission-mode") + 1] == "default"
        assert "bypassPermissions" not in argv and "--dangerously-skip-permissions" not in argv


@pytest.mark.skipif(os.geteuid() != 0, reason="the refusal applies to root only")
@pytest.mark.parametrize("how", ["flag", "config"])
def test_bypass_is_refused_as_root_unless_sandboxed(env, project, data_dir, fake_log, tmp_path, how):
    args = ["run", "hi", "--new", f"bypass-{how}"]
    if how == "flag":
        args += ["--permission-mode", "bypassPermissions"]
    else:
        Path(env["CCSESS_CONFIG"]).write_text('permission_mode = "bypassPermissions"\n')
    env = {k: v for k, v in env.items() if k != "IS_SANDBOX"}
    done = ccsess(env, project, *args)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "root" in done.stderr and done.stderr.startswith("ccsess: ")
    assert logged_argvs(fake_log) == [], "claude must not even be started"
    store = Store(data_dir)
    assert store.resolve(f"bypass-{how}").status == "failed"
    sandboxed = ccsess(dict(env, IS_SANDBOX="1"), project, "run", "hi", "--session", f"bypass-{how}")
    assert sandboxed.returncode == 0, sandboxed.stderr
    (argv,) = logged_argvs(fake_log)
    assert argv[argv.index("--permission-mode") + 1] == "bypassPermissions"
