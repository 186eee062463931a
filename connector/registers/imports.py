"""`register import FILE`: a register kept as a spreadsheet (CSV or XLSX, the same columns as in Moodle).

All or nothing: every bad line is reported by its number and nothing is imported; a good file replaces
the previous import of that register (entries synced from Moodle are untouched). Dates as JJ/MM/AAAA or
AAAA-MM-JJ (stored, as Moodle does, at 00:00 UTC of the day); several indicators separated by ``,``, ``;``
or ``##``; a choice must be one of the register's options.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete
from sqlalchemy.orm import Session

from connector.errors import InputError
from connector.registers import MULTI, OPTIONAL, REGISTER_LABELS, SCHEMAS, FieldSpec
from connector.store.models import RegisterEntry

MAX_BYTES = 10 * 1024 * 1024  # a register is hundreds of lines; a bigger file is not one
MAX_EXPANDED = 100 * 1024 * 1024  # an XLSX is a zip: its cells, once expanded
MAX_LINES = 20000
MAX_REPORTED = 50  # bad lines listed; the count says how many more


def _key(header: str) -> str:
    """Header → field name: accents, case and spaces do not matter ("Date revue" → date_revue)."""
    s = unicodedata.normalize("NFKD", header or "").encode("ascii", "ignore").decode().strip().lower()
    return re.sub(r"[^a-z0-9]+", "_", s).strip("_")


def _fold(value: str) -> str:
    return unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().strip().lower().replace("’", "'")


def read_rows(path: Path) -> list[list[str]]:
    """The file's cells as text, first row the header; CSV (`;` or `,`, UTF-8) or XLSX (first sheet)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"{path} : lecture impossible ({exc.strerror})") from None
    if size > MAX_BYTES:
        raise InputError(f"{path} : fichier de {size // 1024 // 1024} Mo, limite {MAX_BYTES // 1024 // 1024} Mo "
                         "pour un registre")
    if path.suffix.lower() == ".xlsx":
        return _xlsx(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path} : lecture impossible ({exc}) ; attendu un CSV en UTF-8 ou un XLSX") from None
    first = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first.count) if first else ";"
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _xlsx(path: Path) -> list[list[str]]:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with zipfile.ZipFile(path) as z:
            expanded = sum(i.file_size for i in z.infolist())
        if expanded > MAX_EXPANDED:
            raise InputError(f"{path} : classeur de {expanded // 1024 // 1024} Mo une fois décompressé, limite "
                             f"{MAX_EXPANDED // 1024 // 1024} Mo pour un registre")
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError, EOFError) as exc:
        raise InputError(f"{path} : classeur XLSX illisible ({type(exc).__name__})") from None
    rows = []
    for row in wb.worksheets[0].iter_rows(values_only=True):
        if len(rows) > MAX_LINES:
            break
        rows.append(["" if v is None else (v.strftime("%Y-%m-%d") if isinstance(v, datetime) else str(v))
                     for v in row])
    wb.close()
    return rows


def _date(value: str) -> int:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S"):
        try:
            return int(datetime.strptime(value.strip(), fmt).replace(tzinfo=UTC).timestamp())
        except ValueError:
            continue
    raise ValueError(f"date « {value} » invalide (attendu JJ/MM/AAAA ou AAAA-MM-JJ)")


def _value(spec: FieldSpec, raw: str):
    raw = raw.strip()
    if not raw:
        return [] if spec.type in MULTI else None
    if spec.type == "date":
        return _date(raw)
    if spec.type in MULTI:
        values = [v.strip() for v in re.split(r"##|[;,]", raw) if v.strip()]
        bad = [v for v in values if v not in spec.options]
        if bad:
            raise ValueError(f"{spec.label} : « {', '.join(bad)} » hors de la liste (1 à 32)")
        return values
    if spec.type == "menu":
        match = next((o for o in spec.options if _fold(o) == _fold(raw)), None)
        if match is None:
            raise ValueError(f"{spec.label} : « {raw} » n’est pas un choix possible ({', '.join(spec.options)})")
        return match
    if spec.type == "url":
        return {"url": raw if "://" in raw or raw.startswith("/") else f"http://{raw}", "text": None}
    return raw


def detect_kind(header: list[str]) -> str:
    names = {_key(h) for h in header}
    fits = [k for k, specs in SCHEMAS.items() if {s.name for s in specs if s.required} <= names]
    if len(fits) != 1:
        wanted = "; ".join(f"{REGISTER_LABELS[k]} : {', '.join(s.name for s in SCHEMAS[k])}" for k in SCHEMAS)
        raise InputError(f"colonnes non reconnues ({', '.join(h for h in header if h)}) ; attendu l’un des "
                         f"registres — {wanted}")
    return fits[0]


def parse_register(rows: list[list[str]], kind: str | None = None) -> tuple[str, list[dict], list[str]]:
    """(kind, normalised entries with their line numbers, errors one per bad line)."""
    if not rows:
        raise InputError("fichier vide : la première ligne doit nommer les colonnes")
    if len(rows) > MAX_LINES + 1:
        raise InputError(f"{len(rows) - 1} lignes : limite {MAX_LINES} pour un registre")
    header = [_key(h) for h in rows[0]]
    kind = kind or detect_kind(rows[0])
    specs = {s.name: s for s in (*SCHEMAS[kind], *OPTIONAL[kind])}
    missing = [s.name for s in SCHEMAS[kind] if s.required and s.name not in header]
    if missing:
        raise InputError(f"colonne(s) obligatoire(s) absente(s) : {', '.join(missing)}")
    entries, errors = [], []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # a blank line in a spreadsheet is not an entry
        cells = dict(zip(header, row, strict=False))
        values, problems = {}, []
        for name, spec in specs.items():
            try:
                values[name] = _value(spec, cells.get(name, ""))
            except ValueError as exc:
                problems.append(str(exc))
                continue
            if spec.required and values[name] in (None, []):
                problems.append(f"{spec.label} vide")
        if problems:
            errors.append(f"ligne {line} : " + " ; ".join(problems))
        else:
            entries.append({"line": line, "fields": values})
    return kind, entries, errors


def import_register(session: Session, path: Path, kind: str | None = None) -> tuple[str, int]:
    """Replace the spreadsheet entries of the file's register; (kind, entries imported)."""
    kind, entries, errors = parse_register(read_rows(path), kind)
    if errors:
        shown = errors[:MAX_REPORTED]
        if len(errors) > MAX_REPORTED:
            shown.append(f"… et {len(errors) - MAX_REPORTED} autre(s) ligne(s) en erreur")
        raise InputError(f"{path} : {len(errors)} ligne(s) en erreur, rien n’a été importé", details=shown)
    session.execute(delete(RegisterEntry).where(RegisterEntry.kind == kind, RegisterEntry.source == "spreadsheet"))
    for e in entries:
        fichier = e["fields"].get("fichier")
        session.add(RegisterEntry(kind=kind, source="spreadsheet", ref=str(e["line"]), database_id=None,
                                  origin=path.name, fields=e["fields"],
                                  files=[{"name": fichier}] if fichier else [], url=None))
    return kind, len(entries)
