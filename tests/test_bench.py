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
    # CPU time: the sync's own (it decodes and writes) and the simulator's (it answers), apart
    assert full["cpu_s"] > 0 and full["sim_cpu_s"] > 0 and full["cpu_s"] < full["wall_s"] * 4
    assert "| CPU (simulator's) |" in proc.stdout


def test_the_simulated_change_moves_the_same_courses_whatever_the_time_it_is_made():
    """The benchmark's incremental count must not depend on how long the earlier steps took: a changed access is
    later than every generated one whether the change comes a minute or an hour after the site's clock."""
    from bench.sitegen import GeneratedSite

    def moved(delay: int) -> set[int]:
        site = GeneratedSite(seed=1, size="small")  # the tiny site is too small to show it

        def last_access() -> dict[int, int]:
            return {c.id: max([site.enrolment(c, uid).access for uid in site.learners(c)]
                              + [site.enrolment(c, t[0]).access for t in site.teachers(c)], default=0)
                    for c in site._courses}

        before = last_access()
        site.change(0.01, site.clock + delay)
        after = last_access()
        return {c for c in before if after[c] != before[c]}

    early = moved(10)
    assert early and early == moved(3600)
