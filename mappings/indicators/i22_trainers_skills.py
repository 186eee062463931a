"""Indicator 22 — the staff's skills kept up and developed, as far as Moodle and the registers show it.

The programme's trainers are the teachers of its courses (Moodle roles editingteacher and teacher, each
person once). A trainer's training is traced when they completed a course of the configured trainers'
training category (``[quality] trainers_category``) within ``trainer_training_months``; enrolled without
completing it yet is "en cours"; an older completion is listed with its date. Evidence for 22 (the plan de
développement des compétences, an attestation… in the evidence register or tagged in Moodle) counts too:
much of this evidence never lives in Moodle.

- every trainer traced, or evidence declared: couvert; with evidence, the trainers without a trace in
  Moodle are points of attention (their training may be recorded elsewhere);
- no evidence and some trainers without a trace: à consolider;
- no evidence and no trace at all: à fournir.
Without a trainers' training category, 22 is judged on its evidence alone, and the summary says so.
"""

from __future__ import annotations

import dataclasses

from mappings.indicators.base import EvalInput
from mappings.indicators.evidence import evaluate_evidence, find_evidence
from mappings.model import DAY, Finding, Outcome, StaffSnap, TrainingSnap, Verdict, Where
from mappings.text import fr_day, plural

NUMBER = 22
CHECKS = ("formateurs formés récemment (Moodle)", "preuves de développement des compétences")
INPUTS = ("course staff", "trainers' training courses: enrolments and completion", "evidence register")

TEACHING_ROLES = ("editingteacher", "teacher")
MONTH = 30 * DAY


def trainers(inp: EvalInput) -> list[StaffSnap]:
    """The programme's teachers, each person once (sorted by name)."""
    seen: dict[int, StaffSnap] = {}
    for c in inp.courses:
        for s in c.staff:
            if s.role in TEACHING_ROLES:
                seen.setdefault(s.user_id, s)
    return sorted(seen.values(), key=lambda s: s.fullname)


def _latest(trainings: tuple[TrainingSnap, ...]) -> TrainingSnap | None:
    done = [t for t in trainings if t.completed and t.timecompleted]
    return max(done, key=lambda t: t.timecompleted or 0) if done else None


def _finding(s: StaffSnap, trainings: tuple[TrainingSnap, ...], since: int) -> Finding:
    latest = _latest(trainings)
    running = [t for t in trainings if not t.completed]
    if latest:
        why = f"dernière formation achevée le {fr_day(latest.timecompleted or 0)} (« {latest.title} »), avant le " \
              f"{fr_day(since)}"
    elif running:
        why = f"inscrit à « {running[0].title} », non achevée"
    else:
        why = "aucune formation suivie dans la catégorie « formation des formateurs » de Moodle"
    return Finding(f"Formateur sans formation récente tracée : {s.fullname}", Where(url=latest.url if latest else None),
                   why, "Tracer sa formation (cours de la catégorie « formation des formateurs », ou attestation "
                   "déclarée au registre des preuves pour l’indicateur 22).", Outcome.WARN, "quality")


def evaluate(inp: EvalInput) -> Verdict:
    if inp.trainings is None:
        v = evaluate_evidence(NUMBER, inp)
        return dataclasses.replace(v, summary=v.summary + " Catégorie « formation des formateurs » non configurée : "
                                   "les formations suivies dans Moodle ne sont pas lues.")
    people = trainers(inp)
    since = inp.now - int(inp.t("trainer_training_months")) * MONTH  # type: ignore[call-overload]
    evidence = tuple(e for e in find_evidence(NUMBER, inp) if e.state in ("ok", "stale"))
    traced = [s for s in people if (t := _latest(inp.trainings.get(s.user_id, ()))) and (t.timecompleted or 0) >= since]
    untraced = [s for s in people if s not in traced]
    findings = [_finding(s, inp.trainings.get(s.user_id, ()), since) for s in untraced]
    figures: dict[str, float | int | str] = {"formateurs": len(people), "formateurs_formes": len(traced),
                                             "preuves": len(evidence)}
    summary = (f"Formateurs formés depuis le {fr_day(since)} (Moodle) : {len(traced)} sur {len(people)}"
               + (f" ; {plural(len(evidence), 'preuve déclarée', 'preuves déclarées')}." if evidence else "."))
    if not people:
        outcome = Outcome.PASSED if evidence else Outcome.NOT_EVALUATED
        return Verdict(NUMBER, inp.programme.code, outcome, summary, figures, evidence=evidence,
                       missing_data=None if evidence else "aucun formateur dans les cours du programme")
    if not traced and not evidence:
        return Verdict(NUMBER, inp.programme.code, Outcome.FAILED, summary, figures, tuple(findings), missing=True)
    fresh = any(e.state == "ok" for e in evidence)  # evidence past its review date does not cover the others
    outcome = Outcome.PASSED if fresh or not untraced else Outcome.WARN
    return Verdict(NUMBER, inp.programme.code, outcome, summary, figures, tuple(findings), evidence=evidence)
