"""Indicator 12 — engagement and dropout prevention, per course and per programme.

Definitions (written in the report): a learner is an active enrolment with the
student role (suspended enrolments excluded). *Never accessed*: no access to the
course. *Inactive*: last course access older than `inactive_days`. *Dropped out*:
not completed and either the course has ended or the last access is older than
`dropout_inactive_days` (never accessed counts). *At risk*: never accessed or inactive,
not completed, course not ended.
"""

from __future__ import annotations

from mappings.indicators.base import EvalInput, finding, rate
from mappings.model import DAY, CourseSnap, CourseVerdict, Finding, LearnerSnap, Outcome, Verdict

NUMBER = 12
CHECKS = ("inscrits actifs", "terminés / en cours / non commencés", "jamais connectés", "inactifs > N jours",
          "abandons", "taux", "apprenants à risque", "tendance")
INPUTS = ("enrolments", "last course access", "course and activity completion", "course end date")
DEFINITION = ("Abandon : apprenant actif (hors inscriptions suspendues) qui n’a pas terminé et dont le cours est "
              "terminé, ou sans accès au cours depuis plus de {m} jours (ou jamais). À risque : jamais connecté "
              "ou inactif depuis plus de {n} jours, cours non terminé.")


def state(x: LearnerSnap) -> str:
    """Completed; in progress (an activity done, or progress above 0 %); not started."""
    if x.completed:
        return "termine"
    return "en_cours" if x.activities_done or (x.progress or 0) > 0 else "non_commence"


def course_figures(c: CourseSnap, inp: EvalInput) -> tuple[dict, list[Finding]]:
    n, m = int(inp.t("inactive_days")), int(inp.t("dropout_inactive_days"))
    ended = bool(c.enddate) and c.enddate < inp.now
    learners = c.active_learners
    fig = {"inscrits_actifs": len(learners), "suspendus": len(c.learners) - len(learners),
           "termines": 0, "en_cours": 0, "non_commences": 0, "jamais_connectes": 0, "inactifs": 0, "abandons": 0}
    risks: list[Finding] = []
    for x in learners:
        fig[{"termine": "termines", "en_cours": "en_cours", "non_commence": "non_commences"}[state(x)]] += 1
        never = x.lastcourseaccess == 0
        idle = (inp.now - x.lastcourseaccess) // DAY if not never else None
        fig["jamais_connectes"] += never
        fig["inactifs"] += bool(idle is not None and idle > n)
        if not x.completed and (ended or never or (idle is not None and idle > m)):
            fig["abandons"] += 1
        if not x.completed and not ended and (never or (idle is not None and idle > n)):
            why = "jamais connecté au cours" if never else f"aucun accès au cours depuis {idle} jours"
            risks.append(finding(c, "Apprenant à risque de décrochage", why,
                                 "Contacter l’apprenant (message, appel, entreprise) et tracer la relance.",
                                 severity=Outcome.WARN, learner=x.fullname))
    fig["taux_achevement"] = rate(fig["termines"], len(learners))
    fig["taux_abandon"] = rate(fig["abandons"], len(learners))
    return fig, risks


def evaluate(inp: EvalInput) -> Verdict:
    code = inp.programme.code
    courses = [c for c in inp.courses if c.learners]
    if not courses:
        return Verdict(NUMBER, code, Outcome.NOT_EVALUATED, "Aucun apprenant inscrit.",
                       missing_data="aucune inscription d’apprenant dans les cours du programme")
    total: dict[str, float] = {}
    findings, verdicts = [], []
    warn, fail = float(inp.t("dropout_rate_warn")), float(inp.t("dropout_rate_fail"))
    for c in courses:
        fig, risks = course_figures(c, inp)
        findings += risks
        for k, v in fig.items():
            if not k.startswith("taux"):
                total[k] = total.get(k, 0) + v
        o = Outcome.FAILED if fig["taux_abandon"] > fail else Outcome.WARN if fig["taux_abandon"] > warn or risks \
            else Outcome.PASSED
        verdicts.append(CourseVerdict(c.id, c.shortname, o, fig))
    active = int(total["inscrits_actifs"])
    total["taux_achevement"] = rate(int(total["termines"]), active)
    total["taux_abandon"] = rate(int(total["abandons"]), active)
    previous = [h.get("taux_abandon") for h in inp.history.get(NUMBER, ()) if h.get("taux_abandon") is not None]
    if previous:
        total["taux_abandon_precedent"] = float(previous[-1])  # type: ignore[arg-type]
    outcome = Outcome.FAILED if total["taux_abandon"] > fail else \
        Outcome.WARN if total["taux_abandon"] > warn or findings else Outcome.PASSED
    summary = (f"{active} apprenants actifs : {total['taux_achevement']:.0%} ont terminé, "
               f"{total['taux_abandon']:.0%} en abandon, {len(findings)} à risque.")
    figures = {**total, "definition": DEFINITION.format(m=int(inp.t("dropout_inactive_days")),
                                                        n=int(inp.t("inactive_days")))}
    return Verdict(NUMBER, code, outcome, summary, figures, tuple(findings), tuple(verdicts))
