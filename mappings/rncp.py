"""The RNCP/RS link of a certifying programme (indicators 7 and 16), on the France compétences open data.

A programme's code must exist in the imported export and be active (``Actif`` and
today before ``Date_Fin_Enregistrement``). An inactive code names its replacement
when the export gives one. Pure: the fiches are read by the connector.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from mappings.model import Finding, Outcome, RncpFicheSnap, Where, worst

FRANCE_COMPETENCES = "https://www.francecompetences.fr/recherche/{kind}/{n}/"


@dataclass(frozen=True)
class RncpCheck:
    outcome: Outcome  # PASSED / FAILED / WARN / NOT_EVALUATED
    findings: tuple[Finding, ...]
    figures: Mapping[str, str]
    missing_data: str | None = None


def fiche_url(numero: str) -> str:
    kind = "rs" if numero.upper().startswith("RS") else "rncp"
    return FRANCE_COMPETENCES.format(kind=kind, n=numero.upper().removeprefix("RNCP").removeprefix("RS"))


def _fr(iso: str | None) -> str:
    return date.fromisoformat(iso).strftime("%d/%m/%Y") if iso else "?"


def level_label(niveau: str | None) -> str:
    """NIV5 → "niveau 5"; RS fiches have no level."""
    if not niveau:
        return "sans niveau (répertoire spécifique)"
    if niveau.upper().startswith("NIV"):
        return f"niveau {niveau[3:]}"
    return "sans niveau" if niveau.upper() == "REPRISE" else niveau


def check_code(code: str | None, fiches: Mapping[str, RncpFicheSnap] | None, now: int,
               programme_end: int | None = None, siret: str | None = None) -> RncpCheck:
    """``programme_end``: Unix time the programme's last course ends; the registration must last until then."""
    if not code:
        return RncpCheck(Outcome.FAILED, (Finding(
            "Code RNCP/RS absent", Where(), "programme certifiant sans code RNCP ou RS renseigné",
            "Renseigner le code (champ personnalisé du cours ou `rncp` du programme dans la configuration).",
            Outcome.FAILED, "quality"),), {})
    code = code.strip().upper()
    if fiches is None:
        return RncpCheck(Outcome.NOT_EVALUATED, (), {"code_rncp": code},
                         "export RNCP/RS de France compétences non importé "
                         "(qualiopi-sync rncp import export-fiches-csv-AAAA-MM-JJ.zip)")
    fiche = fiches.get(code)
    export = next(iter(fiches.values())).export_date
    figures = {"code_rncp": code, "export_rncp": _fr(export)}
    where = Where(url=fiche_url(code))
    if fiche is None:
        return RncpCheck(Outcome.FAILED, (Finding(
            f"Code {code} introuvable dans le répertoire", where,
            f"absent de l’export France compétences du {_fr(export)}",
            "Vérifier le code sur francecompetences.fr et corriger la fiche programme.", Outcome.FAILED,
            "quality"),), figures)
    figures |= {"intitule_certification": fiche.intitule, "niveau_certification": level_label(fiche.niveau),
                "fin_enregistrement": _fr(fiche.date_fin)}
    if fiche.certificateurs:
        figures["certificateur"] = ", ".join(fiche.certificateurs)
    today = datetime.fromtimestamp(now, UTC).date().isoformat()
    dld = fiche.date_limite_delivrance
    if dld:
        figures["limite_delivrance"] = _fr(dld)
    unknown_dld = (" ; date limite de délivrance non disponible dans l’export CSV (elle figure dans l’export XML : "
                   "l’importer pour savoir jusqu’à quand la certification peut encore être délivrée)"
                   if fiche.source == "csv" else "")
    findings: list[Finding] = []
    if not fiche.actif or (fiche.date_fin and fiche.date_fin < today):
        repl = f" ; remplacée par {', '.join(fiche.remplacee_par)}" if fiche.remplacee_par else ""
        if dld and dld >= today:  # no longer registered, but still delivered: learners can be certified
            findings.append(Finding(
                f"Certification {code} en fin de délivrance", where,
                f"« {fiche.intitule} » : enregistrement terminé le {_fr(fiche.date_fin)}, délivrance possible "
                f"jusqu’au {_fr(dld)}{repl}", "Présenter les apprenants avant la date limite de délivrance ; "
                "rattacher les nouvelles sessions à la certification qui la remplace.", Outcome.WARN, "quality"))
        else:
            return RncpCheck(Outcome.FAILED, (Finding(
                f"Certification {code} inactive", where,
                f"« {fiche.intitule} » : enregistrement terminé le {_fr(fiche.date_fin)}{repl}{unknown_dld}",
                "Rattacher le programme à la certification en vigueur ou cesser de la présenter comme certifiante.",
                Outcome.FAILED, "quality"),), figures)
    if programme_end and fiche.date_fin and not findings:
        end = datetime.fromtimestamp(programme_end, UTC).date().isoformat()
        figures["fin_programme"] = _fr(end)
        if fiche.date_fin < end:
            covered = bool(dld and dld >= end)
            findings.append(Finding(
                f"Certification {code} non valide jusqu’à la fin du programme", where,
                f"enregistrement jusqu’au {_fr(fiche.date_fin)}, programme jusqu’au {_fr(end)}"
                + (f" ; délivrance possible jusqu’au {_fr(dld)} : les apprenants pourront être certifiés" if covered
                   else f" ; délivrance possible jusqu’au {_fr(dld)} seulement" if dld else unknown_dld),
                "Vérifier auprès du certificateur le renouvellement de la fiche ; sinon rattacher le programme à la "
                "certification qui la remplace.", Outcome.WARN if covered else Outcome.FAILED, "quality"))
    findings += _habilitation(fiche, siret, figures, where)
    return RncpCheck(worst([f.severity for f in findings], Outcome.PASSED), tuple(findings), figures)


