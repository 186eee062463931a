"""Indicator 10 — follow-up adapted to learners: the means of follow-up are actually in use."""

from __future__ import annotations

from mappings.indicators.base import EvalInput, check_visible_courses, finding, no_visible_course, outcome_of
from mappings.model import DAY, CourseSnap, Finding, Outcome, Verdict

NUMBER = 10
CHECKS = ("suivi d’achèvement activé et utilisé", "critères d’achèvement du cours",
          "formateur actif récemment", "activités notées ou questionnaires", "groupes si requis")
INPUTS = ("course completion setting", "module completion", "completion criteria", "staff last access",
          "modules", "groups")

FOLLOW_UP = {"assign", "quiz", "feedback", "workshop", "lesson", "h5pactivity"}


def check_course(c: CourseSnap, inp: EvalInput) -> list[Finding]:
    out: list[Finding] = []
    tracked = [m for m in c.modules if m.completion]
    if not c.enablecompletion or not tracked:
        out.append(finding(c, "Suivi d’achèvement inutilisé",
                           "achèvement désactivé" if not c.enablecompletion else "aucune activité suivie",
                           "Paramètres du cours > Suivi d’achèvement : activer, puis définir les conditions "
                           "d’achèvement des activités principales."))
    elif c.has_completion_criteria is False:
        out.append(finding(c, "Pas de critères d’achèvement du cours", "Moodle répond « nocriteriaset »",
                           "Administration du cours > Achèvement de cours : choisir les activités requises.",
                           severity=Outcome.WARN))
    days = int(inp.t("teacher_recent_days"))
    teachers = [s for s in c.staff if s.role in ("editingteacher", "teacher")]
    if not teachers:
        out.append(finding(c, "Aucun formateur inscrit", "aucun rôle enseignant dans le cours",
                           "Inscrire le formateur référent avec le rôle Enseignant.", audience="quality"))
    elif not any(s.lastcourseaccess >= inp.now - days * DAY for s in teachers):
        out.append(finding(c, "Aucun formateur actif récemment",
                           f"aucun enseignant n’a consulté le cours depuis {days} jours",
                           "Le formateur consulte le cours et le suivi des apprenants au moins une fois par "
                           "période.", severity=Outcome.WARN))
    if not any(m.modname in FOLLOW_UP for m in c.modules):
        out.append(finding(c, "Aucune activité de suivi", "ni devoir, ni test, ni questionnaire",
                           "Ajouter un devoir, un test ou un questionnaire de suivi."))
    if int(inp.t("require_groups")) and c.active_learners and not any(x.groups for x in c.active_learners):
        out.append(finding(c, "Groupes non utilisés", "le programme exige des groupes",
                           "Participants > Groupes : créer les groupes et y inscrire les apprenants."))
    return out


def evaluate(inp: EvalInput) -> Verdict:
    checked = check_visible_courses(inp, check_course)
    if checked is None:
        return no_visible_course(NUMBER, inp)
    findings, verdicts = checked
    courses = inp.visible_courses
    ok = sum(v.outcome == Outcome.PASSED for v in verdicts)
    return Verdict(NUMBER, inp.programme.code, outcome_of(findings),
                   f"{ok} cours sur {len(courses)} ont un suivi des apprenants complet.",
                   {"cours_visibles": len(courses), "cours_suivi_complet": ok}, tuple(findings), tuple(verdicts))
