"""The result figures of indicators 2, 3 and 11, each with one definition, its scope and its date.

- *achèvement Moodle*: active enrolments Moodle reports as completed, over those whose completion Moodle
  knows; never called a success rate. *Parcours complet* (learners who completed every course) is given
  only when every course of the programme reports completion (tracking on, criteria set).
- *cohorte (mois de début)*: the programme's courses starting the same month. A *session* is the
  provider's own session code, from the imported exam results.
- exam results (``qualiopi-sync results import``): per session, registered, presented and passed
  candidates; the presentation rate (presented / registered) and the pass rate (passed / presented) side
  by side, as the guide reads 3; blocs obtained by partial passes.
- apprenticeship programmes must publish the InserJeunes rates (2).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from mappings.indicators.base import EvalInput, rate
from mappings.model import CourseSnap, ResultSnap
from mappings.text import fr_int, fr_pct, plural

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")
DEFINITION = ("achèvement Moodle : inscriptions actives dont Moodle indique le cours achevé, sur celles dont il "
              "connaît l’achèvement (ce n’est pas un taux de réussite) ; parcours complet : apprenants ayant achevé "
              "tous les cours, donné seulement si chaque cours suit l’achèvement ; cohorte : cours commençant le même "
              "mois ; session : code de session des résultats d’examen importés ; taux de présentation : présentés "
              "sur inscrits ; taux de réussite : admis sur présentés")
INSERJEUNES = ("apprentissage : publier les indicateurs InserJeunes (taux d’obtention du diplôme, de poursuite "
               "d’études, d’insertion professionnelle, d’interruption en cours de formation, valeur ajoutée de "
               "l’établissement)")


def _cohort(c: CourseSnap) -> str:
    if not c.startdate:
        return "cohorte sans date de début"
    d = datetime.fromtimestamp(c.startdate, UTC)
    return f"cohorte {MONTHS[d.month - 1]} {d.year} (mois de début)"


def _completion(courses: list[CourseSnap]) -> tuple[int, int, int, int]:
    """(active enrolments with known completion, completed ones, learners, learners who completed every course)."""
    known = [x for c in courses for x in c.active_learners if x.completed is not None]
    per_user: dict[int, list[bool]] = defaultdict(list)
    for x in known:
        per_user[x.user_id].append(bool(x.completed))
    return len(known), sum(bool(x.completed) for x in known), len(per_user), sum(all(v) for v in per_user.values())


def reports_completion(c: CourseSnap) -> bool:
    return c.enablecompletion and c.has_completion_criteria is not False


def moodle_figures(inp: EvalInput) -> dict[str, float | int | str]:
    courses = list(inp.courses)
    if not courses:
        return {}
    whole = all(reports_completion(c) for c in courses)
    enrol, done, learners, full = _completion(courses)
    out: dict[str, float | int | str] = {"taux_achevement": rate(done, enrol)}
    if whole:
        out["taux_reussite_parcours"] = rate(full, learners)
    cohorts: dict[str, list[CourseSnap]] = defaultdict(list)
    for c in sorted(courses, key=lambda c: c.startdate or 0):
        cohorts[_cohort(c)].append(c)
    for name, group in cohorts.items():
        enrol, done, learners, full = _completion(group)
        if enrol:
            out[name] = (f"{plural(learners, 'apprenant')}, achèvement Moodle {fr_pct(rate(done, enrol))}"
                         + (f", parcours complet {fr_int(full)} sur {fr_int(learners)}" if whole else ""))
    return out


def for_programme(inp: EvalInput) -> list[ResultSnap]:
    return [r for r in inp.results or () if r.programme.casefold() in inp.programme.names]


def exam_figures(inp: EvalInput) -> dict[str, float | int | str]:
    rows = for_programme(inp)
    if not rows:
        return {} if inp.results is None else {"resultats_examen": "aucun résultat importé pour ce programme"}
    registered = sum(r.registered for r in rows)
    presented = sum(r.presented for r in rows)
    passed = sum(r.result == "admis" for r in rows)
    out: dict[str, float | int | str] = {
        "candidats_inscrits": registered, "candidats_presentes": presented, "candidats_admis": passed,
        "taux_presentation": rate(presented, registered), "taux_reussite_examen": rate(passed, presented)}
    partial = [r for r in rows if r.result == "partiel"]
    if partial:
        out["blocs_valides"] = f"{plural(len(partial), 'candidat')} avec des blocs validés " + \
            f"({plural(sum(len(r.blocs) for r in partial), 'bloc')})"
    by_session: dict[str, list[ResultSnap]] = defaultdict(list)
    for r in rows:
        by_session[r.session].append(r)
    for name in sorted(by_session):
        s = by_session[name]
        reg, pres, ok = sum(r.registered for r in s), sum(r.presented for r in s), sum(r.result == "admis" for r in s)
        out[f"session {name}"] = (f"{plural(reg, 'inscrit')}, {plural(pres, 'présenté')} "
                                  f"({fr_pct(rate(pres, reg))}), {plural(ok, 'admis', 'admis')} "
                                  f"({fr_pct(rate(ok, pres))} des présentés)")
    return out


def result_figures(inp: EvalInput) -> dict[str, float | int | str]:
    out = {**moodle_figures(inp), **exam_figures(inp)}
    if out:
        out["definition"] = DEFINITION
    if inp.programme.action_category == "apprentissage":
        out["obligation_inserjeunes"] = INSERJEUNES
    return out
