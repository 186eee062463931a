"""Indicator 12 — engagement and dropout prevention, judged as an auditor does.

The guide's non-conformity is "mise en œuvre partielle des mesures définies": what is judged is whether
measures are defined (the provider's procedure, as evidence for 12) and whether learners at risk were
followed up (a dated trace: a course or site note in Moodle), not a dropout rate, which is reported as a
figure only.

Definitions (written in the report): a learner is a person with an active student enrolment (suspended
enrolments excluded), counted once however many courses of the programme they follow. *Never accessed*:
no access to the course. *Inactive*: last course access older than `inactive_days`. *Dropped out*: not
completed and either the course has ended (only where Moodle tracks completion: without it nobody is
known to have finished) or the last access is older than `dropout_inactive_days` (never accessed counts).
*At risk*: never accessed or inactive, not completed, course not ended. *Follow-up trace*: a note on the
learner written after their last access to the course (for one who never came: after the course start).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mappings.indicators.base import EvalInput, finding, rate
from mappings.indicators.evidence import find_evidence
from mappings.model import (
    DAY,
    CourseSnap,
    CourseVerdict,
    Finding,
    LearnerSnap,
    NoteSnap,
    Outcome,
    Verdict,
    Where,
)
from mappings.text import fr_day, fr_pct

NUMBER = 12
CHECKS = ("mesures définies (preuve de l’indicateur 12)", "apprenants à risque", "relances tracées (notes Moodle)",
          "terminés / en cours / non commencés", "jamais connectés", "inactifs > N jours", "abandons", "tendance")
INPUTS = ("enrolments", "last course access", "course and activity completion", "course end date",
          "course and site notes", "evidence register")
DEFINITION = ("Apprenant : personne inscrite comme étudiant, inscription active, comptée une fois même inscrite à "
              "plusieurs cours. Abandon : apprenant qui n’a pas terminé et dont le cours est terminé (seulement là "
              "où Moodle suit l’achèvement), ou sans accès au cours depuis plus de {m} jours (ou jamais). À risque : "
              "jamais connecté ou inactif depuis plus de {n} jours, cours non terminé. Relance tracée : note de "
              "cours ou de site sur l’apprenant, écrite après son dernier accès.")
NOTES_CAVEAT = ("Moodle ne donne que les notes de cours et de site visibles du compte de synchronisation (pas les "
                "brouillons personnels des formateurs) : une relance tracée ailleurs (appel, courriel, registre) "
                "n’apparaît pas ici.")


def state(x: LearnerSnap) -> str:
    """Completed; in progress (an activity done, or progress above 0 %); not started."""
    if x.completed:
        return "termine"
    return "en_cours" if x.activities_done or (x.progress or 0) > 0 else "non_commence"


@dataclass
class _Person:
    name: str
    courses: list[tuple[CourseSnap, str, int]] = field(default_factory=list)  # course, why, since (time)
    trace: NoteSnap | None = None


def course_figures(c: CourseSnap, inp: EvalInput, at_risk: dict[int, _Person]) -> dict:
    n, m = int(inp.t("inactive_days")), int(inp.t("dropout_inactive_days"))  # type: ignore[call-overload]
    ended = bool(c.enddate) and c.enddate < inp.now
    tracked = c.enablecompletion and c.has_completion_criteria is not False
    learners = c.active_learners
    fig = {"inscrits_actifs": len(learners), "suspendus": len(c.learners) - len(learners),
           "termines": 0, "en_cours": 0, "non_commences": 0, "jamais_connectes": 0, "inactifs": 0, "abandons": 0}
    for x in learners:
        fig[{"termine": "termines", "en_cours": "en_cours", "non_commence": "non_commences"}[state(x)]] += 1
        never = x.lastcourseaccess == 0
        idle = (inp.now - x.lastcourseaccess) // DAY if not never else None
        fig["jamais_connectes"] += never
        fig["inactifs"] += bool(idle is not None and idle > n)
        if not x.completed and ((ended and tracked) or never or (idle is not None and idle > m)):
            fig["abandons"] += 1
        if not x.completed and not ended and (never or (idle is not None and idle > n)):
            why = f"jamais connecté à {c.shortname}" if never else \
                f"aucun accès à {c.shortname} depuis {idle} jours"
            person = at_risk.setdefault(x.user_id, _Person(x.fullname))
            person.courses.append((c, why, x.lastcourseaccess or c.startdate))
    fig["taux_achevement"] = rate(fig["termines"], len(learners))
    fig["taux_abandon"] = rate(fig["abandons"], len(learners))
    return fig


def _traces(courses: list[CourseSnap], at_risk: dict[int, _Person]) -> bool:
    """The latest note on each person at risk written after the access it answers; False when no course
    of theirs had its notes read."""
    read = any(c.notes is not None for c in courses)
    by_learner: dict[int, dict[int, NoteSnap]] = {}  # a site note comes back in each course: once per id
    for c in courses:
        for n in c.notes or ():
            by_learner.setdefault(n.user_id, {})[n.id] = n
    for uid, p in at_risk.items():
        since = min(t for _, _, t in p.courses)
        mine = [n for n in by_learner.get(uid, {}).values() if n.created >= since]
        p.trace = max(mine, key=lambda n: n.created, default=None)
    return read


def _finding(p: _Person, notes_read: bool) -> Finding:
    c = min(p.courses, key=lambda t: t[2])[0]  # where the absence is oldest
    reasons = " ; ".join(w for _, w, _ in p.courses)
    if p.trace:
        kind = "note de site" if p.trace.state == "site" else "note de cours"
        return finding(c, "Apprenant à risque, relance tracée",
                       f"{reasons} — relance tracée le {fr_day(p.trace.created)} ({kind}) : « {p.trace.text[:120]} »",
                       "Poursuivre le suivi et tracer la suite donnée.", severity=Outcome.PASSED, learner=p.name)
    return finding(c, "Apprenant à risque sans relance tracée", reasons,
                   "Contacter l’apprenant (message, appel, entreprise) et tracer la relance dans une note Moodle "
                   "(Participants > l’apprenant > Notes) ou dans le registre de suivi."
                   if notes_read else "Contacter l’apprenant et tracer la relance (les notes Moodle n’ont pas pu "
                   "être lues pour ce programme).", severity=Outcome.FAILED, learner=p.name)


def evaluate(inp: EvalInput) -> Verdict:
    code = inp.programme.code
    courses = [c for c in inp.courses if c.learners]
    if not courses:
        return Verdict(NUMBER, code, Outcome.NOT_EVALUATED, "Aucun apprenant inscrit.",
                       missing_data="aucune inscription d’apprenant dans les cours du programme")
    total: dict[str, float] = {}
    at_risk: dict[int, _Person] = {}
    per_course = []
    for c in courses:
        fig = course_figures(c, inp, at_risk)
        per_course.append((c, fig))
        for k, v in fig.items():
            if not k.startswith("taux"):
                total[k] = total.get(k, 0) + v
    notes_read = _traces(courses, at_risk)
    findings = [_finding(p, notes_read) for _, p in sorted(at_risk.items(), key=lambda t: t[1].name)]
    untraced = {c.id for p in at_risk.values() if not p.trace for c, _, _ in p.courses}
    verdicts = [CourseVerdict(c.id, c.shortname, Outcome.FAILED if c.id in untraced else Outcome.PASSED, fig)
                for c, fig in per_course]
    people = {x.user_id for c in courses for x in c.active_learners}
    done = {x.user_id for c in courses for x in c.active_learners if x.completed}
    total["apprenants"] = len(people)
    total["apprenants_a_risque"] = len(at_risk)
    total["relances_tracees"] = sum(1 for p in at_risk.values() if p.trace)
    active = int(total["inscrits_actifs"])
    total["taux_achevement"] = rate(int(total["termines"]), active)
    total["taux_abandon"] = rate(int(total["abandons"]), active)
    previous = [h.get("taux_abandon") for h in inp.history.get(NUMBER, ()) if h.get("taux_abandon") is not None]
    if previous:
        total["taux_abandon_precedent"] = float(previous[-1])  # type: ignore[arg-type]
    measures = find_evidence(NUMBER, inp)
    if not measures:
        findings.append(Finding(
            "Mesures de prévention des abandons non formalisées", Where(),
            "aucune preuve de l’indicateur 12 (procédure de suivi de l’assiduité et de relance)",
            "Décrire les mesures (qui relance, quand, comment, traçabilité) et les déposer comme preuve de "
            "l’indicateur 12 (registre des preuves).", Outcome.WARN, audience="quality"))
    missing = [p for p in at_risk.values() if not p.trace]
    outcome = Outcome.FAILED if missing else Outcome.WARN if not measures else Outcome.PASSED
    summary = (f"{len(people)} apprenant{'s' if len(people) > 1 else ''} ({len(done)} "
               f"{'ont' if len(done) > 1 else 'a'} terminé) ; {len(at_risk)} à risque, dont {len(missing)} sans "
               f"relance tracée ; taux d’abandon {fr_pct(total['taux_abandon'])} (indicatif).")
    figures = {**total, "definition": DEFINITION.format(m=int(inp.t("dropout_inactive_days")),  # type: ignore
                                                        n=int(inp.t("inactive_days"))),  # type: ignore
               "traces": NOTES_CAVEAT if notes_read else "Notes Moodle non lues (cours terminés ou sans accès "
                                                         "depuis la dernière lecture)."}
    return Verdict(NUMBER, code, outcome, summary, figures, tuple(findings), tuple(verdicts))
