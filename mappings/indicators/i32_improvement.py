"""Indicator 32 — continuous improvement, from the *Plan d'amélioration continue* (a Database activity of
the quality course, or a spreadsheet), as an auditor reads it:

- each action says where it comes from (origin), who carries it and by when; an action still planned or
  under way past its due date is late; a completed action has its effectiveness assessed, an abandoned one
  says why;
- each answered complaint of the register has its action: the complaint's « action corrective » names an
  action of the plan (or says that none is needed); one named but absent from the plan is reported;
- each recurring difficulty of the programme's surveys (a satisfaction question rated at or below
  ``difficulty_max_score`` in two surveys or more) has an action from the surveys in the plan.

The guide's non-conformity is the absence of improvement measures: no plan and no evidence for 32, or a
plan without any action (à fournir). Complaints and recurring difficulties without an action are measures
not taken (à consolider; 32 allows no minor non-conformity). A late action, an unassessed effectiveness or
an incomplete line are points of attention of a plan that is followed: listed, the status stays couvert. Without a plan in the expected format, the evidence for 32 is judged as for the
other indicators, and the follow-up above cannot be checked (said in the summary).
"""

from __future__ import annotations

import dataclasses
import re

from mappings.indicators.base import EvalInput, outcome_of
from mappings.indicators.complaints_register import ANSWERED, for_programme
from mappings.indicators.evidence import evaluate_evidence, find_evidence
from mappings.indicators.i30_appreciations import rated_values
from mappings.model import DAY, ActionSnap, ComplaintSnap, Evidence, Finding, Outcome, Verdict, Where
from mappings.text import fr_day, plural, words

NUMBER = 32
CHECKS = ("plan d’amélioration tenu", "actions complètes (origine, responsable, échéance)", "actions en retard",
          "efficacité évaluée", "réclamations suivies d’une action", "difficultés récurrentes suivies d’une action")
INPUTS = ("improvement plan register", "complaints register", "feedback activities and answers",
          "evidence register")

OPEN = ("prévue", "en cours")
NO_ACTION = re.compile(r"^(aucune?|sans objet|néant|non)\b")  # a complaint's « action corrective » deciding none
SURVEY_ORIGIN = "enquête de satisfaction"


def _quality(what: str, a: ActionSnap | ComplaintSnap, why: str, fix: str,
             severity: Outcome = Outcome.WARN) -> Finding:
    return Finding(what, Where(course=a.ref, url=a.url), why, fix, severity, "quality")


def _action_findings(a: ActionSnap, now: int) -> list[Finding]:
    title = f"« {a.action} »"
    out = []
    lacking = [label for label, value in (("origine", a.origin), ("responsable", a.owner),
                                          ("échéance", a.due or a.status not in OPEN)) if not value]
    if lacking:
        out.append(_quality(f"Action incomplète : {title}", a, f"non renseigné : {', '.join(lacking)}",
                            "Compléter l’action dans le plan d’amélioration : d’où elle vient, qui la porte, "
                            "pour quand."))
    if a.status in OPEN and a.due is not None and a.due + DAY <= now:
        late = (now - a.due) // DAY
        out.append(_quality(f"Action en retard : {title}", a, f"échéance du {fr_day(a.due, 'UTC')} dépassée de "
                            f"{plural(late, 'jour')}, statut « {a.status} »",
                            "Réaliser l’action ou replanifier son échéance en disant pourquoi."))
    if a.status == "réalisée" and not a.effectiveness:
        out.append(_quality(f"Efficacité non évaluée : {title}", a, "action réalisée"
                            + (f" le {fr_day(a.done, 'UTC')}" if a.done else "") + " sans mesure de son efficacité",
                            "Dire dans le plan si l’action a produit l’effet attendu (indicateur suivi, nouvelles "
                            "réclamations, résultats d’enquête)."))
    if a.status == "abandonnée" and not a.effectiveness:
        out.append(_quality(f"Action abandonnée sans justification : {title}", a, "aucune raison donnée",
                            "Écrire dans le plan pourquoi l’action est abandonnée."))
    if not a.status:
        out.append(_quality(f"Action sans statut : {title}", a, "statut non renseigné",
                            "Indiquer si l’action est prévue, en cours, réalisée ou abandonnée."))
    return out


