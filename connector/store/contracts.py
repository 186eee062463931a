"""Import apprenticeship contracts from CSV: every bad line reported, nothing half-imported.

Columns (header required, `;`, `,` or tab): apprentice (Moodle idnumber or username), company, tutor,
start, end (YYYY-MM-DD or DD/MM/YYYY), and optionally type (apprentissage or professionnalisation: only an
apprenticeship contract makes its holder an "apprenti" in the reports). The file is the full list: an import
replaces all contracts.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from connector.errors import InputError
from connector.store.models import Contract, User

COLUMNS = ("apprentice", "company", "tutor", "start", "end")
KINDS = {"apprentissage": ("apprentissage", "apprenti"), "professionnalisation": ("professionnalisation", "pro")}


def _date(value: str) -> int:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return int(datetime.strptime(value.strip(), fmt).replace(tzinfo=UTC).timestamp())
        except ValueError:
            continue
    raise ValueError(f"date « {value} » invalide (attendu AAAA-MM-JJ ou JJ/MM/AAAA)")


def parse_contracts(text: str, users: dict[str, int]) -> tuple[list[dict], list[str]]:
    """Rows to store and the errors, one per bad line, each naming its line number."""
    first = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first.count) if first.strip() else ";"
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        return [], [f"ligne 1 : colonne(s) obligatoire(s) absente(s) : {', '.join(missing)} (attendu {';'.join(COLUMNS)})"]
    rows, errs, seen = [], [], set()
    try:
        records = list(reader)
    except csv.Error as exc:
        return [], [f"ligne {reader.line_num} : illisible en CSV ({exc})"]
    for line, rec in enumerate(records, start=2):
        vals = {k: (rec.get(k) or "").strip() for k in COLUMNS}
        problems = [f"{k} vide" for k in COLUMNS if not vals[k]]
        uid = users.get(vals["apprentice"])
        if vals["apprentice"] and uid is None:
            problems.append(f"apprenti « {vals['apprentice']} » inconnu dans Moodle (idnumber ou username)")
        dates: dict[str, int] = {}
        for k in ("start", "end"):
            if vals[k]:
                try:
                    dates[k] = _date(vals[k])
                except ValueError as exc:
                    problems.append(str(exc))
        start, end = dates.get("start"), dates.get("end")
        if start is not None and end is not None and end < start:
            problems.append("fin avant le début")
        if uid is not None and start is not None and (uid, start) in seen:
            problems.append("contrat en double (même apprenti, même début)")
        raw_kind = (rec.get("type") or "").strip()
        kind = next((k for k, words in KINDS.items() if any(w in raw_kind.lower() for w in words)), None)
        if raw_kind and kind is None:
            problems.append(f"type « {raw_kind} » inconnu (apprentissage ou professionnalisation)")
        if problems:
            errs.append(f"ligne {line} : " + " ; ".join(problems))
            continue
        seen.add((uid, start))
        rows.append(dict(user_id=uid, start=start, end=end, company=vals["company"], tutor=vals["tutor"],
                         source_line=line, kind=kind))
    return rows, errs


MAX_BYTES = 10 * 1024 * 1024  # thousands of contracts fit in well under a megabyte


def users_by_key(session: Session) -> dict[str, int]:
    """Moodle user id by username and by idnumber: how an imported file names a learner."""
    users: dict[str, int] = {}
    for uid, username, idnumber in session.execute(select(User.id, User.username, User.idnumber)):
        for key in (username, idnumber):
            if key:
                users[key] = uid
    return users


def import_contracts(session: Session, path: Path) -> int:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise InputError(f"{path} : fichier de {path.stat().st_size // 1024 // 1024} Mo, limite "
                             f"{MAX_BYTES // 1024 // 1024} Mo pour une liste de contrats : est-ce le bon fichier ?")
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path} : lecture impossible ({exc})") from None
    rows, errs = parse_contracts(text, users_by_key(session))
    if errs:
        raise InputError(f"{path} : {len(errs)} ligne(s) en erreur, rien n’est importé", details=errs)
    session.execute(delete(Contract))
    for r in rows:
        session.add(Contract(**r))
    return len(rows)
