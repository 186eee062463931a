"""Benchmark: qualiopi-sync against a simulated Moodle of a given size, with call counts, time, memory.

    .venv/bin/python bench/run.py --size small            # a quick check (≈ 1 min)
    .venv/bin/python bench/run.py --size large            # 5,000 courses, ≈ 261,000 enrolments

The simulated Moodle (``bench.moodle_sim``, a real HTTP server on 127.0.0.1, 20 ms per call by
default) runs in its own process; each measured step runs ``qualiopi-sync`` in a child process, so
that its wall time and peak RSS (``wait4``) are its own. Calls are counted by the simulator.

Steps: a full sync (first run, participants report configured), evaluate every programme, render
everything; then 1 % of the data changes and an incremental sync, evaluate + render again (only
changed programmes are rendered); a sync with no change; and the naive path a typical script takes
(``bench.naive``: completion fetched per learner per course, one call at a time) over a sample of the
courses, extrapolated to the whole site by its share of the enrolments; and the path a competent
integrator writes without the report (``bench.integrator``: per course its contents, users and surveys,
per learner their courses in one call), over the whole site. Prints a table and writes
JSON (``--out``, default ``bench/results/<size>.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.sitegen import REPORT_ID, GeneratedSite
from connector.sync.resources import RESOURCES
from reports.render import font_subsetter

PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


def start_sim(size: str, seed: int, latency: float) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "bench.moodle_sim", "--size", size, "--seed", str(seed),
                             "--latency", str(latency), "--clock", "now"], cwd=ROOT, stdout=subprocess.PIPE,
                            text=True)
    line = proc.stdout.readline().strip() if proc.stdout else ""
    if not line.startswith("READY "):
        proc.kill()
        raise SystemExit(f"the simulated Moodle did not start: {line!r}")
    return proc, line.split(" ", 1)[1]


def sim(url: str, path: str, post: bool = False) -> dict:
    req = urllib.request.Request(url + path, data=b"" if post else None, method="POST" if post else "GET")
    with urllib.request.urlopen(req, timeout=600) as resp:
        return json.loads(resp.read())


def write_config(folder: Path, url: str, store_url: str, site: GeneratedSite, concurrency: int,
                 report: bool = True) -> Path:
    lines = ["[moodle]", f'url = "{url}"', 'token = "bench-token-0123456789"', f"concurrency = {concurrency}",
             "timeout = 120", *([f"participants_report_id = {REPORT_ID}"] if report else []),
             f'report_timezone = "{site.tz}"', "[store]", f'url = "{store_url}"', f'lock_file = "{folder / "run.lock"}"',
             "[provider]", 'name = "Organisme de formation simulé"',
             "[reports]", f'out_dir = "{folder / "out"}"']
    for p in range(site.n_programmes):
        alternance = p % 7 == 0
        lines += ["[[programmes]]", f'code = "P{p:03d}"', f'title = "Programme {p:03d}"',
                  f'action_category = "{"apprentissage" if alternance else "action_de_formation"}"',
                  f"alternance = {str(alternance).lower()}", f"rules = [{{ category = {10 + p} }}]"]
    lines += ["[[programmes]]", 'code = "ACCUEIL"', 'title = "Accueil"', 'rules = [{ prefix = "ZZ-" }]']
    cfg = folder / "qualiopi-sync.toml"
    cfg.write_text("\n".join(lines) + "\n")
    return cfg


def measured(cmd: list[str]) -> tuple[int, float, float, float, str, str]:
    """(exit code, wall s, peak RSS MiB, CPU s, stdout, stderr): wait4 on the exact child, so that its peak RSS
    and CPU time (its waited-for children's included) are its own."""
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = _drain(proc)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return (proc.returncode, time.monotonic() - started, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime,
            out, err)


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a running process has used so far (the simulator's, read from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _drain(proc: subprocess.Popen) -> tuple[str, str]:
    import threading

    bufs: dict[str, str] = {}

    def read(name: str, stream) -> None:
        bufs[name] = stream.read()

    ts = [threading.Thread(target=read, args=(n, s)) for n, s in (("out", proc.stdout), ("err", proc.stderr))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return bufs.get("out", ""), bufs.get("err", "")


def last_run(store_url: str) -> dict:
    from sqlalchemy import select

    from connector.store.db import make_engine, sessions
    from connector.store.models import SyncRun

    engine = make_engine(store_url)
    try:
        with sessions(engine)() as s:
            run = s.scalars(select(SyncRun).order_by(SyncRun.id.desc()).limit(1)).first()
            return {"status": run.status, "rows": run.rows, "error": run.error} if run else {}
    finally:
        engine.dispose()


def per_resource(calls: dict[str, int]) -> dict[str, int]:
    out = {}
    for r in RESOURCES:
        n = sum(calls.get(f, 0) for f in r.functions)
        out[r.name] = n
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description="qualiopi-sync benchmark against a simulated Moodle")
    ap.add_argument("--size", choices=["tiny", "small", "large"], default="small")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--latency", type=float, default=0.02, help="seconds per WS call (default 0.02)")
    ap.add_argument("--concurrency", type=int, default=4, help="[moodle] concurrency of qualiopi-sync")
    ap.add_argument("--pg", nargs="?", const=PG_URL, default=None, metavar="URL",
                    help=f"store in PostgreSQL, schema qualiopi_bench (dropped and recreated) of the database at URL "
                         f"(default {PG_URL}), instead of SQLite")
    ap.add_argument("--naive-sample", type=float, default=None,
                    help="share of the courses the naive path goes through (default: all for small, 2 %% for large)")
    ap.add_argument("--sync-only", action="store_true",
                    help="only the sync steps (full, after the 1 %% change, no change): a quick cost check")
    ap.add_argument("--fallback", action="store_true",
                    help="sync without the participants report (the path of sites whose administrator will not "
                         "build it); best with --sync-only")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--workdir", type=Path, default=None, help="where the store and reports go "
                    "(default bench/results/<size>-<time>)")
    args = ap.parse_args()
    sample = args.naive_sample or (0.02 if args.size == "large" else 1.0)
    folder = args.workdir or ROOT / "bench" / "results" / f"{args.size}-{time.strftime('%Y%m%d-%H%M%S')}"
    folder.mkdir(parents=True, exist_ok=True)
    store_url = f"sqlite:///{folder / 'store.db'}"
    if args.pg:
        from sqlalchemy import text

        from connector.store.db import make_engine

        base = make_engine(args.pg)
        with base.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS qualiopi_bench CASCADE"))
            conn.execute(text("CREATE SCHEMA qualiopi_bench"))
        base.dispose()
        store_url = f"{args.pg}{'&' if '?' in args.pg else '?'}options=-csearch_path%3Dqualiopi_bench"
    proc, url = start_sim(args.size, args.seed, args.latency)
    site = GeneratedSite(seed=args.seed, size=args.size)
    cfg = write_config(folder, url, store_url, site, args.concurrency, report=not args.fallback)
    cli = [sys.executable, "-m", "connector.cli", "--config", str(cfg)]
    info = sim(url, "/_sim/info")
    subsetter = font_subsetter()  # the render steps' figures depend on it (README, Installing for production)
    results: list[dict] = []
    print(f"simulated Moodle at {url}: {info['courses']} courses, {info['enrolments']} enrolments, "
          f"{info['programmes']} programmes, {args.latency * 1000:g} ms per call; store {store_url.split('?')[0]}"
          + ("; without the participants report" if args.fallback else "")
          + ("" if subsetter == "harfbuzz" else
             "\nwarning: libharfbuzz-subset0 is not installed: PDFs are slower than on a production install"),
          flush=True)

    def step(name: str, cmd: list[str], sync: bool = False) -> dict:
        sim(url, "/_sim/reset", post=True)
        sim_before = cpu_seconds(proc.pid)
        code, wall, rss, cpu, out, err = measured(cmd)
        sim_cpu = cpu_seconds(proc.pid) - sim_before
        calls = sim(url, "/_sim/calls")
        row = {"step": name, "exit": code, "wall_s": round(wall, 1), "peak_rss_mib": round(rss),
               "cpu_s": round(cpu, 2), "sim_cpu_s": round(sim_cpu, 2),
               "calls": sum(calls.values()), "calls_by_function": calls}
        if sync:
            run = last_run(store_url)
            row["rows_written"] = sum(sum(c.values()) for c in (run.get("rows") or {}).values())
            row["calls_by_resource"] = per_resource(calls)
        m = re.search(r"(\d+) programme\(s\) rendered, (\d+) unchanged", out)
        if m:
            row["rendered"], row["unchanged"] = int(m[1]), int(m[2])
        if code != 0:
            row["error"] = (err or out).strip().splitlines()[-1:]
        results.append(row)
        print(f"  {name:<34} exit {code}  {wall:8.1f} s  {rss:6.0f} MiB  CPU {row['cpu_s']:6.1f} s "
              f"(simulator {row['sim_cpu_s']:5.1f} s)  {row['calls']:>8} calls"
              + (f"  {row['rows_written']:>9} rows" if sync else "")
              + (f"  rendered {row['rendered']}, unchanged {row['unchanged']}" if m else ""), flush=True)
        return row

    try:
        full = step("full sync (first run)", [*cli, "sync"], sync=True)
        if not args.sync_only:
            step("evaluate all programmes", [*cli, "evaluate"])
            step("evaluate + render all", [*cli, "render"])
        changed = sim(url, "/_sim/change?fraction=0.01", post=True)
        print(f"  1 % changed: {changed}", flush=True)
        inc = step("incremental sync after 1 % change", [*cli, "sync"], sync=True)
        if not args.sync_only:
            step("evaluate after the change", [*cli, "evaluate"])
            step("evaluate + render after the change", [*cli, "render"])
        same = step("sync with no change", [*cli, "sync"], sync=True)
        if args.sync_only:
            brief = {"size": args.size, "seed": args.seed, "latency_s": args.latency, "concurrency": args.concurrency,
                     "store": store_url.split("?")[0].split("///")[0], "participants_report": not args.fallback,
                     "site": info, "changed": changed, "steps": results}
            print(json.dumps({"full": full["calls"], "incremental": inc["calls"], "no_change": same["calls"],
                              "incremental_by_function": inc["calls_by_function"],
                              "no_change_by_function": same["calls_by_function"]}, indent=1))
            if args.out:
                args.out.write_text(json.dumps(brief, indent=2, ensure_ascii=False))
                print(f"JSON: {args.out}")
            return
        info_now = sim(url, "/_sim/info")
        sim(url, "/_sim/reset", post=True)
        code, wall, rss, _, out, err = measured([sys.executable, "-m", "bench.naive", "--url", url,
                                              "--sample", str(sample)])
        naive = json.loads(out) if code == 0 else {"error": err}
        share = naive.get("enrolments", 0) / max(1, info_now["enrolments"])
        factor = 1 / share if share else 0
        nrow = {"step": f"naive path ({sample:.0%} of courses, extrapolated)", "exit": code,
                "sample_wall_s": round(wall, 1), "sample_calls": sum(naive.get("calls", {}).values()),
                "wall_s": round(wall * factor, 1), "peak_rss_mib": round(rss),
                "calls": round(sum(naive.get("calls", {}).values()) * factor),
                "rows_written": round(naive.get("rows", 0) * factor), "sample_enrolments": naive.get("enrolments")}
        results.append(nrow)
        print(f"  {nrow['step']:<34} exit {code}  {nrow['wall_s']:8.1f} s  {rss:6.0f} MiB  {nrow['calls']:>8} calls"
              f"  (sample: {nrow['sample_calls']} calls in {wall:.1f} s)", flush=True)
        sim(url, "/_sim/reset", post=True)
        code, wall, rss, _, out, err = measured([sys.executable, "-m", "bench.integrator", "--url", url,
                                              "--concurrency", str(args.concurrency)])
        integ = json.loads(out) if code == 0 else {"error": err}
        irow = {"step": "integrator path (no report: per course contents, users, surveys; per learner their "
                        "courses)", "exit": code, "wall_s": round(wall, 1), "peak_rss_mib": round(rss),
                "calls": sum(sim(url, "/_sim/calls").values()), "rows_written": integ.get("rows", 0)}
        if code != 0:
            irow["error"] = err.strip().splitlines()[-1:]
        results.append(irow)
        print(f"  {'integrator path':<34} exit {code}  {wall:8.1f} s  {rss:6.0f} MiB  {irow['calls']:>8} calls",
              flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    summary = {
        "size": args.size, "seed": args.seed, "latency_s": args.latency, "concurrency": args.concurrency,
        "store": store_url.split("?")[0].split("///")[0], "site": info, "changed": changed,
        "pdf_font_subsetter": subsetter, "steps": results,
        "ratios": {"naive_calls_over_full": round(nrow["calls"] / max(1, full["calls"]), 1),
                   "integrator_calls_over_full": round(irow["calls"] / max(1, full["calls"]), 1),
                   "incremental_calls_share_of_full": round(inc["calls"] / max(1, full["calls"]), 4),
                   "no_change_calls_by_resource": same.get("calls_by_resource")},
    }
    out = args.out or ROOT / "bench" / "results" / f"{args.size}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    print(table(summary))
    print(f"JSON: {out}")


def table(s: dict) -> str:
    lines = ["", "| step | wall | peak RSS | CPU (simulator's) | WS calls | rows written |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in s["steps"]:
        extra = f" ({r['rendered']} rendered, {r['unchanged']} unchanged)" if "rendered" in r else ""
        cpu = f"{r['cpu_s']:.1f} s ({r['sim_cpu_s']:.1f} s)" if "cpu_s" in r else "–"
        rows = f"{r['rows_written']:,}" if "rows_written" in r else "–"
        lines.append(f"| {r['step']}{extra} | {r['wall_s']:.1f} s | {r['peak_rss_mib']} MiB | {cpu} | {r['calls']:,} | "
                     f"{rows} |")
    ra = s["ratios"]
    lines += ["", (f"naive / full calls: {ra['naive_calls_over_full']}×; integrator / full calls: "
              f"{ra.get('integrator_calls_over_full')}×; incremental after 1 % change: "
              f"{ra['incremental_calls_share_of_full']:.1%} of the full run's calls; "
              f"no change, calls per resource: {ra['no_change_calls_by_resource']}")]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
