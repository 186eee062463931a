"""Adapted rules for new entrants at the initial audit (see ``mappings.audit``), and the référentiel's notes.

Each adapted indicator follows its ``new_entrants`` text: deferred ones are marked "audité en
surveillance"; for process ones only a formalised process counts (a register entry of nature
"procédure", or a tagged document); for put-in-place ones any piece of evidence of what is set up counts,
whatever the indicator's own evaluator would compute from results.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from mappings.audit import new_entrant_rule
from mappings.indicators.base import EvalInput
from mappings.indicators.evidence import evaluate_evidence
from mappings.model import Outcome, Verdict
from mappings.obligations import obligations_for, subcontractor_rule
from mappings.referentiel import IndicatorDef


def _fr(iso: str) -> str:
    try:
        return date.fromisoformat(iso).strftime("%d/%m/%Y")
    except ValueError:
        return iso


def _rule_text(ind: IndicatorDef) -> str:
    return (ind.new_entrants or "").split("\n")[0].strip()


def adapted_verdict(ind: IndicatorDef, inp: EvalInput) -> Verdict | None:
    """The verdict under the new-entrant rule, or None when the ordinary rule applies."""
    since = inp.profile.new_entrant(inp.programme.action_category)
    rule = new_entrant_rule(ind.number) if since and ind.new_entrants_adapted_audit else None
    if rule is None:
        return None
    who = f"Nouvel entrant (activité depuis le {_fr(since)}), {inp.profile.audit_label}"
    if rule == "deferred":
        return Verdict(ind.number, inp.programme.code, Outcome.NOT_APPLICABLE,
                       f"Audité en surveillance — {who} : {_rule_text(ind)}")
    if rule == "process":
        v = evaluate_evidence(ind.number, inp, lambda e: e.source == "moodle" or (e.nature or "") == "procédure",
                              "le processus formalisé : une fiche de nature « procédure »")
    else:
        v = evaluate_evidence(ind.number, inp, wanted="ce qui est mis en place")
    return dataclasses.replace(v, summary=f"{who} : {_rule_text(ind)} {v.summary}")


def notes_for(ind: IndicatorDef, inp: EvalInput) -> tuple[tuple[str, str], ...]:
    """The référentiel's obligations for this programme's kind of provision, and the subcontracting rule."""
    notes = [(f"Obligation spécifique ({o.label})", o.text) for o in obligations_for(ind, inp.programme)]
    _, sub = subcontractor_rule(ind, inp.programme)
    if sub:
        notes.append(("Prestation réalisée en sous-traitance", sub))
    return tuple(notes)
