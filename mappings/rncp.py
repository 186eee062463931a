"""The RNCP/RS link of a certifying programme (indicators 7 and 16), on the France compétences open data.

A programme's code must exist in the imported export and be active (``Actif`` and
today before ``Date_Fin_Enregistrement``). An inactive code names its replacement
when the export gives one. Pure: the fiches are read by the connector.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from mappings.model import Finding, Outcome, RncpFicheSnap, Where

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
               programme_end: int | None = None) -> RncpCheck:
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
    if not fiche.actif or (fiche.date_fin and fiche.date_fin < today):
        repl = f" ; remplacée par {', '.join(fiche.remplacee_par)}" if fiche.remplacee_par else ""
        return RncpCheck(Outcome.FAILED, (Finding(
            f"Certification {code} inactive", where,
            f"« {fiche.intitule} » : enregistrement terminé le {_fr(fiche.date_fin)}{repl}",
            "Rattacher le programme à la certification en vigueur ou cesser de la présenter comme certifiante.",
            Outcome.FAILED, "quality"),), figures)
    if programme_end and fiche.date_fin:
        end = datetime.fromtimestamp(programme_end, UTC).date().isoformat()
        figures["fin_programme"] = _fr(end)
        if fiche.date_fin < end:
            return RncpCheck(Outcome.FAILED, (Finding(
                f"Certification {code} non valide jusqu’à la fin du programme", where,
                f"enregistrement jusqu’au {_fr(fiche.date_fin)}, programme jusqu’au {_fr(end)}",
                "Vérifier auprès du certificateur la date limite de délivrance et le renouvellement de la fiche ; "
                "sinon rattacher le programme à la certification qui la remplace.", Outcome.FAILED, "quality"),),
                figures)
    return RncpCheck(Outcome.PASSED, (), figures)
