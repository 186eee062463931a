"""Indicator 7's blocs × courses crosswalk: which courses (or sections) of the programme cover each bloc de
compétences of its RNCP fiche.

A bloc is covered by the courses or sections the programme's configuration lists for it (``blocs = {
"RNCP38362BC01" = ["BTSMCO-DRC"] }``: course shortnames or section names), else by a course or section whose
name carries the bloc's code or its title (case, accents and punctuation ignored): Moodle hides courses'
idnumbers from the sync user, so names are what can be matched. A bloc no course covers is listed.
"""

from __future__ import annotations

import re

from mappings.indicators.base import EvalInput
from mappings.model import Finding, Outcome, RncpFicheSnap, Where
from mappings.text import words

_LABEL = re.compile(r"^\s*[\w.-]{1,12}\s*:\s*")  # "UP1 : Vérification …" → the title without its label


def _places(inp: EvalInput) -> list[tuple[str, str, str]]:
    """(what to show, name to match, what a configuration names it by): each visible course (its shortname) and
    each of its named sections (the section's name)."""
    out = []
    for c in inp.visible_courses:
        out.append((c.shortname, f"{c.shortname} {c.fullname}", c.shortname))
        out += [(f"{c.shortname}, section « {s.name} »", s.name, s.name) for s in c.sections
                if s.number and s.name.strip()]
    return out


def crosswalk(inp: EvalInput, fiche: RncpFicheSnap) -> list[tuple[str, str, list[str]]]:
    """(bloc code, title, what covers it) for every bloc of the fiche."""
    places = _places(inp)
    out = []
    for code, title in fiche.blocs:
        listed = {v.casefold() for v in inp.programme.blocs.get(code, ())}
        if listed:
            covering = [shown for shown, _, label in places if label.strip().casefold() in listed]
        else:
            key = words(_LABEL.sub("", title))
            covering = [shown for shown, name, _ in places
                        if code.casefold() in name.casefold() or (key and key in words(name))]
        out.append((code, title, list(dict.fromkeys(covering))))
    return out


def bloc_findings(inp: EvalInput, fiche: RncpFicheSnap) -> tuple[list[Finding], dict[str, str]]:
    rows = crosswalk(inp, fiche)
    if not rows:
        return [], {}
    missing = [(code, title) for code, title, covering in rows if not covering]
    figures = {"blocs_couverts": f"{len(rows) - len(missing)} sur {len(rows)}",
               "correspondance_blocs": " ; ".join(f"{code} : {', '.join(cov) if cov else 'aucun cours'}"
                                                  for code, _, cov in rows)}
    findings = [Finding(f"Bloc de compétences sans cours : {code}", Where(), f"« {title} » : aucun cours ni section "
                        "du programme ne le couvre (par la configuration, son code ou son intitulé)",
                        f"Indiquer les cours qui préparent ce bloc (blocs = {{ \"{code}\" = [\"…\"] }} dans le "
                        "programme), ou nommer la section qui le prépare d’après son intitulé.", Outcome.WARN, "quality")
                for code, title in missing]
    return findings, figures
