"""Indicator 1 — information to the public: are the programme's public information fields filled?

The guide lists what the public must be told: objectives, prerequisites, duration, access methods and
delays, prices, contacts, teaching methods, assessment methods, accessibility for disabled people; for a
certifying programme also the results, the certification's blocs, equivalences, bridges, further paths
and outlets. An item is filled when:

- a course of the programme has a filled custom field for it (``info_<item>`` by default, e.g.
  ``info_tarifs``; another name with ``public_info_fields = ["tarifs=prix"]``), or, for the duration, the
  programme's declared duration (``duration_days`` / ``duration_hours`` / the courses' duration field);
- or an entry of the evidence register for indicator 1 that applies to the programme names it in its title
  or comment (« Tarifs et conditions générales de vente », « Page accessibilité »…).

Every item found: couvert. Some missing: à consolider, the missing ones listed. Nothing found item by
item: the evidence for 1 (the website's page, the brochure) decides between à consolider (the items
cannot be checked one by one: say which to declare) and à fournir.
"""

from __future__ import annotations

from mappings.indicators.base import EvalInput, programme_duration_days
from mappings.indicators.evidence import evaluate_evidence, find_evidence
from mappings.model import Evidence, Finding, Outcome, Verdict, Where
from mappings.text import plural, words

NUMBER = 1
CHECKS = ("informations publiques renseignées, champ par champ", "preuves d’information du public")
INPUTS = ("course custom fields", "programme duration", "evidence register")

# item → (French label, words that name it in a register entry, accents and case ignored)
ITEMS: dict[str, tuple[str, tuple[str, ...]]] = {
    "objectifs": ("objectifs", ("objectif",)),
    "prerequis": ("prérequis", ("prerequis", "pre requis")),
    "duree": ("durée", ("duree",)),
    "modalites_acces": ("modalités d’accès", ("modalites d acces", "conditions d acces", "modalites d admission")),
    "delais_acces": ("délais d’accès", ("delai",)),
    "tarifs": ("tarifs", ("tarif", "prix", "cout", "conditions generales de vente", "cgv")),
    "contacts": ("contacts", ("contact", "referent")),
    "methodes": ("méthodes mobilisées", ("methode", "moyens pedagogiques")),
    "modalites_evaluation": ("modalités d’évaluation", ("evaluation",)),
    "accessibilite": ("accessibilité aux personnes handicapées", ("handicap", "accessibilite", "psh")),
}
CERTIFYING_ITEMS: dict[str, tuple[str, tuple[str, ...]]] = {
    "resultats": ("résultats obtenus", ("resultat", "taux de reussite", "indicateurs de resultats")),
    "blocs": ("blocs de compétences", ("bloc",)),
    "equivalences": ("équivalences", ("equivalence",)),
    "passerelles": ("passerelles", ("passerelle",)),
    "suites": ("suites de parcours", ("suite de parcours", "suites de parcours", "poursuite")),
    "debouches": ("débouchés", ("debouche", "metiers")),
}


def field_names(inp: EvalInput) -> dict[str, str]:
    """Item → the course custom field holding it: ``info_<item>``, or as ``public_info_fields`` renames it."""
    out = {item: f"info_{item}" for item in (*ITEMS, *CERTIFYING_ITEMS)}
    for pair in list(inp.t("public_info_fields")):  # type: ignore[call-overload]
        item, _, name = str(pair).partition("=")
        if item.strip() in out and name.strip():
            out[item.strip()] = name.strip()
    return out


def expected(inp: EvalInput) -> dict[str, tuple[str, tuple[str, ...]]]:
    return {**ITEMS, **(CERTIFYING_ITEMS if inp.programme.certifying else {})}


def found_items(inp: EvalInput, duration_days: float | None, evidence: list[Evidence]) -> dict[str, str]:
    """Item → where it was found (French)."""
    names = field_names(inp)
    out: dict[str, str] = {}
    for item in expected(inp):
        course = next((c for c in inp.courses if (c.customfields.get(names[item]) or "").strip()), None)
        if course is not None:
            out[item] = f"champ « {names[item]} » du cours {course.shortname}"
    if "duree" not in out and duration_days is not None:
        out["duree"] = "durée déclarée du programme"
    entries = [e for e in evidence if e.state in ("ok", "stale")]
    for item, (_, keys) in expected(inp).items():
        if item in out:
            continue
        entry = next((e for e in entries if any(k in words(f"{e.label} {e.text}") for k in keys)), None)
        if entry is not None:
            out[item] = f"« {entry.label} »"
    return out


def evaluate(inp: EvalInput) -> Verdict:
    items = expected(inp)
    evidence = find_evidence(NUMBER, inp)
    found = found_items(inp, programme_duration_days(inp), evidence)
    missing = [label for item, (label, _) in items.items() if item not in found]
    figures: dict[str, float | int | str] = {"informations_renseignees": len(found),
                                             "informations_attendues": len(items)}
    if missing:
        figures["informations_manquantes"] = ", ".join(missing)
    if not found:
        v = evaluate_evidence(NUMBER, inp)
        if v.outcome == Outcome.FAILED:
            return v
        f = Finding("Informations publiques non vérifiables une à une", Where(),
                    f"aucune des {len(items)} informations attendues n’est renseignée dans un champ des cours ni "
                    "nommée dans le registre des preuves", _fix(inp), Outcome.WARN, "quality")
        return Verdict(NUMBER, inp.programme.code, Outcome.WARN, v.summary + " Le détail des informations "
                       "publiées n’a pas pu être vérifié.", {**v.figures, **figures}, (f, *v.findings),
                       evidence=v.evidence)
    findings = []
    if missing:
        findings.append(Finding(f"{plural(len(missing), 'information publique', 'informations publiques')} à "
                                "compléter", Where(), "non trouvées : " + ", ".join(missing), _fix(inp),
                                Outcome.WARN, "quality"))
    summary = (f"Informations au public renseignées : {len(found)} sur {len(items)}"
               + (f" ; manquent : {', '.join(missing)}." if missing else "."))
    return Verdict(NUMBER, inp.programme.code, Outcome.WARN if missing else Outcome.PASSED, summary, figures,
                   tuple(findings), evidence=tuple(evidence))


def _fix(inp: EvalInput) -> str:
    names = field_names(inp)
    sample = ", ".join(f"« {names[i]} »" for i in list(expected(inp))[:3])
    return (f"Renseigner chaque information dans un champ personnalisé des cours ({sample}…) ou la déclarer au "
            "registre des preuves pour l’indicateur 1 (le titre nomme l’information : « Tarifs 2026 », « Page "
            "accessibilité »…).")
