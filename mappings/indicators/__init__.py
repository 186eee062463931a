"""The explicit registry of indicator evaluators (one module per computed indicator)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from mappings.indicators import (
    evidence,
    i06_contents,
    i07_certification_adequacy,
    i10_followup,
    i12_engagement,
    i13_apprenticeship,
    i16_certification_conditions,
    i30_appreciations,
    i31_complaints,
)
from mappings.indicators.base import EvalInput
from mappings.model import Outcome, Verdict
from mappings.programmes import Programme, applicability
from mappings.referentiel import IndicatorDef, load_referentiel
from mappings.status import assess


@dataclass(frozen=True)
class IndicatorSpec:
    number: int
    checks: tuple[str, ...]
    inputs: tuple[str, ...]
    evaluate: Callable[[EvalInput], Verdict]
    computed: bool  # False: generic evidence presence


def _spec(module: ModuleType) -> IndicatorSpec:
    return IndicatorSpec(module.NUMBER, module.CHECKS, module.INPUTS, module.evaluate, True)


REGISTRY: dict[int, IndicatorSpec] = {
    m.NUMBER: _spec(m) for m in (i06_contents, i07_certification_adequacy, i10_followup, i12_engagement,
                                 i13_apprenticeship, i16_certification_conditions, i30_appreciations, i31_complaints)
}


def spec_for(number: int) -> IndicatorSpec:
    if number in REGISTRY:
        return REGISTRY[number]
    return IndicatorSpec(number, evidence.CHECKS, evidence.INPUTS,
                         lambda inp, n=number: evidence.evaluate_evidence(n, inp), False)


def programme_duration_days(inp: EvalInput) -> float | None:
    if inp.programme.duration_days is not None:
        return inp.programme.duration_days
    spans = [(c.startdate, c.enddate) for c in inp.courses if c.startdate and c.enddate]
    if not spans:
        return None
    return round((max(e for _, e in spans) - min(s for s, _ in spans)) / 86400, 1)


def evaluate_programme(inp: EvalInput) -> list[Verdict]:
    """A verdict for each of the 32 indicators (NOT_APPLICABLE where the référentiel says so), with its
    evidence status and risk set once, here."""
    duration = programme_duration_days(inp)
    coverage_min = float(inp.t("coverage_min"))  # type: ignore[arg-type]
    out = []
    for ind in load_referentiel().indicators:
        reason = applicability(ind, inp.programme, duration)
        if reason:
            v = Verdict(ind.number, inp.programme.code, Outcome.NOT_APPLICABLE, reason.capitalize() + ".")
        else:
            v = adapt_for_new_entrant(ind, inp.programme, spec_for(ind.number).evaluate(inp))
        status, risk = assess(v, ind.non_conformity_grading, coverage_min)
        out.append(dataclasses.replace(v, status=status, risk=risk))
    return out


def adapt_for_new_entrant(ind: IndicatorDef, programme: Programme, verdict: Verdict) -> Verdict:
    """New entrants (first audit): where the guide audits only the process, missing results are not a failure.

    A FAILED verdict of such an indicator becomes WARN, with the guide's new-entrant rule in its summary.
    """
    if not (programme.new_entrant and ind.new_entrants_adapted_audit and verdict.outcome == Outcome.FAILED):
        return verdict
    rule = (ind.new_entrants or "").split("\n")[0].strip()
    return dataclasses.replace(verdict, outcome=Outcome.WARN,
                               summary=f"{verdict.summary} Règle adaptée — {rule}",
                               figures={**verdict.figures, "regle_nouvel_entrant": "appliquée"})
