"""Every other indicator — evidence presence (the specification's generic rule).

Evidence is an activity or resource whose idnumber or name carries the indicator's
code (default ``QUALIOPI-I07``), in the programme's courses or in a designated quality
course, or a course custom field named after the code (``qualiopi_i07``) that is filled.
Outcome: present (PASSED), missing (FAILED), or stale (WARN, older than the configured age).
Moodle 4.5's ``core_course_get_contents`` returns no module idnumber to the sync user, so
in practice the code is matched in the activity name, e.g. "Plan de veille [QUALIOPI-I23]".
"""

from __future__ import annotations

from mappings.indicators.base import EvalInput, rate
from mappings.model import DAY, Finding, Outcome, Verdict, Where
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


def evaluate_evidence(number: int, inp: EvalInput) -> Verdict:
    ind = load_referentiel().indicator(number)
    code = str(inp.t("evidence_pattern")).format(n=number)
    found = find_evidence(number, inp)
    figures: dict[str, float | int | str] = {"preuves": len(found)}
    if number in (2, 11) and inp.courses:
        learners = [x for c in inp.courses for x in c.active_learners]
        figures["taux_achevement"] = rate(sum(bool(x.completed) for x in learners), len(learners))
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
    return Verdict(number, inp.programme.code, outcome, f"Preuve(s) trouvée(s) : {names}.", figures, findings)