def _complaint_findings(inp: EvalInput, actions: tuple[ActionSnap, ...]) -> tuple[list[Finding], int, int]:
    """(findings, answered complaints, those followed by an action or a decision that none is needed)."""
    plan = [words(a.action) for a in actions if a.status != "abandonnée"]
    out, answered, followed = [], 0, 0
    for c in for_programme(inp):
        if c.status not in ANSWERED:
            continue  # still being analysed: its action may not be decided yet
        answered += 1
        named = words(c.action)
        if named and (NO_ACTION.match(named) or any(named in p or p in named for p in plan if p)):
            followed += 1
        elif named:
            out.append(_quality(f"Action corrective absente du plan : « {c.action} »", c,
                                f"décidée pour la réclamation « {c.subject} », introuvable dans le plan "
                                "d’amélioration", "Inscrire l’action au plan d’amélioration (origine : réclamation),"
                                " avec son responsable et son échéance."))
        else:
            out.append(_quality(f"Réclamation sans action d’amélioration : « {c.subject} »", c,
                                f"réclamation « {c.status} » sans action corrective renseignée",
                                "Décider d’une action (ou écrire « aucune » et pourquoi) dans le registre des "
                                "réclamations, et l’inscrire au plan d’amélioration."))
    return out, answered, followed


def recurring_difficulties(inp: EvalInput) -> dict[str, int]:
    """Satisfaction questions rated at or below ``difficulty_max_score`` in two surveys or more: question →
    number of surveys."""
    max_score = float(inp.t("difficulty_max_score"))  # type: ignore[arg-type]
    counts: dict[str, int] = {}
    for label in list(inp.t("satisfaction_items")):  # type: ignore[call-overload]
        n = sum(any(v <= max_score for v in rated_values(f, [label])) for c in inp.visible_courses
                for f in c.feedbacks)
        if n >= 2:
            counts[label] = n
    return counts


def _plan_evidence(actions: tuple[ActionSnap, ...]) -> tuple[Evidence, ...]:
    return tuple(Evidence(a.action, url=a.url, source="register", indicators=a.indicators, scope="organisme",
                          text=a.effectiveness, owner=a.owner or "non renseigné", ref=a.ref, timestamp=a.done)
                 for a in actions)


def evaluate(inp: EvalInput) -> Verdict:
    if inp.actions is None:
        v = evaluate_evidence(NUMBER, inp, wanted="le plan d’amélioration continue : actions, origine, "
                              "responsable, échéance, efficacité")
        return dataclasses.replace(v, summary=v.summary + " Plan d’amélioration continue non trouvé dans Moodle ni "
                                   "importé : le suivi des actions (échéances, efficacité, réclamations) n’est pas "
                                   "vérifié.")
    actions = inp.actions
    evidence = _plan_evidence(actions) + tuple(find_evidence(NUMBER, inp))
    if not actions:
        f = Finding("Plan d’amélioration sans action", Where(), "le plan est tenu mais ne contient aucune action",
                    "Inscrire au plan les actions décidées après les réclamations, les enquêtes, les audits et la "
                    "veille.", Outcome.FAILED, "quality")
        return Verdict(NUMBER, inp.programme.code, Outcome.FAILED, "Plan d’amélioration continue sans action.",
                       {"actions": 0}, (f,), evidence=evidence, missing=True)
    attention = [f for a in actions for f in _action_findings(a, inp.now)]
    findings, answered, followed = _complaint_findings(inp, actions)
    recurring = recurring_difficulties(inp)
    from_surveys = [a for a in actions if a.origin == SURVEY_ORIGIN and a.status != "abandonnée"]
    if recurring and not from_surveys:
        for label, n in sorted(recurring.items()):
            findings.append(Finding(f"Difficulté récurrente sans action : question « {label} »", Where(),
                                    f"notes basses dans {plural(n, 'questionnaire')} du programme, aucune action "
                                    "issue des enquêtes au plan", "Analyser la difficulté et inscrire l’action "
                                    "décidée au plan d’amélioration (origine : enquête de satisfaction).",
                                    Outcome.WARN, "quality"))
    outcome = outcome_of(findings)  # measures not taken; the plan's own follow-up points do not lower it
    late = sum(f.what.startswith("Action en retard") for f in attention)
    done = [a for a in actions if a.status == "réalisée"]
    figures: dict[str, float | int | str] = {
        "actions": len(actions), "actions_en_cours": sum(a.status in OPEN for a in actions),
        "actions_realisees": len(done), "actions_en_retard": late,
        "efficacite_evaluee": sum(bool(a.effectiveness) for a in done),
        "reclamations_repondues": answered, "reclamations_suivies": followed,
        "difficultes_recurrentes": len(recurring)}
    summary = (f"Plan d’amélioration : {plural(len(actions), 'action')} dont {plural(len(done), 'réalisée')} "
               f"(efficacité évaluée pour {figures['efficacite_evaluee']}), {late} en retard ; "
               + (f"réclamations répondues suivies d’une action : {followed} sur {answered}." if answered else
                  "aucune réclamation répondue à suivre pour ce programme."))
    return Verdict(NUMBER, inp.programme.code, outcome, summary, figures, (*findings, *attention),
                   evidence=evidence)
