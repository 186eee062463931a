"""Indicator 6 — contents and delivery methods: each visible course is detailed and complete.

Unnamed (Moodle's default name) or empty visible sections fail a course that has no structure at all
(no named section with activities, like an untouched course shell); in an otherwise structured course
they are an improvement point (WARN) telling the teacher which section to finish.
"""

from __future__ import annotations

import re

from mappings.indicators.base import EvalInput, check_visible_courses, finding, no_visible_course, outcome_of
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


def _section_findings(c: CourseSnap) -> list[Finding]:
    """Unnamed or empty sections: an improvement point (WARN) in a structured course, a failure otherwise."""
    out: list[Finding] = []
    grave = Outcome.WARN if structured(c) else Outcome.FAILED
    for s in c.sections:
        if s.number == 0:
            continue
        label = f"section {s.number}" if _is_default(s.name) else s.name
        if _is_default(s.name):
            out.append(finding(c, "Section sans nom", f"la section {s.number} porte le nom par défaut « {s.name} »",
                               "Modifier la section et lui donner un titre qui dit ce qu’on y apprend.",
                               severity=grave, section=label))
        if s.visible and not plain_text(s.summary):
            out.append(finding(c, "Section sans description", "aucun texte de présentation",
                               "Modifier la section et décrire en deux phrases son contenu et ses objectifs.",
                               severity=Outcome.WARN, section=label))
        if s.visible and not s.modules:
            out.append(finding(c, "Section visible vide", "aucune activité ni ressource",
                               "Ajouter des activités à cette section ou la masquer / supprimer.",
                               severity=grave, section=label))
    return out


def check_course(c: CourseSnap, inp: EvalInput) -> list[Finding]:
    out: list[Finding] = []
    summary = plain_text(c.summary, c.summaryformat)
    minimum = int(inp.t("summary_min_chars"))
    if len(summary) < minimum:
        out.append(finding(c, "Résumé du cours absent ou trop court",
                           f"{len(summary)} caractères visibles, {minimum} attendus au minimum",
                           "Paramètres du cours > Résumé : décrire le public, les prérequis, les objectifs, "
                           "la durée, les modalités et l’évaluation."))
    if "objectif" not in summary.lower():
        out.append(finding(c, "Objectifs non énoncés", "le résumé ne mentionne pas d’objectifs",
                           "Ajouter au résumé du cours un paragraphe « Objectifs » (compétences visées, évaluables).",
                           severity=Outcome.WARN))
    out += _section_findings(c)
    if not any(m.modname in ASSESSMENTS for m in c.modules):
        out.append(finding(c, "Aucune activité d’évaluation", "ni test, ni devoir, ni atelier dans le cours",
                           "Ajouter un test (quiz) ou un devoir pour évaluer les acquis."))
    if not c.startdate or not c.enddate:
        missing = " et ".join(x for x, v in (("début", c.startdate), ("fin", c.enddate)) if not v)
        out.append(finding(c, "Dates du cours incomplètes", f"date de {missing} non renseignée",
                           "Paramètres du cours : renseigner la date de début et activer la date de fin."))
    required = list(inp.t("required_customfields"))  # type: ignore[arg-type]
    if inp.programme.certifying and not inp.programme.rncp:
        required.append(inp.programme.rncp_field)
    for name in required:
        if not (c.customfields.get(name) or "").strip() or c.customfields.get(name) in ("0",):
            out.append(finding(c, f"Champ « {name} » non renseigné", "champ personnalisé requis vide",
                               f"Paramètres du cours > champs Qualiopi : renseigner « {name} »."))
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
