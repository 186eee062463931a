"""Store the RNCP/RS fiches: each import replaces the fiches of the répertoires it covers."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import or_
from sqlalchemy.orm import Session

from connector.store.models import RncpFiche
from connector.store.upsert import upsert_rows
from mappings.model import RncpFicheSnap


def upsert_fiches(session: Session, fiches: list[RncpFicheSnap]) -> Counter[str]:
    kinds = sorted({"RS" if f.numero.startswith("RS") else "RNCP" for f in fiches})
    rows = [dict(numero=f.numero, intitule=f.intitule, actif=f.actif, date_fin=f.date_fin, niveau=f.niveau,
                 certificateurs=list(f.certificateurs), remplacee_par=list(f.remplacee_par),
                 export_date=f.export_date) for f in fiches]
    scope = or_(*(RncpFiche.numero.like(f"{k}%") for k in kinds))
    return upsert_rows(session, RncpFiche, rows, scope=scope)
