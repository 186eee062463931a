"""The explicit registry of indicator evaluators (one module per computed indicator)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from mappings.indicators import (
    evidence,
    i01_public_info,
    i06_contents,
    i07_certification_adequacy,
    i08_positioning,
    i10_followup,
    i12_engagement,
    i13_apprenticeship,
    i16_certification_conditions,
    i19_resources,
    i22_trainers_skills,
    i30_appreciations,
    i31_complaints,
    i32_improvement,
)
from mappings.indicators.base import EvalInput, programme_duration_days
from mappings.indicators.new_entrants import adapted_verdict, notes_for
from mappings.model import Outcome, Verdict
from mappings.obligations import subcontractor_rule
from mappings.programmes import applicability
from mappings.referentiel import load_referentiel
from mappings.status import assess
from mappings.text import sentence


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
    m.NUMBER: _spec(m) for m in (i01_public_info, i06_contents, i07_certification_adequacy, i08_positioning,
                                 i10_followup, i12_engagement, i13_apprenticeship, i16_certification_conditions,
                                 i19_resources, i22_trainers_skills, i30_appreciations, i31_complaints,
                                 i32_improvement)
}


def spec_for(number: int) -> IndicatorSpec:
    if number in REGISTRY:
        return REGISTRY[number]
    return IndicatorSpec(number, evidence.CHECKS, evidence.INPUTS,
                         lambda inp, n=number: evidence.evaluate_evidence(n, inp), False)


def evaluate_programme(inp: EvalInput) -> list[Verdict]:
    """A verdict for each of the 32 indicators (NOT_APPLICABLE where the référentiel says so), with the
    new-entrant rules of the audit profile, the référentiel's notes, and its evidence status and risk set
    once, here."""
    duration = programme_duration_days(inp)
    coverage_min = float(inp.t("coverage_min"))  # type: ignore[arg-type]
    out = []
    for ind in load_referentiel().indicators:
        reason = applicability(ind, inp.programme, duration)
        as_subcontractor, text = subcontractor_rule(ind, inp.programme)
        if reason:
            v = Verdict(ind.number, inp.programme.code, Outcome.NOT_APPLICABLE, sentence(reason) + ".")
        elif as_subcontractor:
            v = Verdict(ind.number, inp.programme.code, Outcome.NOT_APPLICABLE,
                        f"Prestation réalisée en sous-traitance : {text}")
        else:
            v = adapted_verdict(ind, inp) or spec_for(ind.number).evaluate(inp)
        status, risk = assess(v, ind.non_conformity_grading, coverage_min)
        notes = notes_for(ind, inp) if v.outcome != Outcome.NOT_APPLICABLE else ()
        out.append(dataclasses.replace(v, status=status, risk=risk, notes=notes))
    return out
