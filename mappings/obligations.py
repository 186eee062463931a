"""What the référentiel adds for a programme: its category's specific obligations, the subcontracting rules.

The guide V9 writes, under many indicators, obligations specific to a kind of provision ("CFA : …",
"VAE : …", "CBC : …", "Pour les formations certifiantes : …", "Dans le cas où le prestataire accueille
des PSH : …", "Pour la formation à distance : …") and what changes when the sampled provision is one the
provider delivers *as a subcontractor* of another provider. Pure functions of the référentiel's text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mappings.programmes import Programme
from mappings.referentiel import IndicatorDef

# heading of a paragraph → who it concerns
AUDIENCES = (
    ("CFA ou alternance", "alternance"),
    ("CFA", "apprentissage"),
    ("VAE", "vae"),
    ("CBC", "bilan_de_competences"),
    ("Pour les formations certifiantes", "certifiante"),
    ("Dans le cas où le prestataire accueille", "handicap"),
    ("Pour la formation à distance", "distance"),
)
AUDIENCE_LABELS = {"alternance": "CFA ou alternance", "apprentissage": "CFA", "vae": "VAE",
                   "bilan_de_competences": "bilan de compétences", "certifiante": "formation certifiante",
                   "handicap": "accueil de personnes en situation de handicap", "distance": "formation à distance"}
# conditions the tool cannot know from Moodle: always shown, as conditions
CONDITIONAL = {"handicap", "distance"}
# where the guide says the indicator does not apply to a provision delivered as a subcontractor
NOT_APPLICABLE_AS_SUBCONTRACTOR = re.compile(r"l’indicateur n’est pas applicable", re.IGNORECASE)


@dataclass(frozen=True)
class Obligation:
    audience: str  # a key of AUDIENCE_LABELS
    text: str

    @property
    def label(self) -> str:
        return AUDIENCE_LABELS[self.audience]


def parse_obligations(text: str | None) -> tuple[Obligation, ...]:
    """The guide's paragraphs, grouped under their heading (bullets and follow-up paragraphs included)."""
    out: list[list] = []
    for para in (text or "").split("\n\n"):
        para = para.strip()
        if not para:
            continue
        head = next(((h, a) for h, a in AUDIENCES if para.startswith(h)), None)
        if head is not None:
            body = para[len(head[0]):].lstrip()
            body = body.split(":", 1)[1].strip() if body.startswith(":") or ":" in body[:90] else body
            out.append([head[1], body])
        elif out:
            out[-1][1] += "\n" + para
    return tuple(Obligation(a, t) for a, t in out)


def obligations_for(ind: IndicatorDef, prog: Programme) -> tuple[Obligation, ...]:
    """The specific obligations that concern this programme (conditional ones always, as conditions)."""
    def concerns(o: Obligation) -> bool:
        return (o.audience in CONDITIONAL
                or o.audience == prog.action_category
                or (o.audience == "alternance" and (prog.alternance or prog.action_category == "apprentissage"))
                or (o.audience == "certifiante" and prog.certifying))
    return tuple(o for o in parse_obligations(ind.specific_obligations) if concerns(o))


def subcontractor_rule(ind: IndicatorDef, prog: Programme) -> tuple[bool, str | None]:
    """(not applicable, the guide's text) for a programme the provider delivers as a subcontractor."""
    if not prog.provider_is_subcontractor or not ind.subcontracting:
        return False, None
    return bool(NOT_APPLICABLE_AS_SUBCONTRACTOR.search(ind.subcontracting)), ind.subcontracting
