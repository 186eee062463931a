"""Indicator 30's helpers: which surveys are appreciations, who was asked (the stakeholder grid), who has not
answered yet (named surveys only).

- Purpose: a survey named as a positioning (``positioning_pattern``) or an assessment
  (``assessment_survey_pattern``) is not an appreciation and is left out of 30.
- Stakeholders the guide names: learners (bénéficiaires), funders, the teaching team, and the companies
  concerned (programmes in alternance or with work-based learning); for a bilan de compétences, the
  beneficiaries and the team only. A stakeholder is asked by a survey of the programme's or the quality
  course whose audience is theirs, or by an entry of the evidence register for 30 that names them (a funders'
  survey run by e-mail). One never asked is the guide's minor non-conformity.
- Non-respondents: for a named survey of a running course, still open, Moodle's own list
  (``mod_feedback_get_non_respondents``) less the learners who are not active (Moodle's list holds suspended
  ones); one who began without sending is told so. Until that list is read (a store synced by a version
  that did not read it), the active learners without an answer in the synced answers. An
  anonymous survey cannot say who answered, and none is listed.
"""

from __future__ import annotations

import re

from mappings.indicators.base import EvalInput, finding
from mappings.indicators.evidence import register_evidence
from mappings.indicators.i08_positioning import patterns as positioning_patterns
from mappings.model import CourseSnap, FeedbackSnap, Finding, Outcome, Where
from mappings.text import words

STAKEHOLDERS = {"apprenants": "apprenants", "entreprises": "entreprises", "financeurs": "financeurs",
                "formateurs": "équipe pédagogique"}
NAMED_IN_REGISTER = {"apprenants": ("apprenant", "stagiaire", "beneficiaire"),
                     "entreprises": ("entreprise", "employeur", "tuteur", "maitre d apprentissage"),
                     "financeurs": ("financeur", "opco", "france travail", "region", "caisse des depots"),
                     "formateurs": ("formateur", "equipe pedagogique", "intervenant")}


def is_appreciation(f: FeedbackSnap, inp: EvalInput) -> bool:
    text = f"{f.name} {f.idnumber or ''}"
    if any(p in text.lower() for p in positioning_patterns(inp)):
        return False
    return not re.search(str(inp.t("assessment_survey_pattern")), text, re.IGNORECASE)


def expected(inp: EvalInput) -> tuple[str, ...]:
    p = inp.programme
    if p.action_category == "bilan_de_competences":
        return ("apprenants", "formateurs")
    return ("apprenants", *(("entreprises",) if p.alternance or p.work_based else ()), "financeurs", "formateurs")


def grid(inp: EvalInput, audience_of) -> dict[str, list[str]]:
    """Stakeholder → where they were asked (survey names, register entries)."""
    out: dict[str, list[str]] = {s: [] for s in expected(inp)}
    for c in (*inp.visible_courses, *inp.quality_courses):
        for f in c.feedbacks:
            who = audience_of(f, inp)
            if who in out and is_appreciation(f, inp):
                out[who].append(f"« {f.name} »")
    for e in register_evidence(30, inp):
        text = words(f"{e.label} {e.text}")
        for who, keys in NAMED_IN_REGISTER.items():
            if who in out and any(k in text for k in keys):
                out[who].append(f"« {e.label} » (registre)")
    return out


NEVER = {"apprenants": "jamais interrogés", "entreprises": "jamais interrogées", "financeurs": "jamais interrogés",
         "formateurs": "jamais interrogée"}  # agreeing with the stakeholder's French name


def grid_text(cells: dict[str, list[str]]) -> str:
    return " ; ".join(f"{STAKEHOLDERS[who]} : " + (f"{len(where)} source{'s' if len(where) > 1 else ''}" if where
                                                   else NEVER[who]) for who, where in cells.items())


def never_asked(cells: dict[str, list[str]]) -> list[Finding]:
    return [Finding(f"Partie prenante jamais interrogée : {STAKEHOLDERS[who]}", Where(),
                    "aucun questionnaire ni recueil déclaré pour eux (le guide en fait une non-conformité mineure)",
                    "Recueillir leur appréciation (questionnaire dont le nom les désigne, ou recueil déclaré au "
                    "registre des preuves pour l’indicateur 30).", Outcome.WARN, "quality")
            for who, where in cells.items() if not where]


def non_respondents(c: CourseSnap, f: FeedbackSnap, now: int) -> list[Finding]:
    """Active learners who have not answered a named survey of a running course, still open (to remind)."""
    if f.anonymous or (c.enddate and c.enddate < now) or (f.timeclose and f.timeclose < now):
        return []
    if f.non_respondents is not None:
        waiting = dict(f.non_respondents)
    else:
        answered = {r.user_id for r in f.responses if r.user_id is not None}
        waiting = {x.user_id: False for x in c.active_learners if x.user_id not in answered}
    return [finding(c, f"Questionnaire sans réponse : « {f.name} »",
                    "a commencé sans envoyer ses réponses" if waiting[x.user_id] else "n’a pas encore répondu",
                    "Rappelez-lui de répondre au questionnaire.", severity=Outcome.PASSED, activity=f.name,
                    learner=x.fullname)
            for x in sorted(c.active_learners, key=lambda x: x.fullname) if x.user_id in waiting]
