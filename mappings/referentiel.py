"""The Qualiopi référentiel (guide de lecture V9) shipped with the package, as frozen data.

Convention (from ``referentiel.json``): an indicator's ``name`` is its short title,
``requirement`` the official statement of the indicator.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class CriterionDef:
    number: int
    name: str


@dataclass(frozen=True)
class IndicatorDef:
    number: int
    criterion: int
    name: str
    requirement: str
    level_expected: str | None
    proof: str | None
    non_conformity: str | None
    non_conformity_grading: str | None
    glossary: str | None
    indicator_type: str | None
    applies_to: tuple[str, ...]
    applies_condition: str | None
    new_entrants: str | None
    new_entrants_adapted_audit: bool
    specific_obligations: str | None = None  # per kind of provision (CFA, VAE, CBC, certifying…)
    subcontracting: str | None = None  # when the provider delivers the sampled provision as a subcontractor


@dataclass(frozen=True)
class Referentiel:
    version: str
    criteria: tuple[CriterionDef, ...]
    indicators: tuple[IndicatorDef, ...]
    rules: dict[str, Any]

    def indicator(self, number: int) -> IndicatorDef:
        return next(i for i in self.indicators if i.number == number)


@cache
def load_referentiel() -> Referentiel:
    raw = json.loads(resources.files("mappings").joinpath("data/referentiel.json").read_text("utf-8"))
    criteria = tuple(CriterionDef(c["number"], c["name"]) for c in raw["criteria"])
    indicators = tuple(
        IndicatorDef(
            number=i["number"],
            criterion=i["criterion"],
            name=i["name"],
            requirement=i["requirement"],
            level_expected=i.get("level_expected"),
            proof=i.get("proof"),
            non_conformity=i.get("non_conformity"),
            non_conformity_grading=i.get("non_conformity_grading"),
            glossary=i.get("glossary"),
            indicator_type=i.get("indicator_type"),
            applies_to=tuple(i.get("applies_to") or ()),
            applies_condition=i.get("applies_condition"),
            new_entrants=i.get("new_entrants"),
            new_entrants_adapted_audit=bool(i.get("new_entrants_adapted_audit")),
            specific_obligations=i.get("specific_obligations"),
            subcontracting=i.get("subcontracting"),
        )
        for i in raw["indicators"]
    )
    return Referentiel(raw.get("guide_version", ""), criteria, indicators, raw.get("rules", {}))
