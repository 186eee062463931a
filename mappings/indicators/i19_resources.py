"""Indicator 19 — educational resources made available to learners, measured in Moodle.

Per visible course: the resources its learners can open (files, folders, links, books, pages, glossaries,
and the like), by kind. A resource counts when it and its section are visible; a file or folder without a
file, a link without an address, a page without text are not resources. A course without any is
*à corriger* for its teachers. The programme is judged by coverage over its courses; evidence for 19
(a resource centre, a documentary list declared in the evidence register or tagged in Moodle) counts too,
so that a programme whose courses hold no resource but whose provider declares its resources is
*à consolider*, not *à fournir*.
"""

from __future__ import annotations

from collections import Counter

from mappings.indicators.base import EvalInput, check_visible_courses, finding, no_visible_course, outcome_of
from mappings.indicators.evidence import EMPTY_WHY, find_evidence
from mappings.model import CourseSnap, Finding, ModuleSnap, Outcome, Verdict
from mappings.text import plural

NUMBER = 19
CHECKS = ("ressources par cours", "types de ressources", "ressources visibles et non vides")
INPUTS = ("course contents (module kinds, visibility, files, URLs, page text)", "evidence register")

KINDS = {"resource": "fichier", "folder": "dossier", "url": "lien", "book": "livre", "page": "page",
         "glossary": "glossaire", "imscp": "contenu IMS", "scorm": "paquetage SCORM", "h5pactivity": "activité H5P",
         "lesson": "leçon", "wiki": "wiki", "data": "base de données"}
PLURALS = {"contenu IMS": "contenus IMS", "paquetage SCORM": "paquetages SCORM", "activité H5P": "activités H5P",
           "base de données": "bases de données"}


def _usable(m: ModuleSnap) -> bool:
    if m.modname in ("resource", "folder"):
        return bool(m.files)
    if m.modname == "url":
        return bool((m.target or "").strip())
    if m.modname == "page":
        return m.text_chars != 0  # None: not read, counted
    return True


def resources(c: CourseSnap) -> Counter[str]:
    """Kinds (French) → number of resources the learners of the course can open."""
    return Counter(KINDS[m.modname] for s in c.sections if s.visible for m in s.modules
                   if m.visible and m.modname in KINDS and _usable(m))


def describe(kinds: Counter[str]) -> str:
    return ", ".join(plural(n, k, PLURALS.get(k)) for k, n in sorted(kinds.items(), key=lambda t: (-t[1], t[0])))


def _check(c: CourseSnap, inp: EvalInput) -> list[Finding]:
    if resources(c):
        return []
    empty = [m for s in c.sections for m in s.modules if m.modname in KINDS and m.visible and not _usable(m)]
    why = "aucune ressource (fichier, lien, page, livre, glossaire…) visible des apprenants"
    if empty:
        why += f" ; {plural(len(empty), 'ressource vide', 'ressources vides')} ({EMPTY_WHY.get(empty[0].modname, '')})"
    return [finding(c, "Aucune ressource pédagogique dans le cours", why,
                    "Déposer les supports du cours (diaporama, fiches, liens utiles) dans une section visible.")]


def evaluate(inp: EvalInput) -> Verdict:
    checked = check_visible_courses(inp, _check)
    if checked is None:
        return no_visible_course(NUMBER, inp)
    findings, verdicts = checked
    total: Counter[str] = Counter()
    for c in inp.visible_courses:
        total += resources(c)
    evidence = tuple(e for e in find_evidence(NUMBER, inp) if e.state in ("ok", "stale"))
    with_resources = sum(v.outcome == Outcome.PASSED for v in verdicts)
    figures: dict[str, float | int | str] = {"ressources": sum(total.values()), "cours_avec_ressources": with_resources,
                                             "cours_visibles": len(verdicts)}
    if total:
        figures["types_de_ressources"] = describe(total)
    summary = (f"{plural(sum(total.values()), 'ressource mise', 'ressources mises')} à disposition dans Moodle"
               + (f" ({describe(total)})" if total else "")
               + f" ; {with_resources} cours sur {len(verdicts)} en proposent"
               + (f" ; {plural(len(evidence), 'preuve déclarée', 'preuves déclarées')}." if evidence else "."))
    if not total and not evidence:
        return Verdict(NUMBER, inp.programme.code, Outcome.FAILED, summary, figures, tuple(findings),
                       tuple(verdicts), missing=True)
    outcome = outcome_of(findings) if total else Outcome.WARN
    return Verdict(NUMBER, inp.programme.code, outcome, summary, figures, tuple(findings), tuple(verdicts),
                   evidence=evidence)
