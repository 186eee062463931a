"""Store the RNCP/RS fiches: each import replaces the fiches of the répertoires it covers.

An export older than the one already stored for a répertoire is refused (nothing written);
the same export imported again changes nothing.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from connector.errors import InputError
from connector.store.models import RncpFiche
from connector.store.upsert import upsert_rows
from mappings.model import RncpFicheSnap


def upsert_fiches(session: Session, fiches: list[RncpFicheSnap]) -> Counter[str]:
    kinds = sorted({_kind(f.numero) for f in fiches})
    for kind in kinds:
        incoming = min(f.export_date for f in fiches if _kind(f.numero) == kind)
        stored = session.scalar(select(func.max(RncpFiche.export_date)).where(RncpFiche.numero.like(f"{kind}%")))
        if stored and incoming < stored:
            raise InputError(f"this {kind} export is dated {incoming}, older than the one in the store ({stored}): "
                             "nothing imported; download the latest export-fiches-csv-AAAA-MM-JJ.zip")
    rows = [dict(numero=f.numero, intitule=f.intitule, actif=f.actif, date_fin=f.date_fin, niveau=f.niveau,
                 certificateurs=list(f.certificateurs), remplacee_par=list(f.remplacee_par),
                 export_date=f.export_date, details=details_of(f)) for f in fiches]
    scope = or_(*(RncpFiche.numero.like(f"{k}%") for k in kinds))
    return upsert_rows(session, RncpFiche, rows, scope=scope)


def _kind(numero: str) -> str:
    return "RS" if numero.startswith("RS") else "RNCP"


def details_of(f: RncpFicheSnap) -> dict:
    return {"date_limite_delivrance": f.date_limite_delivrance, "partenaires": [list(p) for p in f.partenaires],
            "certificateurs_siret": list(f.certificateurs_siret), "de_droit": f.de_droit, "source": f.source,
            "blocs": [list(b) for b in f.blocs]}


def fiche_of(row: RncpFiche) -> RncpFicheSnap:
    d = row.details or {}
    return RncpFicheSnap(row.numero, row.intitule, row.actif, row.date_fin, row.niveau, tuple(row.certificateurs),
                         tuple(row.remplacee_par), row.export_date, d.get("date_limite_delivrance"),
                         tuple(tuple(p) for p in d.get("partenaires", ())),  # type: ignore[misc]
                         tuple(d.get("certificateurs_siret", ())), bool(d.get("de_droit")), d.get("source", "csv"),
                         tuple(tuple(b) for b in d.get("blocs", ())))  # type: ignore[misc]
