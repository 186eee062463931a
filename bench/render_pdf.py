"""Benchmark: PDF render time of a 200-learner programme, and the cost of an unchanged rerun.

Builds a synthetic programme (4 courses × 200 learners, a third of them at risk, every
indicator evaluated) in the frozen types of ``mappings``, then times ``render_reports``
(site page + PDF + audit pack + digests) twice against a temporary SQLite store: the first
run renders, the second finds the same input hash and renders nothing.
Run: ``.venv/bin/python bench/render_pdf.py`` (prints a table, writes bench/render_pdf.json).
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from connector import app
from connector.evaluate import EvaluationResult
from connector.render import build_programme_reports, render_reports
from mappings.indicators import evaluate_programme
from mappings.indicators.base import EvalInput
from mappings.model import DAY, LearnerSnap, StaffSnap
from mappings.programmes import Programme
from mappings.thresholds import merged
from reports.model import ReportMeta
from reports.render import font_subsetter, render_programme_pdfs
from tests.indicators.builders import NOW, good_course

LEARNERS = 200


def programme_input() -> EvalInput:
    courses = []
    for k in range(4):
        learners = tuple(
            LearnerSnap(1000 + i, f"Apprenant {i:03d}", f"STU{i:03d}", "active",
                        0 if i % 9 == 0 else NOW - (45 if i % 3 == 0 else 2) * DAY, ("A" if i % 2 else "B",),
                        i % 4 == 0, 2, 3)
            for i in range(LEARNERS))
        courses.append(replace(good_course(id=10 + k, shortname=f"BTS-{k}", fullname=f"Module {k}"),
                               learners=learners, staff=(StaffSnap(43 + k, f"Formateur {k}", "editingteacher",
                                                                   NOW - DAY),)))
    prog = Programme("BENCH", "Programme de 200 apprenants", "apprentissage", alternance=True, rncp="RNCP38362")
    return EvalInput(prog, tuple(courses), NOW, merged())


def main() -> None:
    inp = programme_input()
    t0 = time.perf_counter()
    verdicts = evaluate_programme(inp)
    t_eval = time.perf_counter() - t0
    ev = EvaluationResult(1, [(inp.programme, verdicts)], [], NOW, {inp.programme.code: inp.courses})
    with tempfile.TemporaryDirectory() as tmp:
        store = app.open_store(f"sqlite:///{tmp}/bench.db")
        out = Path(tmp) / "out"
        t0 = time.perf_counter()
        first = render_reports(ev, store.sessions, out, "Organisme de formation", now=NOW)
        t_first = time.perf_counter() - t0
        pdf = out / "pdf" / "qualiopi-BENCH.pdf"
        size = pdf.stat().st_size
        reports = build_programme_reports(ev, store.sessions)
        t0 = time.perf_counter()
        render_programme_pdfs(Path(tmp) / "pdf-only", ReportMeta("Organisme de formation", NOW, NOW), reports[:1])
        t_pdf = time.perf_counter() - t0
        t0 = time.perf_counter()
        second = render_reports(ev, store.sessions, out, "Organisme de formation", now=NOW)
        t_second = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    subsetter = font_subsetter()
    rows = [
        ("evaluate 32 indicators (4 courses × 200 learners)", f"{t_eval:.3f} s", ""),
        ("first render: page + PDF + audit pack + 4 digests", f"{t_first:.2f} s",
         f"{len(first.rendered)} programme rendered, PDF {size / 1024:.0f} KiB"),
        ("PDF alone (WeasyPrint)", f"{t_pdf:.2f} s", ""),
        ("rerun, inputs unchanged", f"{t_second:.3f} s",
         f"{len(second.rendered)} rendered, {len(second.unchanged)} unchanged"),
        ("peak RSS", f"{rss:.0f} MiB", ""),
        ("fonts subset by", subsetter, "" if subsetter == "harfbuzz" else "libharfbuzz-subset0 is missing: slower PDFs"),
    ]
    width = max(len(r[0]) for r in rows)
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>9}  {note}")
    (ROOT / "bench" / "render_pdf.json").write_text(json.dumps({
        "learners": LEARNERS, "evaluate_s": round(t_eval, 3), "first_render_s": round(t_first, 2), "pdf_only_s": round(t_pdf, 2),
        "unchanged_rerun_s": round(t_second, 3), "pdf_kib": round(size / 1024), "peak_rss_mib": round(rss),
        "font_subsetter": subsetter},
        indent=2) + "\n")


if __name__ == "__main__":
    main()
