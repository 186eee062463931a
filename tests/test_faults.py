"""Fault injection against the simulated Moodle (a real HTTP server on 127.0.0.1).

Each fault: one line naming the cause and the fix, the documented exit code, the token
nowhere, and every data table exactly as before the failed run (contents compared).
"""

from __future__ import annotations

import copy
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from bench.moodle_sim import SimMoodle, bundle_entries, refused_url
from connector import errors
from connector.cli import cli
from connector.store.db import make_engine
from tests.conftest import TOKEN, _pg_engine, checkout_env
from tests.test_sync import dump

BOOKKEEPING = {"sync_cursor", "fetch_state", "sync_run", "alembic_version"}
TARGET = "core_enrol_get_enrolled_users"  # fails mid-resource: after 3 good calls


def data(engine) -> dict:
    return {k: v for k, v in dump(engine).items() if k not in BOOKKEEPING}


def synced(engine) -> dict:
    """The Moodle data only: comparable between two stores (the référentiel rows get random uuids)."""
    return {k: v for k, v in data(engine).items() if k not in {"criterion", "indicator"}}


def fresh_store(store_url: str, folder: Path) -> str:
    """An empty store of the same kind as ``store_url`` (values compare as text only within one kind)."""
    if store_url.startswith("sqlite"):
        return f"sqlite:///{folder}/store.db"
    _pg_engine().dispose()  # drops and recreates the test schema
    return store_url


def config(tmp_path: Path, url: str, store_url: str, timeout: float = 2.0) -> Path:
    cfg = tmp_path / "q.toml"
    cfg.write_text(f'[moodle]\nurl = "{url}"\ntoken = "{TOKEN}"\ntimeout = {timeout}\nretries = 2\nbackoff = 0\n'
                   f'[store]\nurl = "{store_url}"\nlock_file = "{tmp_path}/run.lock"\n')
    return cfg


def sync(cfg: Path, *extra: str):
    return CliRunner().invoke(cli, ["--config", str(cfg), "sync", *extra])


def suspend_student01(entries):
    """A real change in the failing resource: student01 suspended in C1 (absent from the onlyactive answer)."""
    for e in entries:
        if (e["wsfunction"] == TARGET and e["params"].get("courseid") == "2"
                and e["params"].get("options[0][name]") == "onlyactive" and isinstance(e["response"], list)):
            e["response"] = [u for u in e["response"] if u["id"] != 3]


CASES = [
    ("html502", errors.EXIT_TRANSIENT, "HTTP 502 from Moodle"),
    ("html503", errors.EXIT_TRANSIENT, "HTTP 503 from Moodle"),
    ("login200", errors.EXIT_TRANSIENT, "an HTML page (login, error or proxy page) instead of JSON"),
    ("truncated", errors.EXIT_TRANSIENT, "malformed or truncated JSON"),
    ("wrongshape", errors.EXIT_TRANSIENT, "unexpected shape"),
    ("invalidtoken", errors.EXIT_AUTH, "token"),
    ("accessexception", errors.EXIT_AUTH, "core_enrol_get_enrolled_users"),
    ("nopermissions", errors.EXIT_AUTH, "moodle/course:viewparticipants"),
    ("servicenotavailable", errors.EXIT_AUTH, "core_enrol_get_enrolled_users"),
    ("invalidparameter", errors.EXIT_FAILED, "core_enrol_get_enrolled_users"),
    ("timeout", errors.EXIT_TRANSIENT, "did not answer within 1 s"),
    ("reset", errors.EXIT_TRANSIENT, "connection"),
    ("emptylist", errors.EXIT_TRANSIENT, "returned no enrolled user"),
]


