"""The audit profile (who the provider is, what is certified, which audit comes) and the new-entrant rules.

New entrants (guide V9 preamble): providers in their first year of activity, or starting a new action
category, have adapted audit rules for indicators 2, 3, 11, 13, 14, 19, 22, 24, 25, 26 and 32, **at the
initial audit only**. Following each indicator's ``new_entrants`` text, an indicator is either

- *deferred*: audited at the surveillance audit (2, 3, 22, 32): at the initial audit it is marked
  "audité en surveillance";
- *process*: the formalised process is checked at the initial audit, its implementation at the
  surveillance audit (11, 13, 14): a register entry of nature "procédure" (or a tagged document) is the
  evidence;
- *put in place*: what is set up is checked (resources planned for 19, a veille for 24 and 25, a network
  of partners for 26): any piece of evidence for the indicator.

There is no blanket downgrade of a failure to a warning.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

DEFERRED = frozenset({2, 3, 22, 32})
PROCESS = frozenset({11, 13, 14})
PUT_IN_PLACE = frozenset({19, 24, 25, 26})
AUDIT_TYPES = {"initial": "audit initial", "surveillance": "audit de surveillance",
               "renouvellement": "audit de renouvellement"}


@dataclass(frozen=True)
class AuditProfile:
    raison_sociale: str = ""
    siret: str | None = None
    nda: str | None = None  # numéro de déclaration d'activité
    certificate: str | None = None
    certifier: str | None = None
    certificate_valid_until: str | None = None  # ISO date
    categories: tuple[str, ...] = ()  # certified scope: action categories
    sites: tuple[str, ...] = ()
    audit_type: str = "surveillance"  # initial | surveillance | renouvellement
    audit_date: str | None = None  # ISO date
    period_start: str | None = None  # evidence period
    period_end: str | None = None
    new_entrant_since: str | None = None  # the provider's first activity (ISO date), when a new entrant
    new_entrant_categories: Mapping[str, str] = field(default_factory=dict)  # category → start (ISO)

    def new_entrant(self, category: str) -> str | None:
        """The start date when the provider is a new entrant for this category at this audit, else None.

        The adaptation applies to the initial audit only, within the first year of activity (of the
        provider, or in the action category) when the audit date is known.
        """
        if self.audit_type != "initial":
            return None
        since = self.new_entrant_categories.get(category) or self.new_entrant_since
        if since and self.audit_date and date.fromisoformat(self.audit_date) > \
                date.fromisoformat(since) + timedelta(days=365):
            return None  # more than a year of activity at the audit: no longer a new entrant
        return since

    @property
    def audit_label(self) -> str:
        return AUDIT_TYPES.get(self.audit_type, self.audit_type)


def new_entrant_rule(number: int) -> str | None:
    """deferred | process | put_in_place, or None when the indicator has no adapted rule."""
    if number in DEFERRED:
        return "deferred"
    if number in PROCESS:
        return "process"
    if number in PUT_IN_PLACE:
        return "put_in_place"
    return None
