"""Indicator 7 — content matches the certification: evidence presence plus the RNCP/RS code checked."""

from __future__ import annotations

import dataclasses

from mappings.indicators.base import EvalInput
from mappings.indicators.blocs import bloc_findings
from mappings.indicators.rncp_link import evaluate_with_rncp
from mappings.model import Outcome, Verdict, worst

NUMBER = 7
CHECKS = ("preuve présente", "code RNCP/RS existant et actif", "blocs de compétences couverts par les cours")
INPUTS = ("module idnumber or name", "programme RNCP/RS code", "France compétences export", "course and section names")


def evaluate(inp: EvalInput) -> Verdict:
    v = evaluate_with_rncp(NUMBER, inp)
    fiche = (inp.rncp or {}).get((inp.programme.rncp or "").strip().upper())
    if fiche is None or not fiche.blocs or v.outcome in (Outcome.NOT_APPLICABLE, Outcome.NOT_EVALUATED):
        return v
    findings, figures = bloc_findings(inp, fiche)
    return dataclasses.replace(v, outcome=worst([v.outcome, *(f.severity for f in findings)]),
                               figures={**v.figures, **figures}, findings=(*v.findings, *findings))
