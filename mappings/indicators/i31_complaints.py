"""Indicator 31 — difficulties, complaints and hazards: a channel, answers, delays, low satisfaction.

The complaints register comes first (``complaints_register``: reception, acknowledgement, answer dates
against ``complaint_ack_days`` and ``complaint_answer_days``); a complaints forum is read as below.

The complaints channel is a forum (or a Feedback activity) whose name matches
``complaints_pattern``, in the programme's courses or in the quality course. Each
discussion opened by someone who is not staff of that course is a complaint. It is
*answered* at the first staff reply (read with mod_forum_get_discussion_posts; a later
"merci" from the learner does not reopen it), and its delay runs to that reply; where
the replies could not be read, at the last post when it is by staff (an upper bound). An unanswered complaint older
than ``complaint_answer_days`` is overdue; one answered after that delay is answered late
(à consolider: the first answer may have been in time, the register dates it). Low rated answers and free-text answers
that express a difficulty in the indicator-30 surveys are listed as difficulties to treat.
"""

from __future__ import annotations

import re
from statistics import median

from mappings.indicators.base import EvalInput, finding, outcome_of
from mappings.indicators.complaints_register import register_complaints
from mappings.indicators.i30_appreciations import rated_values
from mappings.model import DAY, CourseSnap, DiscussionSnap, FeedbackSnap, Finding, Outcome, Verdict, Where
from mappings.text import plural

NUMBER = 31
CHECKS = ("canal de réclamation", "réclamations traitées", "délai de réponse", "réclamations en retard",
          "difficultés exprimées dans les questionnaires")
INPUTS = ("complaints register", "forums and discussions", "feedback activities and answers", "course staff")


def _channels(inp: EvalInput) -> tuple[list, list]:
    pattern = str(inp.t("complaints_pattern"))
    forums, feedbacks = [], []
    for c in (*inp.courses, *inp.quality_courses):
        forums += [(c, f) for f in c.forums if f.type != "news" and re.search(pattern, f.name, re.IGNORECASE)]
        feedbacks += [(c, f) for f in c.feedbacks if re.search(pattern, f.name, re.IGNORECASE)]
    return forums, feedbacks


def _complaints(inp: EvalInput, forums: list) -> tuple[list[Finding], dict[str, float | int]]:
    findings: list[Finding] = []
    deadline = int(inp.t("complaint_answer_days"))
    total = answered = overdue = late = 0
    delays: list[float] = []
    for c, forum in forums:
        staff = {s.user_id for s in c.staff}
        for d in forum.discussions:
            if d.author_id in staff:
                continue  # a staff post (instructions, announcement) is not a complaint
            total += 1
            age = (inp.now - d.created) / DAY
            answer = _first_staff_answer(d, staff)
            if answer is not None:
                answered += 1
                delay = (answer - d.created) / DAY
                delays.append(delay)
                if delay > deadline:  # answered, but after the configured delay
                    late += 1
                    which = "première réponse" if d.posts is not None else (
                        "dernière réponse (Moodle n’a pas donné le détail des messages : si une première réponse "
                        "a été faite dans le délai, la dater dans le registre des réclamations)")
                    findings.append(finding(
                        c, f"Réclamation traitée hors délai : « {d.name} »",
                        f"{which} de l’équipe {_days(delay)} après l’ouverture, délai fixé à {deadline} jours",
                        "Répondre dans le délai annoncé et tracer la date de la première réponse.",
                        severity=Outcome.WARN, activity=forum.name, audience="quality"))
            elif age > deadline:
                overdue += 1
                findings.append(finding(c, f"Réclamation sans réponse : « {d.name} »",
                                        f"ouverte depuis {age:.0f} jours, délai de réponse fixé à {deadline} jours",
                                        "Répondre dans le forum et tracer l’action corrective décidée.",
                                        activity=forum.name, audience="quality"))
            else:
                findings.append(finding(c, f"Réclamation en attente : « {d.name} »",
                                        f"ouverte depuis {plural(round(age), 'jour')}, pas encore de réponse de l’équipe",
                                        f"Répondre avant {deadline} jours.", severity=Outcome.WARN,
                                        activity=forum.name, audience="quality"))
    figures: dict[str, float | int] = {"reclamations": total, "reclamations_repondues": answered,
                                       "reclamations_hors_delai": late, "reclamations_en_retard": overdue}
    if delays:
        figures["delai_reponse_median_jours"] = round(median(delays), 1)
    return findings, figures


