"""Seed the référentiel tables from the packaged référentiel. Idempotent: a rerun changes nothing."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from connector.store.models import Criterion, Indicator
from mappings.referentiel import load_referentiel

_IND_FIELDS = ("name", "requirement", "level_expected", "proof", "non_conformity", "glossary",
               "non_conformity_grading", "indicator_type", "applies_to", "applies_condition",
               "new_entrants", "new_entrants_adapted_audit")


def _apply(row: object, values: dict) -> bool:
    changed = False
    for k, v in values.items():
        if getattr(row, k) != v:
            setattr(row, k, v)
            changed = True
    return changed


def seed_referentiel(session: Session) -> dict[str, int]:
    """Insert or update the 7 criteria and 32 indicators; return counts of rows written."""
    ref = load_referentiel()
    counts = {"inserted": 0, "updated": 0}
    criteria = {c.number: c for c in session.scalars(select(Criterion))}
    for c in ref.criteria:
        row = criteria.get(c.number)
        if row is None:
            row = criteria[c.number] = Criterion(number=c.number, name=c.name, description=None)
            session.add(row)
            counts["inserted"] += 1
        elif _apply(row, {"name": c.name}):
            counts["updated"] += 1
    session.flush()
    indicators = {i.number: i for i in session.scalars(select(Indicator))}
    for i in ref.indicators:
        values = {k: v for k, v in asdict(i).items() if k in _IND_FIELDS}
        values["applies_to"] = list(values["applies_to"])
        values["criterion_id"] = criteria[i.criterion].id
        row = indicators.get(i.number)
        if row is None:
            session.add(Indicator(number=i.number, **values))
            counts["inserted"] += 1
        elif _apply(row, values):
            counts["updated"] += 1
    return counts
