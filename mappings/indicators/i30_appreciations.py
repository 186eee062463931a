"""Indicator 30 — stakeholders' appreciations: surveys, response rates, satisfaction, hot and cold."""

from __future__ import annotations

import re

from mappings.indicators.base import EvalInput, finding, rate
from mappings.model import CourseSnap, CourseVerdict, FeedbackSnap, Outcome, Verdict

NUMBER = 30
CHECKS = ("questionnaires par cours", "publics interrogés", "à chaud / à froid", "taux de réponse",
          "satisfaction", "cours terminés sans questionnaire")
INPUTS = ("feedback activities", "feedback items", "feedback responses", "active enrolments", "course dates")

AUDIENCES = {"entreprises": r"entreprise|tuteur|employeur|ma[iî]tre d", "financeurs": r"financeur|opco",
             "formateurs": r"formateur|intervenant"}


def audience(f: FeedbackSnap) -> str:
    text = f"{f.name} {f.idnumber or ''}".lower()
    return next((a for a, pat in AUDIENCES.items() if re.search(pat, text)), "apprenants")


def is_cold(f: FeedbackSnap, c: CourseSnap) -> bool:
    if re.search(r"froid", f.name, re.IGNORECASE):
        return True
    return bool(c.enddate and f.timeopen and f.timeopen > c.enddate)


def rated_values(f: FeedbackSnap, labels: list[str]) -> list[int]:
    """1-based choice index → the value written in the item's presentation (``r>>>>>1####…|2####…``)."""
    out = []
    for item in f.items:
        if item.typ != "multichoicerated" or item.label not in labels:
            continue
        choices = item.presentation.split(">>>>>", 1)[-1].split("|")
        values = [int(ch.split("####")[0]) if ch.split("####")[0].strip().isdigit() else i + 1
                  for i, ch in enumerate(choices)]
        for r in f.responses:
            raw = r.values.get(item.id)
            if raw and raw.isdigit() and 1 <= int(raw) <= len(values):
                out.append(values[int(raw) - 1])
    return out


def evaluate(inp: EvalInput) -> Verdict:
    code = inp.programme.code
    labels = list(inp.t("satisfaction_items"))  # type: ignore[arg-type]
    findings, verdicts = [], []
    surveys = responses = learners = 0
    scores: list[int] = []
    kinds = {"a_chaud": 0, "a_froid": 0}
    publics: set[str] = set()
    for c in inp.visible_courses:
        active = len(c.active_learners)
        n_resp = sum(len(f.responses) for f in c.feedbacks)
        surveys += len(c.feedbacks)
        for f in c.feedbacks:
            publics.add(audience(f))
            kinds["a_froid" if is_cold(f, c) else "a_chaud"] += 1
            scores += rated_values(f, labels)
        expected = active * len(c.feedbacks)  # each survey is meant for every active learner
        if c.feedbacks and active:
            responses += n_resp
            learners += expected
        ended = bool(c.enddate) and c.enddate < inp.now
        o = Outcome.PASSED
        if not c.feedbacks and active:
            o = Outcome.FAILED if ended else Outcome.WARN
            findings.append(finding(c, "Aucun questionnaire de satisfaction",
                                    "cours terminé sans recueil des appréciations" if ended else
                                    "aucune activité Feedback dans le cours",
                                    "Ajouter une activité Feedback (questionnaire à chaud) en fin de cours.",
                                    severity=o))
        elif c.feedbacks and active and rate(n_resp, expected) < float(inp.t("response_rate_warn")):
            o = Outcome.WARN
            findings.append(finding(c, "Taux de réponse faible", f"{n_resp} réponses pour {active} apprenants actifs",
                                    "Relancer les apprenants (message, temps dédié en fin de séance).",
                                    severity=o))
        verdicts.append(CourseVerdict(c.id, c.shortname, o, {"questionnaires": len(c.feedbacks),
                                                              "reponses": n_resp, "apprenants_actifs": active}))
    if not surveys:
        return Verdict(NUMBER, code, Outcome.FAILED, "Aucun questionnaire d’appréciation dans le programme.",
                       {"questionnaires": 0}, tuple(findings), tuple(verdicts))
    score = round(sum(scores) / len(scores), 2) if scores else None
    figures = {"questionnaires": surveys, "reponses": responses, "taux_reponse": rate(responses, learners),
               "publics": ", ".join(sorted(publics)), **kinds}
    if score is not None:
        figures["satisfaction_sur_5"] = score
        if score < float(inp.t("satisfaction_min")):
            findings.append(finding(inp.visible_courses[0], "Satisfaction insuffisante",
                                    f"moyenne {score}/5 sous le seuil {inp.t('satisfaction_min')}",
                                    "Analyser les réponses et définir des actions d’amélioration (indicateur 32).",
                                    severity=Outcome.WARN, audience="quality"))
    outcome = Outcome.FAILED if any(f.severity == Outcome.FAILED for f in findings) else \
        Outcome.WARN if findings else Outcome.PASSED
    summary = f"{surveys} questionnaire(s), {responses} réponse(s), taux de réponse {figures['taux_reponse']:.0%}" + \
        (f", satisfaction {score}/5." if score is not None else ".")
    return Verdict(NUMBER, code, outcome, summary, figures, tuple(findings), tuple(verdicts))
