"""Indicator 6 — contents and delivery methods: each visible course is detailed and complete.

Unnamed (Moodle's default name) or empty visible sections fail a course that has no structure at all
(no named section with activities, like an untouched course shell); in an otherwise structured course
they are an improvement point (WARN) telling the teacher which sections to finish, one line per kind of
problem with a link to the first section. The structure is not judged for a course declared face-to-face
(``modality_field``): its Moodle space is a support.
"""

from __future__ import annotations

import re

from mappings.indicators.base import (
    EvalInput,
    check_visible_courses,
    finding,
    link,
    modality,
    no_visible_course,
    outcome_of,
)
from mappings.model import CourseSnap, Finding, Outcome, Verdict
from mappings.text import plain_text

NUMBER = 6
CHECKS = ("résumé substantiel", "objectifs", "sections nommées et décrites", "pas de section vide",
          "au moins une évaluation", "dates de début et de fin", "champs personnalisés requis")
INPUTS = ("course summary", "sections", "modules", "course dates", "course custom fields")

ASSESSMENTS = {"quiz", "assign", "workshop", "lesson", "h5pactivity", "scorm"}
_DEFAULT_NAME = re.compile(r"^(new section|nouvelle section|section \d+|topic \d+|sujet \d+|general|généralités)?$",
                           re.IGNORECASE)


def _is_default(name: str) -> bool:
    return bool(_DEFAULT_NAME.match(name.strip()))


def structured(c: CourseSnap) -> bool:
    """At least one visible section with a real name and activities: the course has a structure."""
    return any(s.number and s.visible and s.modules and not _is_default(s.name) for s in c.sections)


def _sections(numbers: list[int]) -> str:
    return ("section " if len(numbers) == 1 else "sections ") + ", ".join(str(n) for n in numbers)


def _grouped(c: CourseSnap, numbers: list[int], what: tuple[str, str], why: str, fix: str,
             severity: Outcome) -> Finding:
    """One line for every section with the same problem (sections 1–4 without a name: one line, not four),
    linked to the first of them."""
    return finding(c, what[0] if len(numbers) == 1 else what[1], why.format(n=len(numbers)), fix, severity=severity,
                   section=_sections(numbers), url=link(c, "section", section=numbers[0]))


def _section_findings(c: CourseSnap) -> list[Finding]:
    """Unnamed or empty sections: an improvement point (WARN) in a structured course, a failure otherwise."""
    grave = Outcome.WARN if structured(c) else Outcome.FAILED
    rest = [s for s in c.sections if s.number]
    unnamed = [s.number for s in rest if _is_default(s.name)]
    bare = [s.number for s in rest if s.visible and not plain_text(s.summary)]
    empty = [s.number for s in rest if s.visible and not s.modules]
    out: list[Finding] = []
    if unnamed:
        out.append(_grouped(c, unnamed, ("Section sans nom", "Sections sans nom"),
                            "nom par défaut de Moodle", "Donnez à chaque section un titre qui dit ce qu’on y "
                            "apprend (crayon à côté du nom de la section).", grave))
    if bare:
        out.append(_grouped(c, bare, ("Section sans description", "Sections sans description"),
                            "aucun texte de présentation", "Décrivez en deux phrases le contenu et les objectifs de "
                            "chaque section (Modifier la section > Description).", Outcome.WARN))
    if empty:
        out.append(_grouped(c, empty, ("Section visible vide", "Sections visibles vides"),
                            "aucune activité ni ressource", "Ajoutez-y des activités, ou masquez ou supprimez ces "
                            "sections.", grave))
    return out


def check_course(c: CourseSnap, inp: EvalInput) -> list[Finding]:
    """Every course: summary, objectives, dates, required fields. Its Moodle space's structure (sections,
    an assessment activity) is judged only when the course is not declared face-to-face: a one-day
    présentiel course whose space holds a link is a support, not the training itself."""
    out: list[Finding] = []
    settings = link(c, "settings")
    summary = plain_text(c.summary, c.summaryformat)
    minimum = int(inp.t("summary_min_chars"))
    if len(summary) < minimum:
        out.append(finding(c, "Résumé du cours absent ou trop court",
                           f"{len(summary)} caractères visibles, {minimum} attendus au minimum",
                           "Dans les paramètres du cours, complétez le résumé : public, prérequis, objectifs, durée, "
                           "modalités et évaluation.", url=settings))
    if "objectif" not in summary.lower():
        out.append(finding(c, "Objectifs non énoncés", "le résumé ne mentionne pas d’objectifs",
                           "Ajoutez au résumé du cours un paragraphe « Objectifs » (compétences visées, évaluables).",
                           severity=Outcome.WARN, url=settings))
    if modality(c, inp) != "présentiel":
        out += _section_findings(c)
        if not any(m.modname in ASSESSMENTS for m in c.modules):
            out.append(finding(c, "Aucune activité d’évaluation", "ni test, ni devoir, ni atelier dans le cours",
                               "Ajoutez un test ou un devoir pour évaluer les acquis."))
    if not c.startdate or not c.enddate:
        missing = " et ".join(x for x, v in (("début", c.startdate), ("fin", c.enddate)) if not v)
        out.append(finding(c, "Dates du cours incomplètes", f"date de {missing} non renseignée",
                           "Dans les paramètres du cours, renseignez la date de début et activez la date de fin.",
                           url=settings))
    required = list(inp.t("required_customfields"))  # type: ignore[arg-type]
    if inp.programme.certifying and not inp.programme.rncp:
        required.append(inp.programme.rncp_field)
    for name in required:
        if not (c.customfields.get(name) or "").strip() or c.customfields.get(name) in ("0",):
            out.append(finding(c, f"Champ « {name} » non renseigné", "champ personnalisé requis vide",
                               f"Dans les paramètres du cours, renseignez le champ « {name} ».", url=settings))
    return out


def evaluate(inp: EvalInput) -> Verdict:
    checked = check_visible_courses(inp, check_course)
    if checked is None:
        return no_visible_course(NUMBER, inp)
    findings, verdicts = checked
    courses = inp.visible_courses
    failed = sum(v.outcome == Outcome.FAILED for v in verdicts)
    outcome = outcome_of(findings)
    figures = {"cours_visibles": len(courses), "cours_a_completer": failed,
               "cours_masques_ignores": len(inp.courses) - len(courses)}
    summary = (f"{len(courses) - failed} cours sur {len(courses)} décrivent contenus et modalités "
               "de façon complète." if failed else "Tous les cours visibles sont décrits de façon complète.")
    return Verdict(NUMBER, inp.programme.code, outcome, summary, figures, tuple(findings), tuple(verdicts))
