"""Mutation testing: plant one small bug at a time and see whether the tests notice.

Each mutant changes one operator or constant of a module (``<`` → ``<=``, ``and`` → ``or``, ``True`` →
``False``, ``n`` → ``n + 1``, ``not x`` → ``x``, a ``return`` value → ``None``…) in a copy of the checkout,
then runs the tests that cover the module (SQLite only, first failure stops). A mutant the tests do not
fail on *survives*: either a missing test or a harmless change (an equivalent mutant). The run prints the
score per module and every survivor with its line, for a human to judge. Not part of CI (minutes per
module).

    .venv/bin/python bench/mutation.py                  # every target below
    .venv/bin/python bench/mutation.py --module push    # targets whose path contains "push" (repeatable)
    .venv/bin/python bench/mutation.py --max 40         # at most 40 mutants per module (sampled, --seed)
    .venv/bin/python bench/mutation.py --survivors r.json   # only what an earlier run (--out r.json) left alive
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# module → the tests that cover it (the mutation run uses them only: a full suite per mutant is 20 minutes)
TARGETS: dict[str, list[str]] = {
    "mappings/status.py": ["tests/indicators/test_status.py", "tests/indicators/test_evidence.py"],
    "mappings/indicators/i12_engagement.py": ["tests/indicators/test_i12_engagement.py"],
    "mappings/indicators/i31_complaints.py": ["tests/indicators/test_i31_complaints.py"],
    "mappings/indicators/complaints_register.py": ["tests/indicators/test_i31_complaints.py"],
    "mappings/indicators/i08_positioning.py": ["tests/indicators/test_i08_positioning.py"],
    "mappings/indicators/base.py": ["tests/indicators/test_rates_properties.py", "tests/indicators"],
    "connector/push.py": ["tests/test_push.py", "tests/test_push_once.py"],
    "connector/safe_text.py": ["tests/test_moodle_client.py", "tests/test_bad_input.py", "tests/test_push.py"],
    "connector/store/upsert.py": ["tests/test_sync.py", "tests/test_ground_truth_recorded.py",
                                  "tests/test_retention.py"],
    "connector/store/outputs.py": ["tests/test_push.py", "tests/test_push_once.py", "tests/test_store.py",
                                   "tests/test_evaluation.py", "tests/test_reports.py"],
    "connector/sync/resources/catalog.py": ["tests/test_sync.py", "tests/test_ground_truth_recorded.py",
                                            "tests/test_registers.py"],
    "connector/sync/resources/learners.py": ["tests/test_sync.py", "tests/test_ground_truth_recorded.py"],
    "connector/sync/resources/feedback.py": ["tests/test_sync.py", "tests/test_ground_truth_recorded.py",
                                             "tests/test_sync_non_respondents.py"],
    "connector/sync/resources/non_respondents.py": ["tests/test_sync_non_respondents.py",
                                                    "tests/test_ground_truth_recorded.py"],
    "connector/sync/resources/forums.py": ["tests/test_sync.py", "tests/test_ground_truth_recorded.py"],
    "connector/sync/resources/notes.py": ["tests/test_notes.py"],
    "connector/sync/resources/registers.py": ["tests/test_registers.py"],
    "connector/sync/resources/participants.py": ["tests/test_sync_report.py", "tests/test_report.py"],
    "connector/sync/resources/snapshots.py": ["tests/test_dossier.py"],
    "connector/moodle/report.py": ["tests/test_report.py", "tests/test_doctor.py"],  # doctor: access fixes
    "mappings/rncp.py": ["tests/indicators", "tests/test_rncp.py"],
    "mappings/indicators/blocs.py": ["tests/indicators", "tests/test_rncp.py"],
    "mappings/indicators/i07_certification_adequacy.py": ["tests/indicators", "tests/test_rncp.py"],
    "mappings/indicators/evidence.py": ["tests/indicators", "tests/test_results.py"],
    "mappings/indicators/results.py": ["tests/indicators", "tests/test_results.py"],
    "mappings/indicators/rncp_link.py": ["tests/indicators", "tests/test_rncp.py"],
    "mappings/sample.py": ["tests/indicators", "tests/test_dossier.py"],
    "mappings/text.py": ["tests/indicators", "tests/test_report_texts.py"],
    "mappings/model.py": ["tests/indicators", "tests/test_rncp.py"],  # worst() is used by the RNCP check
    "mappings/thresholds.py": ["tests/indicators", "tests/test_config_example.py", "tests/test_bad_input.py"],
    # the shell's error paths: configuration, the client's answers, the store's and the lock's failures
    "connector/config.py": ["tests/test_bad_input.py", "tests/test_cli.py", "tests/test_config_example.py"],
    "connector/moodle/client.py": ["tests/test_moodle_errors.py", "tests/test_moodle_client.py"],
    "connector/store/db.py": ["tests/test_store.py", "tests/test_permissions.py", "tests/test_scheduler.py"],
    "connector/store/lock.py": ["tests/test_scheduler.py", "tests/test_permissions.py", "tests/test_store.py"],
}
# the rest of the functional core: each module on the indicator tests (a few seconds a run)
for _p in sorted((ROOT / "mappings").rglob("*.py")):
    _rel = str(_p.relative_to(ROOT))
    if _p.name != "__init__.py" and _rel not in TARGETS:
        TARGETS[_rel] = ["tests/indicators"]

_CMP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
        ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}
_BIN = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.FloorDiv, ast.Div: ast.Mult, ast.FloorDiv: ast.Mult}
_SYMBOL = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=", ast.In: "in",
           ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not", ast.Add: "+", ast.Sub: "-", ast.Mult: "*",
           ast.Div: "/", ast.FloorDiv: "//", ast.And: "and", ast.Or: "or"}


@dataclass(frozen=True)
class Mutant:
    path: str
    index: int  # the n-th mutation site of the module (stable for a given source)
    line: int
    what: str


def _sites(tree: ast.AST) -> list[tuple[ast.AST, str, int]]:
    """(node, kind, line) of every place one mutation can be planted, in source order."""
    out = []
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, ast.Module | ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)
                  and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and type(node.ops[0]) in _CMP:
            out.append((node, "compare", node.lineno))
        elif isinstance(node, ast.BinOp) and type(node.op) in _BIN:
            out.append((node, "binop", node.lineno))
        elif isinstance(node, ast.BoolOp):
            out.append((node, "boolop", node.lineno))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            out.append((node, "not", node.lineno))
        elif isinstance(node, ast.Constant) and id(node) not in docstrings:
            if isinstance(node.value, bool) or (isinstance(node.value, int) and not isinstance(node.value, bool)):
                out.append((node, "constant", node.lineno))
        elif isinstance(node, ast.Return) and node.value is not None and not (
                isinstance(node.value, ast.Constant) and node.value.value is None):
            out.append((node, "return", node.lineno))
    return sorted(out, key=lambda x: (x[2], getattr(x[0], "col_offset", 0), x[1]))


def _mutate(node: ast.AST, kind: str) -> str:
    """Change the node in place; say what changed."""
    if kind == "compare":
        old = type(node.ops[0])
        node.ops[0] = _CMP[old]()
        return f"{_SYMBOL[old]} → {_SYMBOL[_CMP[old]]}"
    if kind == "binop":
        old = type(node.op)
        node.op = _BIN[old]()
        return f"{_SYMBOL[old]} → {_SYMBOL[_BIN[old]]}"
    if kind == "boolop":
        old = type(node.op)
        node.op = ast.Or() if old is ast.And else ast.And()
        return f"{_SYMBOL[old]} → {'or' if old is ast.And else 'and'}"
    if kind == "not":
        node.op = ast.UAdd()  # +x: the negation dropped, the truth value kept for bools
        return "not x → x"
    if kind == "constant":
        old = node.value
        node.value = (not old) if isinstance(old, bool) else old + 1
        return f"{old!r} → {node.value!r}"
    node.value = ast.Constant(None)
    return "return value → None"


def mutants(path: str, root: Path = ROOT) -> list[Mutant]:
    tree = ast.parse((root / path).read_text("utf-8"))
    out = []
    for i, (node, kind, line) in enumerate(_sites(tree)):
        out.append(Mutant(path, i, line, _mutate(node, kind)))
    return out


def mutated_source(m: Mutant, original: str) -> str:
    tree = ast.parse(original)
    node, kind, _ = _sites(tree)[m.index]
    _mutate(node, kind)
    return ast.unparse(ast.fix_missing_locations(tree))


def _pytest(work: Path, tests: list[str], timeout: float) -> tuple[int | None, float]:
    start = time.monotonic()
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-k", "not postgresql",
           "--timeout", str(int(timeout)), *tests]
    try:
        proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True, timeout=timeout + 30,
                              env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(work), "HOME": str(work),
                                   "QUALIOPI_SHARED": str(ROOT.parent / "shared")})
        code: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        code = None  # a mutant that loops: killed (the tests did not pass)
    return code, time.monotonic() - start


def run(targets: dict[str, list[str]], limit: int | None, seed: int, only: set | None = None) -> dict:
    report: dict = {"modules": {}, "survivors": []}
    with tempfile.TemporaryDirectory(prefix="qualiopi-mutation-") as tmp:
        work = Path(tmp) / "main"
        shutil.copytree(ROOT, work, ignore=shutil.ignore_patterns(".venv", ".git", "bench/results", "__pycache__",
                                                                  "qualiopi-demo", "*.db"))
        for path, tests in targets.items():
            baseline, took = _pytest(work, tests, 900)
            if baseline != 0:
                print(f"{path}: its tests fail without any mutant (exit {baseline}): skipped", flush=True)
                continue
            found = mutants(path, work)  # the copy: edits to the checkout during the run change nothing
            if only is not None:  # --survivors: the mutants an earlier run left alive, nothing else
                found = [m for m in found if (m.path, m.line, m.what) in only]
            chosen = sorted(random.Random(seed).sample(found, limit), key=lambda m: m.index) \
                if limit and len(found) > limit else found
            original = (work / path).read_text("utf-8")
            killed, survived = 0, []
            for m in chosen:
                (work / path).write_text(mutated_source(m, original), "utf-8")
                code, _ = _pytest(work, tests, max(60.0, took * 5))
                if code == 0:
                    survived.append(m)
                    print(f"  survived  {path}:{m.line}  {m.what}", flush=True)
                else:
                    killed += 1
            (work / path).write_text(original, "utf-8")
            score = killed / len(chosen) if chosen else 1.0
            report["modules"][path] = {"mutants": len(chosen), "of": len(found), "killed": killed,
                                       "score": round(score, 3)}
            report["survivors"] += [{"path": m.path, "line": m.line, "what": m.what} for m in survived]
            print(f"{path}: {killed}/{len(chosen)} killed ({score:.0%}), {len(found)} sites", flush=True)
    total = sum(v["mutants"] for v in report["modules"].values())
    dead = sum(v["killed"] for v in report["modules"].values())
    report["score"] = round(dead / total, 3) if total else None
    print(f"overall: {dead}/{total} mutants killed ({report['score']:.0%})" if total else "no mutant run")
    return report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--module", action="append", default=[],
                    help="only the targets whose path contains this (repeatable)")
    ap.add_argument("--max", type=int, default=None, help="at most this many mutants per module (sampled)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None, help="write the report as JSON here")
    ap.add_argument("--survivors", type=Path, default=None,
                    help="a report (--out) of an earlier run: run again only the mutants it left alive")
    args = ap.parse_args()
    targets = {k: v for k, v in TARGETS.items() if not args.module or any(m in k for m in args.module)}
    only = None
    if args.survivors:
        left = json.loads(args.survivors.read_text("utf-8"))["survivors"]
        only = {(x["path"], x["line"], x["what"]) for x in left}
        targets = {k: v for k, v in targets.items() if any(p == k for p, _, _ in only)}
    report = run(targets, args.max, args.seed, only)
    if args.out:
        args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False), "utf-8")


if __name__ == "__main__":
    main()
