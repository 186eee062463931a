"""The provider's registers: the fields each one expects, and one normaliser for both fronts.

A register lives in Moodle as a Database activity of the quality course (``mod_data``), or in a
spreadsheet imported with ``qualiopi-sync register import``. Both fronts store the same normalised
values (``register_entry.fields``): lists for multi-choice fields, Unix times (00:00 UTC, as Moodle
stores a date field) for dates, ``{"url", "text"}`` for links, text for the rest.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str  # Moodle field type: text, textarea, menu, multimenu, checkbox, date, url, file
    label: str  # French, for messages and spreadsheet headers
    options: tuple[str, ...] = ()
    required: bool = False  # for a spreadsheet line (Moodle's own form decides in Moodle)


INDICATORS = tuple(str(n) for n in range(1, 33))

# The fields the sync expects, as recorded on a Moodle 4.5 (../shared/moodle RECORDINGS-2.md) and as the
# shipped presets create them. A register may have more fields; it must have these names and types.
SCHEMAS: dict[str, tuple[FieldSpec, ...]] = {
    "preuves": (
        FieldSpec("indicateurs", "multimenu", "indicateurs", INDICATORS, True),
        FieldSpec("titre", "text", "titre", (), True),
        FieldSpec("nature", "menu", "nature", ("procédure", "enregistrement", "support d'information", "contrat",
                                               "compte rendu", "tableau de suivi")),
        FieldSpec("emplacement", "url", "emplacement"),
        FieldSpec("fichier", "file", "fichier"),
        FieldSpec("date_document", "date", "date du document"),
        FieldSpec("date_revue", "date", "prochaine revue"),
        FieldSpec("periodicite", "menu", "périodicité", ("mensuelle", "trimestrielle", "annuelle")),
        FieldSpec("responsable", "text", "responsable"),
        FieldSpec("perimetre", "menu", "périmètre", ("organisme", "catégorie d'action", "programme", "site")),
        FieldSpec("programme", "text", "programme"),
        FieldSpec("commentaire", "textarea", "commentaire"),
    ),
    "reclamations": (
        FieldSpec("date_reception", "date", "date de réception", (), True),
        FieldSpec("canal", "menu", "canal", ("formulaire", "courriel", "téléphone", "courrier", "enquête")),
        FieldSpec("type_plaignant", "menu", "type de plaignant", ("apprenant", "entreprise", "financeur", "formateur",
                                                                  "autre")),
        FieldSpec("programme", "text", "programme"),
        FieldSpec("objet", "text", "objet", (), True),
        FieldSpec("description", "textarea", "description"),
        FieldSpec("date_accuse_reception", "date", "date de l’accusé de réception"),
        FieldSpec("date_analyse", "date", "date de l’analyse"),
        FieldSpec("date_reponse", "date", "date de la réponse"),
        FieldSpec("reponse", "textarea", "réponse"),
        FieldSpec("action_corrective", "text", "action corrective"),
        FieldSpec("statut", "menu", "statut", ("reçue", "en analyse", "répondue", "close"), True),
    ),
    "amelioration": (
        FieldSpec("action", "text", "action", (), True),
        FieldSpec("origine", "menu", "origine", ("réclamation", "enquête de satisfaction", "audit", "veille",
                                                 "abandon", "autre")),
        FieldSpec("indicateurs", "checkbox", "indicateurs", INDICATORS),
        FieldSpec("responsable", "text", "responsable"),
        FieldSpec("echeance", "date", "échéance"),
        FieldSpec("statut", "menu", "statut", ("prévue", "en cours", "réalisée", "abandonnée"), True),
        FieldSpec("date_realisation", "date", "date de réalisation"),
        FieldSpec("efficacite", "textarea", "efficacité"),
    ),
}
# optional fields of the shipped presets (e.g. which action category or site a perimetre names): the sync
# reads them when present and accepts registers without them
OPTIONAL: dict[str, tuple[FieldSpec, ...]] = {
    "preuves": (
        FieldSpec("categorie", "menu", "catégorie d'action", ("action de formation", "bilan de compétences", "VAE",
                                                              "apprentissage")),
        FieldSpec("site", "text", "site"),
    ),
    "reclamations": (),
    "amelioration": (),
}
REGISTER_LABELS = {"preuves": "registre des preuves", "reclamations": "registre des réclamations",
                   "amelioration": "plan d’amélioration continue"}
MULTI = ("multimenu", "checkbox")


def normalise(ftype: str, content: str | None, content1: str | None = None):
    """A Moodle ``data_content`` (raw storage strings) → the stored value."""
    if ftype in MULTI:
        return [v for v in (content or "").split("##") if v]
    if ftype == "date":
        return int(content) if content and content.strip().lstrip("-").isdigit() else None
    if ftype == "url":
        return {"url": content, "text": content1} if content else None
    if ftype == "textarea":
        return content  # HTML (sanitised when shown); "" when submitted empty, None when never filled
    return content if content is None else content.strip()


def missing_fields(kind: str, fields: list[dict]) -> list[str]:
    """French descriptions of the expected fields a register lacks or has with another type."""
    have = {f["name"]: f["type"] for f in fields}
    out = []
    for spec in SCHEMAS[kind]:
        if spec.name not in have:
            out.append(f"champ « {spec.name} » ({spec.type}) absent")
        elif have[spec.name] != spec.type and not (spec.type in MULTI and have[spec.name] in MULTI):
            out.append(f"champ « {spec.name} » de type {have[spec.name]} au lieu de {spec.type}")
    return out
