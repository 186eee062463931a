"""Indicator 31 from the complaints register (a Database activity of the quality course, or a spreadsheet):
the complaints the provider recorded, whatever their channel, with their dates.

For each entry of the programme (or provider-wide): the acknowledgement is due within
``complaint_ack_days`` of reception, the answer within ``complaint_answer_days``. An open complaint past
its answer deadline is overdue (manque); one answered after it is answered late (à consolider); a late or
undated acknowledgement, and an answered complaint whose answer date is not filled in, are à consolider.
Register dates are days (Moodle stores a date field at 00:00 UTC): delays are whole days.
"""

from __future__ import annotations

from statistics import median

from mappings.indicators.base import EvalInput
from mappings.model import DAY, ComplaintSnap, Finding, Outcome, Where
from mappings.text import fr_day, plural

ANSWERED = ("répondue", "close")


def for_programme(inp: EvalInput) -> list[ComplaintSnap]:
    return [c for c in inp.complaints or () if not c.programme or c.programme.casefold() in inp.programme.names]


def _finding(c: ComplaintSnap, what: str, why: str, fix: str, severity: Outcome) -> Finding:
    return Finding(f"{what} : « {c.subject} »", Where(course=c.ref, url=c.url), why, fix, severity, "quality")


def register_complaints(inp: EvalInput) -> tuple[list[Finding], dict[str, float | int]]:
    ack_days, answer_days = int(inp.t("complaint_ack_days")), int(inp.t("complaint_answer_days"))  # type: ignore
    findings: list[Finding] = []
    figures = {"reclamations_registre": 0, "registre_repondues": 0, "registre_hors_delai": 0,
               "registre_en_retard": 0, "accuses_hors_delai": 0}
    delays: list[int] = []
    for c in for_programme(inp):
        figures["reclamations_registre"] += 1
        if c.received is None:
            findings.append(_finding(c, "Réclamation sans date de réception", "la date de réception n’est pas "
                                     "renseignée : aucun délai ne peut être suivi", "Renseigner la date de réception "
                                     "dans le registre.", Outcome.WARN))
            continue
        if c.acknowledged is not None:
            ack = (c.acknowledged - c.received) // DAY
            if ack > ack_days:
                figures["accuses_hors_delai"] += 1
                findings.append(_finding(c, "Accusé de réception tardif", f"accusé {plural(ack, 'jour')} après la "
                                         f"réception, délai fixé à {plural(ack_days, 'jour')}", "Accuser réception "
                                         "dans le délai annoncé.", Outcome.WARN))
        elif (inp.now - c.received) // DAY > ack_days:
            findings.append(_finding(c, "Accusé de réception non daté", f"réclamation reçue le {fr_day(c.received)}"
                                     ", aucune date d’accusé de réception dans le registre", "Dater l’accusé de "
                                     "réception dans le registre.", Outcome.WARN))
        if c.status in ANSWERED:
            figures["registre_repondues"] += 1
            if c.answered is None:
                findings.append(_finding(c, "Date de réponse non renseignée", f"statut « {c.status} » sans date de "
                                         "réponse : le délai de traitement ne peut pas être montré",
                                         "Renseigner la date de la réponse dans le registre.", Outcome.WARN))
                continue
            delay = (c.answered - c.received) // DAY
            delays.append(delay)
            if delay > answer_days:
                figures["registre_hors_delai"] += 1
                findings.append(_finding(c, "Réclamation traitée hors délai", f"réponse {plural(delay, 'jour')} "
                                         f"après la réception, délai fixé à {plural(answer_days, 'jour')}",
                                         "Répondre dans le délai annoncé ; analyser la cause du retard (indicateur "
                                         "32).", Outcome.WARN))
            continue
        age = (inp.now - c.received) // DAY
        if age > answer_days:
            figures["registre_en_retard"] += 1
            status = c.status or "non renseigné"
            findings.append(_finding(c, "Réclamation sans réponse au-delà du délai",
                                     f"reçue le {fr_day(c.received)} ({plural(age, 'jour')}), statut « {status} », "
                                     f"délai fixé à {plural(answer_days, 'jour')}",
                                     "Répondre au réclamant, dater la réponse et l’action corrective dans le "
                                     "registre.", Outcome.FAILED))
    if delays:
        figures["registre_delai_median_jours"] = median(delays)
    return findings, figures
