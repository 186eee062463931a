"""Indicator 13 — apprenticeship coordination (alternance): contracts, tutors, checkpoints done on time.

Moodle has no apprenticeship data: contracts come from `qualiopi-sync contracts import`.
Checkpoints are activities whose idnumber or name contains the configured pattern (default `ALT-`);
a checkpoint is due when one of its Moodle dates ("Due", "Closes") is past.
"""

from __future__ import annotations

from mappings.indicators.base import EvalInput, finding, outcome_of
from mappings.model import Outcome, Verdict

NUMBER = 13
CHECKS = ("contrat pour chaque alternant actif", "maître d’apprentissage ou tuteur renseigné",
          "points de coordination prévus", "points de coordination réalisés à temps")
INPUTS = ("imported contracts", "active enrolments", "checkpoint activities", "activity completion")


def evaluate(inp: EvalInput) -> Verdict:
    code = inp.programme.code
    if inp.contracts is None:
        return Verdict(NUMBER, code, Outcome.NOT_EVALUATED, "Aucun contrat d’alternance importé.",
                       missing_data="contrats d’alternance : lancer « qualiopi-sync contracts import FICHIER.csv »")
    pattern = str(inp.t("checkpoint_pattern")).lower()
    findings, seen = [], set()
    checkpoints = [(c, m) for c in inp.visible_courses for m in c.modules
                   if pattern in (m.idnumber or "").lower() or pattern in m.name.lower()]
    if not checkpoints:
        first = inp.visible_courses[0] if inp.visible_courses else None
        if first is not None:
            findings.append(finding(first, "Aucun point de coordination centre-entreprise",
                                    f"aucune activité marquée « {inp.t('checkpoint_pattern')} » dans le programme",
                                    "Créer les activités de liaison (livret, visite, bilan tripartite) avec "
                                    f"« {inp.t('checkpoint_pattern')} » dans leur nom.", audience="quality"))
    apprentices = 0
    kinds: set[str] = set()
    for c in inp.visible_courses:
        due = [m for cc, m in checkpoints if cc.id == c.id and m.timemodified and m.timemodified < inp.now]
        for x in c.active_learners:
            current = [k for k in inp.contracts.get(x.user_id, ()) if k.start <= inp.now <= k.end]
            word = _word(current, inp)
            if x.user_id not in seen:
                seen.add(x.user_id)
                apprentices += 1
                kinds.add(word)
                if not current:
                    findings.append(finding(c, "Alternant sans contrat en cours", "aucun contrat importé couvrant "
                                            "la date du jour", "Compléter le fichier des contrats et le réimporter.",
                                            learner=x.fullname, audience="quality"))
                elif not all(k.tutor for k in current):
                    findings.append(finding(c, "Maître d’apprentissage non renseigné" if word == "apprenti" else
                                            "Tuteur en entreprise non renseigné", "contrat sans tuteur",
                                            "Renseigner le tuteur dans le fichier des contrats.",
                                            learner=x.fullname, audience="quality"))
            late = [m.name for m in due if m.id not in x.done_cmids]
            if late:
                findings.append(finding(c, "Point de coordination non réalisé", ", ".join(late),
                                        f"Organiser le point avec l’{word} et l’entreprise, puis le valider.",
                                        severity=Outcome.WARN, learner=x.fullname))
    if not apprentices:
        return Verdict(NUMBER, code, Outcome.NOT_EVALUATED, "Aucun alternant actif.",
                       missing_data="aucun alternant actif dans les cours du programme")
    figures = {"alternants": apprentices, "points_de_coordination": len(checkpoints),
               "alternants_sans_contrat": sum(f.what == "Alternant sans contrat en cours" for f in findings)}
    ok = apprentices - len({f.where.learner for f in findings if f.where.learner})
    word = kinds.pop() if len(kinds) == 1 else "alternant"
    return Verdict(NUMBER, code, outcome_of(findings),
                   f"{ok} {word}{'s' if ok > 1 else ''} sur {apprentices} avec contrat, tuteur et suivi à jour.",
                   figures, tuple(findings))


def _word(contracts: list, inp: EvalInput) -> str:
    """« apprenti » only for an apprenticeship contract (or, when the import does not say, in an apprenticeship
    programme); « alternant » otherwise (contrat de professionnalisation, or not known)."""
    said = {k.kind for k in contracts if k.kind}
    if said:
        return "apprenti" if said == {"apprentissage"} else "alternant"
    return "apprenti" if inp.programme.action_category == "apprentissage" else "alternant"