FORMER = {"HABILITATION_FORMER": "habilité à former", "HABILITATION_ORGA_FORM": "habilité à former et à organiser "
          "l’évaluation", "HABILITATION_ORGANISER": "habilité à organiser l’évaluation"}


def _habilitation(fiche: RncpFicheSnap, siret: str | None, figures: dict, where: Where) -> list[Finding]:
    """The provider's right to prepare the certification, by its SIRET (audit profile): certifier of the fiche,
    or partner habilitated to train (state active when the XML gives it). A fiche with no partners at all (a
    diploma registered « de droit ») says nothing about habilitation: reported as such, not as missing."""
    own = "".join((siret or "").split())
    if not own:
        figures["habilitation"] = "non vérifiée (SIRET du prestataire non renseigné dans [provider])"
        return []
    if own in fiche.certificateurs_siret:
        figures["habilitation"] = "le prestataire est certificateur de la fiche"
        return []
    if not fiche.partenaires:
        figures["habilitation"] = ("fiche sans partenaire publié" + (" (enregistrement de droit)" if fiche.de_droit
                                                                     else "") + " : habilitation non lisible dans l’export")
        return []
    mine = [p for p in fiche.partenaires if p[0] == own]
    if not mine:
        return [Finding("SIRET du prestataire absent des partenaires de la fiche", where,
                        f"SIRET {own} : ni certificateur, ni parmi les {len(fiche.partenaires)} partenaires habilités",
                        "Demander l’habilitation au certificateur (ou vérifier le SIRET renseigné dans [provider]).",
                        Outcome.FAILED, "quality")]
    _, kind, state = mine[0]
    figures["habilitation"] = FORMER.get(kind, kind.lower()) + (f" ({state.lower()})" if state else "")
    if kind not in ("HABILITATION_FORMER", "HABILITATION_ORGA_FORM"):
        return [Finding("Habilitation à former absente", where, f"le prestataire est {FORMER.get(kind, kind)} "
                        "seulement", "Demander au certificateur l’habilitation à former.", Outcome.FAILED, "quality")]
    if state and state != "Actif":
        return [Finding(f"Habilitation {state.lower()}", where, f"habilitation du SIRET {own} à l’état « {state} »",
                        "Faire rétablir l’habilitation par le certificateur.", Outcome.FAILED, "quality")]
    return []
