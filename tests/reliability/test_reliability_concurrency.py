"""Two writers on one data dir at once: `ccsess run` (or an Engine in another process) and a second process
writing through the Store API. Every message present, in order per writer, no metadata update lost."""

from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from support import crash_driver
from support.crash_driver import ccsess, ccsess_env

from ccsess.core.store.store import Store

DRIVER = Path(crash_driver.__file__)
FAKE_COST = 0.001  # what the fake claude reports per turn
FAKE_INPUT_TOKENS = 10



@pytest.fixture
def env(tmp_path: Path, data_dir: Path, fake_claude: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    return ccsess_env(data_dir, fake_claude, home, tmp_path / "config.toml")


def _start_store_writer(env, data_dir: Path, own: str, shared: list[str], count: int, pace: float):
    return subprocess.Popen(
        [sys.executable, str(DRIVER), "store-writer", str(data_dir), own, ",".join(shared), str(count), str(pace),
         "5"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _check(data_dir: Path, lanes: dict[str, list[str]], own: str, count: int, *, one_process: bool) -> None:
    """``lanes``: session id -> prompts writer A sent to it, in order. ``one_process``: all of A's turns ran in
    one claude process, whose reported cost is cumulative (the fake reports the same total every turn)."""
    store = Store(data_dir)
    assert store.problems == []
    own_texts = [m.text for m in store.messages(own)]
    assert own_texts == [f"B{i}" for i in range(count)]
    assert store.get_session(own).message_count == count
    shared = list(lanes)
    for position, (session_id, prompts) in enumerate(lanes.items()):
        session = store.get_session(session_id)
        messages = store.messages(session_id, all_versions=True)
        assert session.message_count == len(messages), "message_count lost an update"
        side_expected = [f"side {i}" for i in range(count) if i % len(shared) == position]
        side = [m.text for m in messages if m.role == "user" and m.text.startswith("side ")]
        assert side == side_expected, "writer B's messages missing or out of order"
        own_messages = [m for m in messages if not (m.role == "user" and m.text.startswith("side "))]
        expected_roles = ["user", "assistant"] * len(prompts)
        assert [m.role for m in own_messages] == expected_roles
        assert [m.text for m in own_messages[0::2]] == prompts, "writer A's prompts missing or out of order"
        for prompt, reply in zip(prompts, own_messages[1::2], strict=True):
            assert reply.text.endswith(f": {prompt}") and not reply.interrupted and not reply.partial
        renames = [i for i in range(count) if i % len(shared) == position]
        if renames:
            assert session.name == f"renamed {renames[-1]}", "a rename was lost"
        totals = session.totals
        assert totals.turns == len(prompts), "a turn count was lost"
        assert totals.input_tokens == len(renames) * 1000 + len(prompts) * FAKE_INPUT_TOKENS
        turn_cost = FAKE_COST if one_process else len(prompts) * FAKE_COST
        assert totals.cost_usd == pytest.approx(len(renames) * 1.0 + turn_cost)
        assert session.status == "idle"
    assert store.get_setting("writer_b") == count - 1


def run_two_writers_cli(env, project: Path, data_dir: Path, *, lanes: int, runs_per_lane: int,
                        store_writes: int, pace: float) -> float:
    """Writer A: ``lanes`` sequences of `ccsess run --session` (one sequence per session, run side by side);
    writer B: the Store API in another process. Returns the elapsed seconds."""
    store = Store(data_dir)
    shared = [store.create_session(f"lane {n}", str(project)).id for n in range(lanes)]
    own = store.create_session("writer b", str(project)).id
    prompts = {sid: [f"lane {n} turn {j}" for j in range(runs_per_lane)] for n, sid in enumerate(shared)}
    started = time.monotonic()
    writer_b = _start_store_writer(env, data_dir, own, shared, store_writes, pace)

    def lane(session_id: str) -> None:
        for prompt in prompts[session_id]:
            done = ccsess(env, project, "run", prompt, "--session", session_id)
            assert done.returncode == 0, done.stderr
            assert "Traceback" not in done.stderr

    with ThreadPoolExecutor(max_workers=lanes) as pool:
        for future in [pool.submit(lane, sid) for sid in shared]:
            future.result()
    _, err = writer_b.communicate(timeout=600)
    assert writer_b.returncode == 0, err
    elapsed = time.monotonic() - started
    _check(data_dir, prompts, own, store_writes, one_process=False)
    return elapsed


def run_two_writers_engine(env, project: Path, data_dir: Path, fake_claude: Path, *, turns: int,
                           store_writes: int, pace: float) -> float:
    store = Store(data_dir)
    shared = store.create_session("engine lane", str(project)).id
    own = store.create_session("writer b", str(project)).id
    started = time.monotonic()
    writer_a = subprocess.Popen(
        [sys.executable, str(DRIVER), "engine-writer", str(data_dir), shared, str(fake_claude), str(turns)],
        env=env, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    writer_b = _start_store_writer(env, data_dir, own, [shared], store_writes, pace)
    _, err_a = writer_a.communicate(timeout=900)
    _, err_b = writer_b.communicate(timeout=900)
    assert writer_a.returncode == 0, err_a
    assert writer_b.returncode == 0, err_b
    elapsed = time.monotonic() - started
    _check(data_dir, {shared: [f"turn {i}" for i in range(turns)]}, own, store_writes, one_process=True)
    return elapsed


def test_ccsess_run_and_store_api_write_at_once(env, project, data_dir, record_property):
    elapsed = run_two_writers_cli(env, project, data_dir, lanes=5, runs_per_lane=4, store_writes=50, pace=0.1)
    record_property("two_writers_cli", f"20 runs + 50 store writes in {elapsed:.1f} s")


def test_engine_process_and_store_api_write_at_once(env, project, data_dir, fake_claude, record_property):
    elapsed = run_two_writers_engine(env, project, data_dir, fake_claude, turns=50, store_writes=50, pace=0.02)
    record_property("two_writers_engine", f"50 turns + 50 store writes in {elapsed:.1f} s")


@pytest.mark.soak
@pytest.mark.timeout(3600)
def test_soak_ccsess_run_and_store_api_500_each(env, project, data_dir):
    elapsed = run_two_writers_cli(env, project, data_dir, lanes=5, runs_per_lane=100, store_writes=500, pace=0.1)
    print(f"SOAK two writers (ccsess run x500 in 5 lanes + Store API x500): {elapsed:.1f} s")


@pytest.mark.soak
@pytest.mark.timeout(3600)
def test_soak_engine_process_and_store_api_500_each(env, project, data_dir, fake_claude):
    elapsed = run_two_writers_engine(env, project, data_dir, fake_claude, turns=500, store_writes=500, pace=0.02)
    print(f"SOAK two writers (Engine process x500 turns + Store API x500): {elapsed:.1f} s")
