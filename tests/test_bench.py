"""The benchmark itself runs (on the tiny generated site, no latency): every step succeeds and its figures hold."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT, checkout_env


def test_benchmark_runs_end_to_end_on_a_tiny_site(tmp_path):
    out = tmp_path / "tiny.json"
    proc = subprocess.run([sys.executable, "bench/run.py", "--size", "tiny", "--latency", "0", "--workdir",
                           str(tmp_path / "work"), "--out", str(out)], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env=checkout_env())
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "| full sync (first run) |" in proc.stdout  # the table
    s = json.loads(out.read_text())
    steps = {r["step"].split(" (")[0]: r for r in s["steps"]}
    assert all(r["exit"] == 0 for r in s["steps"]), s["steps"]
    full, inc, same = steps["full sync"], steps["incremental sync after 1 % change"], steps["sync with no change"]
    assert full["rows_written"] > 0 and full["calls"] == sum(full["calls_by_function"].values())
    assert 0 < inc["calls"] < full["calls"] and inc["rows_written"] > 0
    assert same["rows_written"] == 0 and sum(same["calls_by_resource"].values()) <= 5
    assert steps["evaluate + render all"]["rendered"] == 3
    after = steps["evaluate + render after the change"]
    assert after["rendered"] + after["unchanged"] == 3
    naive = next(r for r in s["steps"] if r["step"].startswith("naive"))
    assert naive["calls"] > full["calls"] and s["ratios"]["naive_calls_over_full"] > 1
    integrator = next(r for r in s["steps"] if r["step"].startswith("integrator"))
    assert integrator["exit"] == 0 and integrator["calls"] > 0 and s["ratios"]["integrator_calls_over_full"] > 0
    assert s["site"]["enrolments"] > 0 and full["peak_rss_mib"] > 0
