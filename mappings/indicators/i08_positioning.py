"""Indicator 8 — positioning at entry: did each learner take the positioning activity at the start?

A positioning activity is a visible activity of the programme's courses whose name or idnumber contains
one of ``positioning_pattern``'s substrings (default « positionnement », « test d'entrée »); the sync reads
its completion per learner. A learner (each person once over the programme) is positioned when they
completed one of the programme's positioning activities no later than ``positioning_grace_days`` after
the start of its course; completed later is "positionné tardivement" (counted apart). The programme is
couvert when at least ``positioning_min`` of its active learners are positioned at the start.

Moodle can say who did an activity only through its completion: an activity without completion
tracking (an anonymous survey, typically) is reported as such, with its number of answers when it is a
survey, never as "nobody positioned". Without any positioning activity in Moodle, 8 is judged on its
evidence (procedure, interview grids… declared in the register) and the summary says so.
"""

from __future__ import annotations

import dataclasses

from mappings.indicators.base import EvalInput, finding, rate
from mappings.indicators.evidence import evaluate_evidence, find_evidence
from mappings.model import DAY, CourseSnap, CourseVerdict, Finding, ModuleSnap, Outcome, Verdict
from mappings.text import fr_pct, plural

NUMBER = 8
CHECKS = ("activité de positionnement", "apprenants positionnés à l’entrée", "suivi d’achèvement de l’activité")
INPUTS = ("course contents (activity names)", "activity completion of positioning activities", "course start",
          "evidence register")


def patterns(inp: EvalInput) -> list[str]:
    return [p.strip().lower() for p in str(inp.t("positioning_pattern")).split("|") if p.strip()]


def positioning_activities(c: CourseSnap, inp: EvalInput) -> list[ModuleSnap]:
    subs = patterns(inp)
    return [m for s in c.sections if s.visible for m in s.modules if m.visible
            and any(p in m.name.lower() or p in (m.idnumber or "").lower() for p in subs)]


def _untracked(c: CourseSnap, m: ModuleSnap) -> Finding:
    survey = next((f for f in c.feedbacks if f.cmid == m.id), None)
    why = "suivi d’achèvement désactivé : Moodle ne dit pas qui l’a faite"
    if survey is not None:
        why += (f" ({plural(len(survey.responses), 'réponse')}"
                + (", questionnaire anonyme" if survey.anonymous else "") + ")")
    return finding(c, "Positionnement sans suivi d’achèvement", why,
                   "Activer le suivi d’achèvement de l’activité (Paramètres > Achèvement d’activité) pour savoir "
                   "qui s’est positionné.", severity=Outcome.WARN, activity=m.name)


def evaluate(inp: EvalInput) -> Verdict:
    per_course = [(c, positioning_activities(c, inp)) for c in inp.visible_courses]
    per_course = [(c, acts) for c, acts in per_course if acts]
    if not per_course:
        v = evaluate_evidence(NUMBER, inp)
        words = " », « ".join(patterns(inp))
        return dataclasses.replace(v, summary=v.summary + f" Aucune activité de positionnement dans les cours du "
                                   f"programme (nom contenant « {words} ») : le positionnement de chaque apprenant "
                                   "n’est pas vérifié dans Moodle.")
    grace = int(inp.t("positioning_grace_days")) * DAY  # type: ignore[call-overload]
    minimum = float(inp.t("positioning_min"))  # type: ignore[arg-type]
    on_time: set[int] = set()
    late: set[int] = set()
    findings: list[Finding] = []
    tracked: dict[int, list[ModuleSnap]] = {}  # course id → its positioning activities with completion tracking
    for c, acts in per_course:
        findings += [_untracked(c, m) for m in acts if not m.completion]
        if mine := [m for m in acts if m.completion]:
            tracked[c.id] = mine
        cmids = {m.id for m in mine}
        for x in c.active_learners if cmids else ():
            times = [at for cmid, at in x.done_at if cmid in cmids] or ([None] if x.done_cmids & cmids else [])
            if any(at is None or at <= c.startdate + grace for at in times):
                on_time.add(x.user_id)
            elif times:
                late.add(x.user_id)
    courses = [c for c, _ in per_course if c.id in tracked]
    learners = {x.user_id for c in courses for x in c.active_learners}  # each person once
    late -= on_time
    verdicts = []
    for c in courses:
        mine = {x.user_id for x in c.active_learners}
        absent, tardy = len(mine - on_time - late), len(mine & late)
        o = Outcome.PASSED
        if absent or tardy:
            o = Outcome.FAILED if rate(len(mine & on_time), len(mine)) < minimum else Outcome.WARN
            parts = ([f"{plural(absent, 'apprenant')} sans positionnement"] if absent else []) + (
                [(f"{plural(tardy, 'apprenant positionné', 'apprenants positionnés')} plus de "
                 f"{plural(grace // DAY, 'jour')} après le début du cours")] if tardy else [])
            findings.append(finding(c, "Positionnement à l’entrée incomplet", f"{', '.join(parts)} (sur {len(mine)})",
                                    f"Faire passer le positionnement (« {tracked[c.id][0].name} ») aux apprenants "
                                    "concernés dès leur entrée, et le tracer.", severity=o,
                                    activity=tracked[c.id][0].name))
        verdicts.append(CourseVerdict(c.id, c.shortname, o, {"apprenants": len(mine),
                                                              "positionnes": len(mine & on_time)}))
    share = rate(len(on_time), len(learners))
    figures: dict[str, float | int | str] = {"apprenants": len(learners), "apprenants_positionnes": len(on_time),
                                             "positionnes_tardivement": len(late), "taux_positionnement": share}
    evidence = tuple(e for e in find_evidence(NUMBER, inp) if e.state in ("ok", "stale"))
    names = ", ".join(f"« {m.name} »" for _, acts in per_course for m in acts)
    summary = f"Positionnement : {names} ; " + (
        f"apprenants positionnés à l’entrée : {len(on_time)} sur {len(learners)} ({fr_pct(share)}), "
        f"tardivement : {len(late)}." if learners else
        "aucune activité n’a de suivi d’achèvement : qui s’est positionné n’est pas connu.")
    if not learners:
        outcome = Outcome.WARN
    elif share < minimum:
        outcome = Outcome.FAILED
    else:
        outcome = Outcome.WARN if findings else Outcome.PASSED
    return Verdict(NUMBER, inp.programme.code, outcome, summary, figures, tuple(findings), tuple(verdicts),
                   evidence=evidence)
