"""Indicator 30 — stakeholders' appreciations: surveys, response rates, satisfaction, hot and cold."""

from __future__ import annotations

import re

from mappings.indicators.appreciation_grid import (
    grid,
    grid_text,
    is_appreciation,
    never_asked,
    non_respondents,
)
from mappings.indicators.base import EvalInput, finding, outcome_of, rate
from mappings.model import CourseSnap, CourseVerdict, FeedbackSnap, Finding, Outcome, Verdict, Where
from mappings.text import fr_decimal, fr_pct, plural

NUMBER = 30
CHECKS = ("questionnaires par cours", "publics interrogés", "à chaud / à froid", "taux de réponse",
          "satisfaction", "cours terminés sans questionnaire")
INPUTS = ("feedback activities", "feedback items", "feedback responses", "active enrolments", "course dates")

AUDIENCES = {"entreprises": "audience_companies_pattern", "financeurs": "audience_funders_pattern",
             "formateurs": "audience_trainers_pattern"}  # audience → threshold holding its regex


def audience(f: FeedbackSnap, inp: EvalInput | None = None) -> str:
    """Who a survey asks, from its name or idnumber (configured regexes); learners by default."""
    from mappings.thresholds import DEFAULTS

    text = f"{f.name} {f.idnumber or ''}"
    patterns = {a: str((inp.thresholds if inp else DEFAULTS).get(key, DEFAULTS[key])) for a, key in AUDIENCES.items()}
    return next((a for a, pat in patterns.items() if re.search(pat, text, re.IGNORECASE)), "apprenants")


def is_cold(f: FeedbackSnap, c: CourseSnap) -> bool:
    if re.search(r"froid", f.name, re.IGNORECASE):
        return True
    return bool(c.enddate and f.timeopen and f.timeopen > c.enddate)


def _numeric(item, f: FeedbackSnap) -> list[float]:
    """A numeric item (presentation ``min|max``, e.g. a mark out of 10) brought to the 1–5 scale."""
    try:
        low, high = (float(x) for x in item.presentation.split("|")[:2])
    except ValueError:
        return []
    out = []
    for r in f.responses:
        raw = r.values.get(item.id)
        try:
            v = float(raw) if raw not in (None, "") else None
        except ValueError:
            v = None
        if v is not None and high > low and low <= v <= high:
            out.append(round(1 + 4 * (v - low) / (high - low), 3))
    return out


def rated_values(f: FeedbackSnap, labels: list[str]) -> list[float]:
    """Answers to the configured items on a 1–5 scale.

    Rated choices: the 1-based choice index gives the value written in the item's presentation
    (``r>>>>>1####…|2####…``); numeric items (``min|max``) are brought to 1–5.
    """
    out: list[float] = []
    for item in f.items:
        if item.label not in labels:
            continue
        if item.typ == "numeric":
            out += _numeric(item, f)
            continue
        if item.typ != "multichoicerated":
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
    scores: list[float] = []
    kinds = {"a_chaud": 0, "a_froid": 0}
    publics: set[str] = set()
    reminders: list = []
    free_text = False
    for c in inp.visible_courses:
        active = len(c.active_learners)
        feedbacks = [f for f in c.feedbacks if is_appreciation(f, inp)]  # positioning, assessment: not 30's
        for_learners = [f for f in feedbacks if audience(f, inp) == "apprenants"]  # rates are learners'
        n_resp = sum(len(f.responses) for f in for_learners)
        surveys += len(feedbacks)
        for f in feedbacks:
            publics.add(audience(f, inp))
            kinds["a_froid" if is_cold(f, c) else "a_chaud"] += 1
            scores += rated_values(f, labels)
            free_text = free_text or any(i.typ in ("textarea", "textfield") for i in f.items)
            reminders += non_respondents(c, f, inp.now)
        expected = active * len(for_learners)  # each learners' survey is meant for every active learner
        if for_learners and active:
            responses += n_resp
            learners += expected
        ended = bool(c.enddate) and c.enddate < inp.now
        o = Outcome.PASSED
        if not feedbacks and active:
            o = Outcome.FAILED if ended else Outcome.WARN
            findings.append(finding(c, "Aucun questionnaire de satisfaction",
                                    "cours terminé sans recueil des appréciations" if ended else
                                    "aucune activité Feedback dans le cours",
                                    "Ajouter une activité Feedback (questionnaire à chaud) en fin de cours.",
                                    severity=o))
        elif for_learners and active and rate(n_resp, expected) < float(inp.t("response_rate_warn")):
            o = Outcome.WARN
            findings.append(finding(c, "Taux de réponse faible", f"{n_resp} réponses pour {active} apprenants actifs",
                                    "Relancer les apprenants (message, temps dédié en fin de séance).",
                                    severity=o))
        verdicts.append(CourseVerdict(c.id, c.shortname, o, {"questionnaires": len(feedbacks),
                                                              "reponses": n_resp, "apprenants_actifs": active}))
    if not surveys:
        return Verdict(NUMBER, code, Outcome.FAILED, "Aucun questionnaire d’appréciation dans le programme.",
                       {"questionnaires": 0}, tuple(findings), tuple(verdicts), missing=True)
    cells = grid(inp, audience)
    findings += never_asked(cells)
    if not free_text:
        findings.append(Finding("Aucune question ouverte", Where(), "aucun questionnaire d’appréciation ne laisse "
                                "les répondants s’exprimer librement", "Ajouter une question à réponse libre "
                                "(« Qu’améliorer ? ») aux questionnaires.", Outcome.WARN, "quality"))
    score = round(sum(scores) / len(scores), 2) if scores else None
    figures = {"questionnaires": surveys, "reponses": responses, "taux_reponse": rate(responses, learners),
               "publics": ", ".join(sorted(publics)), **kinds, "parties_prenantes": grid_text(cells),
               "sans_reponse_a_relancer": len(reminders)}
    if score is not None:
        figures["satisfaction_sur_5"] = score
        if score < float(inp.t("satisfaction_min")):
            findings.append(finding(inp.visible_courses[0], "Satisfaction insuffisante",
                                    f"moyenne {fr_decimal(score)}/5 sous le seuil "
                                    f"{fr_decimal(float(inp.t('satisfaction_min')))}",  # type: ignore[arg-type]
                                    "Analyser les réponses et définir des actions d’amélioration (indicateur 32).",
                                    severity=Outcome.WARN, audience="quality"))
    outcome = outcome_of(findings)
    findings += reminders  # named learners to remind (teachers' digests, dossier): no lower status
    summary = (f"{plural(surveys, 'questionnaire')}, {plural(responses, 'réponse')}, taux de réponse "
               f"{fr_pct(float(figures['taux_reponse']))}"  # type: ignore[arg-type]
               + (f", satisfaction {fr_decimal(score)}/5." if score is not None else "."))
    summary += f" Parties prenantes : {grid_text(cells)}."
    return Verdict(NUMBER, code, outcome, summary, figures, tuple(findings), tuple(verdicts))