def _first_staff_answer(d: DiscussionSnap, staff: set[int]) -> int | None:
    """When staff first answered: the first reply by staff (a later "merci" from the learner does not reopen
    the complaint); without the replies' detail, the last post when it is by staff."""
    if d.posts is not None:
        return next((t for author, t in d.posts if author in staff and t >= d.created), None)
    return d.last_post if d.replies and d.last_poster_id in staff else None


def _days(days: float) -> str:
    n = round(days)
    return f"{n} jour" if n <= 1 else f"{n} jours"


def _difficulties(inp: EvalInput, channel_feedbacks: set[int]) -> list[Finding]:
    max_score = int(inp.t("difficulty_max_score"))
    words = str(inp.t("difficulty_words"))
    labels = list(inp.t("satisfaction_items"))  # type: ignore[arg-type]
    out = []
    for c in inp.visible_courses:
        for f in c.feedbacks:
            low = sum(v <= max_score for v in rated_values(f, labels))
            if low:
                out.append(_difficulty(c, f, f"{plural(low, 'note')} ≤ {max_score}/5 aux questions de satisfaction"))
            texts = {i.id for i in f.items if i.typ in ("textarea", "textfield")}
            for r in f.responses:
                for item_id, raw in r.values.items():
                    if item_id in texts and raw and (f.id in channel_feedbacks or re.search(words, raw, re.IGNORECASE)):
                        out.append(_difficulty(c, f, f"« {raw.strip()[:160]} »"))
    return out


def _difficulty(c: CourseSnap, f: FeedbackSnap, why: str) -> Finding:
    """A low score or a complaint-like answer: a candidate for the register, not a complaint."""
    return finding(c, "Difficulté exprimée par un apprenant, à examiner", why,
                   "Examiner la réponse : s’il s’agit d’une réclamation, l’inscrire au registre des réclamations ; "
                   "sinon y répondre et tracer l’action d’amélioration (indicateur 32).",
                   severity=Outcome.WARN, activity=f.name, audience="quality")


def evaluate(inp: EvalInput) -> Verdict:
    code = inp.programme.code
    forums, feedbacks = _channels(inp)
    kept = inp.complaints is not None
    findings, figures = register_complaints(inp)
    forum_findings, forum_figures = _complaints(inp, forums)
    findings += forum_findings
    figures.update(forum_figures)
    findings += _difficulties(inp, {f.id for _, f in feedbacks})
    figures["difficultes"] = sum(f.what.startswith("Difficulté") for f in findings)
    figures["canaux"] = len(forums) + len(feedbacks) + kept
    if not forums and not feedbacks and not kept:
        pattern = str(inp.t("complaints_pattern"))
        findings.insert(0, Finding(
            "Aucun canal de réclamation", Where(),
            f"ni registre des réclamations, ni forum ou questionnaire dont le nom correspond à « {pattern} » dans "
            "les cours du programme ou le cours qualité",
            "Tenir le registre des réclamations (activité Base de données du cours qualité, ou tableur importé) et "
            "dire aux apprenants, entreprises et financeurs comment réclamer (formulaire, courriel) et sous quel "
            "délai ; un forum lisible par tous les participants n’est pas confidentiel : préférer un "
            "questionnaire Feedback anonyme ou un formulaire.", Outcome.FAILED, "quality"))
    outcome = outcome_of(findings)
    names = [f"« {f.name} »" for _, f in forums + feedbacks] + (["registre des réclamations"] if kept else [])
    total = figures["reclamations_registre"] + figures["reclamations"]
    answered = figures["registre_repondues"] + figures["reclamations_repondues"]
    late = figures["registre_hors_delai"] + figures["reclamations_hors_delai"]
    overdue = figures["registre_en_retard"] + figures["reclamations_en_retard"]
    summary = (f"Canaux : {', '.join(names) or 'aucun'} ; {plural(total, 'réclamation')}, "
               f"{plural(answered, 'répondue')} dont {late} hors délai, {overdue} sans réponse au-delà du délai ; "
               f"{plural(figures['difficultes'], 'difficulté exprimée', 'difficultés exprimées')} dans les "
               "questionnaires, à examiner.")
    return Verdict(NUMBER, code, outcome, summary, figures, tuple(findings),
                   missing=not forums and not feedbacks and not kept and not figures["difficultes"])
