"""`results import FILE`: the certification exam results of the provider's sessions (CSV or XLSX).

The certifier's results never live in Moodle. One line per learner and session; columns (headers in any
case, with or without accents): ``programme`` (a programme's code, or a value of its custom-field rules
such as ``BTS-MCO-2025``), ``session`` (the provider's own session code), ``apprenant`` (Moodle idnumber
or username; a learner Moodle does not know is kept as written), ``inscrit`` and ``presente`` (oui / non),
``resultat`` (admis, partiel, ajourné, absent), optionally ``blocs`` (the blocs obtained, separated by ``,``
or ``;``) and ``date`` (of the exam, JJ/MM/AAAA or AAAA-MM-JJ). The file is the full list: an import
replaces every result. All or nothing: each bad line is reported by its number.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from connector.errors import InputError
from connector.registers.imports import MAX_LINES, _date, _fold, _key, read_rows
from connector.store.contracts import users_by_key
from connector.store.models import ExamResult
from mappings.model import ResultSnap

REQUIRED = ("programme", "session", "apprenant", "inscrit", "presente", "resultat")
OPTIONAL = ("blocs", "date")
RESULTS = {"admis": "admis", "admise": "admis", "reussi": "admis", "partiel": "partiel", "ajourne": "ajourne",
           "ajournee": "ajourne", "echec": "ajourne", "refuse": "ajourne", "absent": "absent", "absente": "absent"}
YES, NO = {"oui", "o", "yes", "1", "x", "vrai"}, {"non", "n", "no", "0", "", "faux"}


def _yes(label: str, raw: str) -> bool:
    v = _fold(raw)
    if v in YES:
        return True
    if v in NO:
        return False
    raise ValueError(f"{label} : « {raw} » (attendu oui ou non)")


def parse_results(rows: list[list[str]], users: dict[str, int]) -> tuple[list[dict], list[str]]:
    """Rows to store and the errors, one per bad line."""
    if not rows:
        raise InputError("fichier vide : la première ligne doit nommer les colonnes")
    if len(rows) > MAX_LINES + 1:
        raise InputError(f"{len(rows) - 1} lignes : limite {MAX_LINES} pour des résultats")
    header = [_key(h) for h in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(f"colonne(s) obligatoire(s) absente(s) : {', '.join(missing)} (attendu "
                         f"{';'.join(REQUIRED + OPTIONAL)})")
    out, errors, seen = [], [], set()
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {k: (v or "").strip() for k, v in zip(header, row, strict=False)}
        problems = [f"{c} vide" for c in ("programme", "session", "apprenant", "resultat") if not cells.get(c)]
        rec: dict = {}
        for col, label in (("inscrit", "inscrit"), ("presente", "présenté")):
            try:
                rec[col] = _yes(label, cells.get(col, ""))
            except ValueError as exc:
                problems.append(str(exc))
        result = RESULTS.get(_fold(cells.get("resultat", "")))
        if cells.get("resultat") and result is None:
            problems.append(f"résultat « {cells['resultat']} » inconnu (admis, partiel, ajourné, absent)")
        if result in ("admis", "partiel", "ajourne") and rec.get("presente") is False:
            problems.append(f"résultat « {cells['resultat']} » pour un candidat non présenté")
        if rec.get("presente") and rec.get("inscrit") is False:
            problems.append("présenté sans être inscrit")
        date = None
        if cells.get("date"):
            try:
                date = _date(cells["date"])
            except ValueError as exc:
                problems.append(str(exc))
        key = (cells.get("programme", "").casefold(), cells.get("session", ""), cells.get("apprenant", ""))
        if all(key) and key in seen:
            problems.append("ligne en double (même programme, session et apprenant)")
        if problems:
            errors.append(f"ligne {line} : " + " ; ".join(problems))
            continue
        seen.add(key)
        out.append(dict(programme=cells["programme"], session=cells["session"], learner=cells["apprenant"],
                        user_id=users.get(cells["apprenant"]), registered=rec["inscrit"], presented=rec["presente"],
                        result=result, blocs=[b.strip() for b in re.split(r"[;,]", cells.get("blocs", "")) if b.strip()],
                        exam_date=date, source_line=line))
    return out, errors


def import_results(session: Session, path: Path) -> int:
    rows, errs = parse_results(read_rows(path), users_by_key(session))
    if errs:
        raise InputError(f"{path} : {len(errs)} ligne(s) en erreur, rien n’est importé", details=errs)
    session.execute(delete(ExamResult))
    session.add_all(ExamResult(**r) for r in rows)
    return len(rows)


def load_results(session: Session) -> tuple[ResultSnap, ...] | None:
    """Every imported result; None when none was ever imported."""
    rows = session.scalars(select(ExamResult).order_by(ExamResult.programme, ExamResult.session, ExamResult.id)).all()
    if not rows:
        return None
    return tuple(ResultSnap(r.programme, r.session, r.registered, r.presented, r.result, tuple(r.blocs or ()),
                            r.exam_date) for r in rows)
