"""Indicator 10 — follow-up adapted to learners: the means of follow-up are actually in use.

Scaled to the course's declared modality (``modality_field``): a face-to-face course is not asked for
completion tracking nor follow-up activities in Moodle; a course that has ended is not asked for a recent
teacher visit. Each finding links to the Moodle page where it is fixed."""

from __future__ import annotations

from mappings.indicators.base import (
    EvalInput,
    check_visible_courses,
    finding,
    link,
    modality,
    no_visible_course,
    outcome_of,
)
from mappings.model import DAY, CourseSnap, Finding, Outcome, Verdict

NUMBER = 10
CHECKS = ("suivi d’achèvement activé et utilisé", "critères d’achèvement du cours",
          "formateur actif récemment", "activités notées ou questionnaires", "groupes si requis")
INPUTS = ("course completion setting", "module completion", "completion criteria", "staff last access",
          "modules", "groups")

FOLLOW_UP = {"assign", "quiz", "feedback", "workshop", "lesson", "h5pactivity"}


def check_course(c: CourseSnap, inp: EvalInput) -> list[Finding]:
    """Completion tracking, criteria and follow-up activities are asked of courses not declared face-to-face
    (the follow-up of a présentiel course happens in the room: attendance, exercises); a recent teacher
    visit only of courses still running."""
    out: list[Finding] = []
    tracked = [m for m in c.modules if m.completion]
    remote = modality(c, inp) != "présentiel"
    if remote and (not c.enablecompletion or not tracked):
        out.append(finding(c, "Suivi d’achèvement inutilisé",
                           "achèvement désactivé" if not c.enablecompletion else "aucune activité suivie",
                           "Activez le suivi d’achèvement dans les paramètres du cours, puis définissez les "
                           "conditions d’achèvement des activités principales.", url=link(c, "settings")))
    elif remote and c.has_completion_criteria is False:
        out.append(finding(c, "Pas de critères d’achèvement du cours", "Moodle répond « nocriteriaset »",
                           "Dans Achèvement de cours, choisissez les activités requises pour achever le cours.",
                           severity=Outcome.WARN, url=link(c, "completion")))
    days = int(inp.t("teacher_recent_days"))
    teachers = [s for s in c.staff if s.role in ("editingteacher", "teacher")]
    running = not c.enddate or c.enddate >= inp.now
    if not teachers:
        out.append(finding(c, "Aucun formateur inscrit", "aucun rôle enseignant dans le cours",
                           "Inscrire le formateur référent avec le rôle Enseignant.", audience="quality",
                           url=link(c, "participants")))
    elif running and not any(s.lastcourseaccess >= inp.now - days * DAY for s in teachers):
        out.append(finding(c, "Aucun formateur actif récemment",
                           f"aucun enseignant n’a consulté le cours depuis {days} jours",
                           "Consultez le cours et le suivi de vos apprenants au moins une fois par période.",
                           severity=Outcome.WARN))
    if remote and not any(m.modname in FOLLOW_UP for m in c.modules):
        out.append(finding(c, "Aucune activité de suivi", "ni devoir, ni test, ni questionnaire",
                           "Ajoutez un devoir, un test ou un questionnaire de suivi."))
    if int(inp.t("require_groups")) and c.active_learners and not any(x.groups for x in c.active_learners):
        out.append(finding(c, "Groupes non utilisés", "le programme exige des groupes",
                           "Créez les groupes et inscrivez-y vos apprenants.", url=link(c, "groups")))
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
