"""Every other indicator — evidence presence (the specification's generic rule).

Evidence is an activity or resource whose idnumber or name carries the indicator's
code (default ``QUALIOPI-I07``), in the programme's courses or in a designated quality
course, or a course custom field named after the code (``qualiopi_i07``) that is filled.
Outcome: present (PASSED), missing (FAILED), or stale (WARN, older than the configured age).
Moodle 4.5's ``core_course_get_contents`` returns no module idnumber to the sync user, so
in practice the code is matched in the activity name, e.g. "Plan de veille [QUALIOPI-I23]".
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from mappings.indicators.base import EvalInput, rate
from mappings.model import DAY, CourseSnap, Evidence, Finding, Outcome, Verdict, Where
from mappings.referentiel import load_referentiel

CHECKS = ("preuve présente", "preuve à jour")
INPUTS = ("module idnumber or name", "course custom fields", "module dates")


def find_evidence(number: int, inp: EvalInput) -> list[tuple[str, str, int | None, str | None]]:
    """(course shortname, label, timestamp or None, url) of each piece of evidence."""
    code = str(inp.t("evidence_pattern")).format(n=number).lower()
    field = code.replace("-", "_")
    found = []
    for c in (*inp.courses, *inp.quality_courses):
        for m in c.modules:
            if code in (m.idnumber or "").lower() or code in m.name.lower():
                found.append((c.shortname, m.name, m.timemodified, m.url))
        value = c.customfields.get(field)
        if value and value.strip():
            found.append((c.shortname, f"champ « {field} »", None, c.url))
    return found


def _session(c: CourseSnap) -> str:
    return datetime.fromtimestamp(c.startdate, UTC).strftime("%Y-%m") if c.startdate else "sans date"


def _results(courses: list[CourseSnap]) -> tuple[int, int, int, int]:
    """(active enrolments with known completion, completed ones, learners, learners who completed every course)."""
    known = [(c.id, x) for c in courses for x in c.active_learners if x.completed is not None]
    per_user: dict[int, list[bool]] = defaultdict(list)
    for _, x in known:
        per_user[x.user_id].append(bool(x.completed))
    return len(known), sum(bool(x.completed) for _, x in known), len(per_user), sum(all(v) for v in per_user.values())


def result_figures(inp: EvalInput) -> dict[str, float | int | str]:
    """Completion and success per programme and per session (courses grouped by start month).

    ``taux_achevement``: completed / active enrolments whose completion Moodle reports;
    ``taux_reussite_parcours``: learners who completed every course of the session or programme.
    The certification pass rate itself comes from the certifier, not from Moodle.
    """
    enrol, done, learners, full = _results(list(inp.courses))
    out: dict[str, float | int | str] = {"taux_achevement": rate(done, enrol),
                                         "taux_reussite_parcours": rate(full, learners)}
    sessions: dict[str, list[CourseSnap]] = defaultdict(list)
    for c in inp.courses:
        sessions[_session(c)].append(c)
    for name in sorted(sessions):
        enrol, done, learners, full = _results(sessions[name])
        if enrol:
            out[f"session {name}"] = (f"{learners} apprenant(s), achèvement {round(rate(done, enrol) * 100)} %, "
                                      f"parcours complet {full}/{learners}")
    return out


def evaluate_evidence(number: int, inp: EvalInput) -> Verdict:
    ind = load_referentiel().indicator(number)
    code = str(inp.t("evidence_pattern")).format(n=number)
    found = find_evidence(number, inp)
    figures: dict[str, float | int | str] = {"preuves": len(found)}
    if number in (2, 3, 11) and inp.courses:
        figures.update(result_figures(inp))
    if not found:
        f = Finding(f"Preuve manquante pour l’indicateur {number}", Where(),
                    f"aucune activité ni ressource marquée {code} dans les cours du programme ou le cours qualité",
                    f"Déposer la preuve ({(ind.proof or '').split(chr(10))[0][:160]}) dans le cours qualité, "
                    f"avec « {code} » dans son nom ou son numéro d’identification.", Outcome.FAILED, "quality")
        return Verdict(number, inp.programme.code, Outcome.FAILED, "Aucune preuve trouvée dans Moodle.",
                       figures, (f,))
    max_age = int(inp.t("evidence_max_age_days")) * DAY
    stale = [e for e in found if e[2] and e[2] < inp.now - max_age]
    findings = tuple(Finding(f"Preuve ancienne : {label}", Where(course=course, url=url),
                             f"non mise à jour depuis plus de {inp.t('evidence_max_age_days')} jours",
                             "Mettre à jour le document et le redéposer.", Outcome.WARN, "quality")
                     for course, label, _, url in stale)
    outcome = Outcome.WARN if stale and len(stale) == len(found) else Outcome.PASSED
    names = "; ".join(f"{label} ({course})" for course, label, _, _ in found[:5])
    return Verdict(number, inp.programme.code, outcome, f"Preuve(s) trouvée(s) : {names}.", figures, findings,
                   evidence=tuple(Evidence(label, course, stamp, url) for course, label, stamp, url in found))