@pytest.mark.parametrize("mode, code, words", CASES, ids=[c[0] for c in CASES])
def test_fault_gives_one_line_exit_code_and_keeps_the_store(tmp_path, store_url, mode, code, words):
    entries = bundle_entries()
    with SimMoodle(entries) as sim:
        cfg = config(tmp_path, sim.url, store_url, timeout=1.0)
        assert sync(cfg).exit_code == 0
        engine = make_engine(store_url)
        before = data(engine)
        changed = copy.deepcopy(entries)
        suspend_student01(changed)
        sim.answers = SimMoodle(changed).answers
        sim.hang = 2.5
        sim.fail(TARGET, mode, after=3)
        result = sync(cfg)
        sim.heal()
        after = data(engine)
    err = result.stderr if hasattr(result, "stderr") else result.output
    lines = [x for x in err.splitlines() if x.strip()]
    assert result.exit_code == code, err
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], lines
    assert "Traceback" not in result.output and TOKEN not in result.output
    assert after == before  # every data table, row by row: nothing half-written


def test_connection_refused_and_slow_server(tmp_path, store_url):
    res = sync(config(tmp_path, refused_url(), store_url))
    assert res.exit_code == errors.EXIT_TRANSIENT and "connection refused" in res.output and "[moodle] url" in res.output
    with SimMoodle(latency=1.5) as sim:  # every answer slower than the client's timeout
        slow = sync(config(tmp_path, sim.url, store_url, timeout=0.5))
    assert slow.exit_code == errors.EXIT_TRANSIENT and "did not answer within 0.5 s" in slow.output


def test_recovery_after_a_fault_equals_an_uninterrupted_run(tmp_path, store_url):
    with SimMoodle() as sim:
        cfg = config(tmp_path, sim.url, store_url)
        sim.fail(TARGET, "reset", after=2)
        assert sync(cfg).exit_code == errors.EXIT_TRANSIENT
        sim.heal()
        assert sync(cfg).exit_code == 0
        engine = make_engine(store_url)
        recovered = synced(engine)
        engine.dispose()
    other = tmp_path / "clean"
    other.mkdir()
    clean_url = fresh_store(store_url, other)
    with SimMoodle() as sim:
        assert sync(config(other, sim.url, clean_url)).exit_code == 0
    assert recovered == synced(make_engine(clean_url))


def _spawn(cfg: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "connector.cli", "--config", str(cfg), "sync"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=checkout_env())


def kill_and_rerun(tmp_path: Path, store_url: str, sim: SimMoodle, make_config, expected: dict, *, seed: int,
                   max_delay: float, kills: int = 3) -> None:
    """Start a sync in a subprocess, kill -9 it at a random moment once it calls Moodle, run it again:
    the store must equal ``expected`` (an uninterrupted run's), ``kills`` times on fresh stores."""
    rng = random.Random(seed)
    for i in range(kills):
        d = tmp_path / f"k{i}"
        d.mkdir()
        url = fresh_store(store_url, d)
        cfg = make_config(d, sim.url, url)
        sim.calls.clear()
        proc = _spawn(cfg)
        started = time.monotonic()
        while sim.calls.total() < 3 and time.monotonic() - started < 30:  # the sync is under way
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, max_delay))  # then a random point of it
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL, "the sync ended before the kill"
        rerun = sync(cfg)
        assert rerun.exit_code == 0, rerun.output
        engine = make_engine(url)
        assert synced(engine) == expected, f"kill #{i}"
        engine.dispose()


def test_kill_9_during_sync_then_rerun_equals_uninterrupted(tmp_path, store_url):
    clean = tmp_path / "clean"
    clean.mkdir()
    with SimMoodle(latency=0.03) as sim:
        assert sync(config(clean, sim.url, store_url)).exit_code == 0
        first = make_engine(store_url)
        expected = synced(first)
        first.dispose()
        kill_and_rerun(tmp_path, store_url, sim, config, expected, seed=7, max_delay=1.5)


def test_two_processes_started_together_one_runs_the_other_is_locked(tmp_path):
    with SimMoodle(latency=0.05) as sim:
        cfg = config(tmp_path, sim.url, f"sqlite:///{tmp_path}/s.db")
        first, second = _spawn(cfg), _spawn(cfg)
        codes = sorted([first.wait(timeout=120), second.wait(timeout=120)])
        errs = first.stderr.read() + second.stderr.read()
    assert codes == [0, errors.EXIT_LOCKED], errs
    assert "another qualiopi-sync run holds" in errs
