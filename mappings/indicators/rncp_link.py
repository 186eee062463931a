"""Shared by indicators 7 and 16: evidence presence combined with the RNCP/RS open-data check."""

from __future__ import annotations

from mappings.indicators.base import EvalInput
from mappings.indicators.evidence import evaluate_evidence
from mappings.indicators.results import exam_figures
from mappings.model import Outcome, Verdict, worst
from mappings.rncp import check_code
from mappings.text import sentence


def evaluate_with_rncp(number: int, inp: EvalInput) -> Verdict:
    ev = evaluate_evidence(number, inp)
    ends = [c.enddate for c in inp.courses if c.enddate]
    rc = check_code(inp.programme.rncp, inp.rncp, inp.now, max(ends) if ends else None, inp.profile.siret)
    outcome = worst([ev.outcome, rc.outcome])
    exams = exam_figures(inp) if number == 16 else {}  # presented / registered: the conditions of presentation
    rncp_text = {Outcome.PASSED: f"certification {rc.figures.get('code_rncp')} ({rc.figures.get('intitule_certification')}"
                                 f", {rc.figures.get('niveau_certification')}) active au répertoire",
                 Outcome.WARN: f"certification {rc.figures.get('code_rncp')} : lien RNCP/RS à consolider",
                 Outcome.NOT_EVALUATED: "lien RNCP/RS non vérifié (données France compétences absentes)"}.get(
        rc.outcome, "lien RNCP/RS en défaut")
    return Verdict(number, inp.programme.code, outcome, f"{ev.summary} {sentence(rncp_text)}.",
                   {**ev.figures, **rc.figures, **exams}, ev.findings + rc.findings, ev.courses,
                   rc.missing_data if outcome == Outcome.NOT_EVALUATED else None, ev.evidence,
                   missing=ev.missing and not inp.programme.rncp)
