"""Soak: kill -9 a sync at random points, rerun it, and check the store equals an uninterrupted run's.

    .venv/bin/python bench/soak_kill.py                 # 20 kills, report fast path, SQLite
    .venv/bin/python bench/soak_kill.py --kills 20 --fallback --pg

A simulated Moodle (a generated ``small`` site, 20 ms per call) serves every run. First one clean sync
into its own store gives the reference. Then, for each kill: a fresh store, ``qualiopi-sync sync``
in a subprocess killed with SIGKILL at a random moment once it has started calling Moodle,
then the same sync again to completion; its store must equal the reference, table by table, row by
row (bookkeeping tables and the référentiel's random uuids aside). Prints one line per kill; exits 1
on the first difference.
"""

from __future__ import annotations

import argparse
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import inspect, text

from bench.moodle_sim import SimMoodle
from bench.sitegen import REPORT_ID, GeneratedSite
from connector.store.db import make_engine

SKIP = {"sync_run", "alembic_version", "sync_cursor", "fetch_state", "criterion", "indicator"}
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


def snapshot(url: str) -> dict[str, list]:
    engine = make_engine(url)
    out = {}
    with engine.connect() as conn:
        for table in sorted(inspect(engine).get_table_names()):
            if table not in SKIP:
                out[table] = sorted(tuple(str(v) for v in r) for r in conn.execute(text(f"SELECT * FROM {table}")))
    engine.dispose()
    return out


def store(folder: Path, pg: bool, name: str) -> str:
    if not pg:
        return f"sqlite:///{folder / f'{name}.db'}"
    engine = make_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS soak_{name} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA soak_{name}"))
    engine.dispose()
    return f"{PG_URL}?options=-csearch_path%3Dsoak_{name}"


def config(folder: Path, name: str, url: str, store_url: str, report: bool) -> Path:
    cfg = folder / f"{name}.toml"
    cfg.write_text(f'[moodle]\nurl = "{url}"\ntoken = "soak-token"\nbackoff = 0\n'
                   + (f"participants_report_id = {REPORT_ID}\nreport_page_size = 200\n" if report else "")
                   + f'[store]\nurl = "{store_url}"\nlock_file = "{folder / name}.lock"\n')
    return cfg


def sync(cfg: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "connector.cli", "--config", str(cfg), "sync"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--fallback", action="store_true", help="per-course calls instead of the participants report")
    ap.add_argument("--pg", action="store_true", help="PostgreSQL stores instead of SQLite")
    args = ap.parse_args()
    folder = ROOT / "bench" / "results" / f"soak-{time.strftime('%Y%m%d-%H%M%S')}"
    folder.mkdir(parents=True)
    rng = random.Random(args.seed)
    with SimMoodle(site=GeneratedSite(seed=args.seed, size="small"), latency=0.02) as sim:
        ref_url = store(folder, args.pg, "reference")
        started = time.monotonic()
        ref = sync(config(folder, "reference", sim.url, ref_url, not args.fallback))
        while sim.calls.total() == 0 and ref.poll() is None:
            time.sleep(0.005)
        first_call = time.monotonic()
        if ref.wait() != 0:
            print(f"reference sync failed: {ref.stderr.read() if ref.stderr else ''}")
            return 1
        full = time.monotonic() - first_call
        reference = snapshot(ref_url)
        print(f"reference: {sum(len(v) for v in reference.values())} rows, {sim.calls.total()} calls, "
              f"{full:.1f} s from the first call to the end (started {first_call - started:.1f} s after launch)")
        killed = 0
        for i in range(args.kills):
            url = store(folder, args.pg, f"k{i}")
            cfg = config(folder, f"k{i}", sim.url, url, not args.fallback)
            delay = rng.uniform(0.0, full * 0.95)
            sim.calls.clear()
            proc = sync(cfg)
            while sim.calls.total() == 0 and proc.poll() is None:  # the sync is talking to Moodle
                time.sleep(0.005)
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            code = proc.wait()
            killed += code == -signal.SIGKILL
            rerun = sync(cfg)
            if rerun.wait() != 0:
                print(f"kill {i + 1}: the rerun failed: {rerun.stderr.read() if rerun.stderr else ''}")
                return 1
            same = snapshot(url) == reference
            print(f"kill {i + 1:>2} {delay:4.1f} s after the first call "
                  f"({'killed' if code == -signal.SIGKILL else 'had ended'}): "
                  f"rerun {'equals' if same else 'DIFFERS FROM'} the uninterrupted run", flush=True)
            if not same:
                return 1
    print(f"{args.kills} runs, {killed} killed mid-sync: every rerun equals the uninterrupted run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
