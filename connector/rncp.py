"""Read France compétences' RNCP/RS open-data export (CSV zip, its CSV files, or the V4.1 XML).

Only what indicators 7 and 16 need is kept: number, title, active flag, end of
registration, level, certifiers and replacing fiches. Columns are found by header
name; the XML is streamed (the RNCP file is ~570 MB). Any unreadable input raises
InputError naming the file and what is wrong; nothing is written then.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import unicodedata
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TextIO
from xml.etree import ElementTree

from connector.errors import InputError
from mappings.model import RncpFicheSnap

_DATE = re.compile(r"(\d{4})[-_](\d{2})[-_](\d{2})")
_KINDS = ("Standard", "Certificateurs", "Ancienne_Nouvelle_Certification", "Partenaires", "Blocs_De_Compétences")


def _siret(value: str | None) -> str:
    """A SIRET as France compétences writes it (the CSV puts a TAB inside the quotes): 14 digits, else ""."""
    digits = re.sub(r"\s", "", value or "")
    return digits if len(digits) == 14 and digits.isdigit() else ""


def _iso(ddmmyyyy: str | None) -> str | None:
    if not ddmmyyyy or not ddmmyyyy.strip():
        return None
    try:
        return datetime.strptime(ddmmyyyy.strip(), "%d/%m/%Y").date().isoformat()
    except ValueError:
        raise InputError(f"invalid date {ddmmyyyy!r} (expected dd/mm/yyyy)") from None


def export_date(name: str, fallback: float, today: date | None = None) -> str:
    """The export's date from its file name (zip: dashes, CSV: underscores), else the file's mtime.

    An impossible date or a date after ``today`` (UTC) is refused: a future-dated export would make every
    real export look older than the stored one, and be refused in its turn."""
    today = today or datetime.now(UTC).date()
    m = _DATE.search(name)
    if m:
        try:
            when = date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            raise InputError(f"the date in the file name ({m[0]}) is not a real date: rename the file as "
                             "France compétences names it") from None
    else:
        when = datetime.fromtimestamp(fallback, UTC).date()
    if when > today + timedelta(days=1):
        raise InputError(f"the export is dated {when.isoformat()}, after today ({today.isoformat()}): check the "
                         "file name (or the file's date), France compétences does not publish ahead")
    return when.isoformat()


def _zip_name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if not info.flag_bits & 0x800:  # UTF-8 bytes stored without the flag: undo cp437 decoding
        try:
            name = name.encode("cp437").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return unicodedata.normalize("NFC", name)


def _rows(stream: TextIO, source: str, required: Iterable[str]) -> Iterator[dict[str, str]]:
    reader = csv.DictReader(stream, delimiter=";")
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError(f"{source}: missing column(s) {', '.join(missing)}; is this a France compétences export?")
    for row in reader:
        yield {k: (v or "").strip() for k, v in row.items() if k}


Opener = Callable[[], contextlib.AbstractContextManager[TextIO]]


def _empty(header: str) -> Opener:
    return lambda: contextlib.nullcontext(io.StringIO(header + "\n"))


def parse_csv_export(files: dict[str, Opener], when: str) -> list[RncpFicheSnap]:
    """``files``: kind (Standard, Certificateurs, Ancienne_Nouvelle_Certification) → opener of its CSV text.

    The two small child files are read into dictionaries first; Standard (one row per fiche) is streamed.
    """
    if "Standard" not in files:
        raise InputError("no export_fiches_CSV_Standard_*.csv in the export")
    certifiers: dict[str, list[str]] = defaultdict(list)
    sirets: dict[str, list[str]] = defaultdict(list)
    with files.get("Certificateurs", _empty("Numero_Fiche;Nom_Certificateur"))() as f:
        for r in _rows(f, "Certificateurs", ("Numero_Fiche", "Nom_Certificateur")):
            if r["Nom_Certificateur"] and r["Nom_Certificateur"] not in certifiers[r["Numero_Fiche"]]:
                certifiers[r["Numero_Fiche"]].append(r["Nom_Certificateur"])
            if _siret(r.get("Siret_Certificateur")):
                sirets[r["Numero_Fiche"]].append(_siret(r.get("Siret_Certificateur")))
    partners: dict[str, list[tuple[str, str, str | None]]] = defaultdict(list)
    with files.get("Partenaires", _empty("Numero_Fiche;Siret_Partenaire;Habilitation_Partenaire"))() as f:
        for r in _rows(f, "Partenaires", ("Numero_Fiche", "Siret_Partenaire", "Habilitation_Partenaire")):
            if _siret(r["Siret_Partenaire"]):  # the CSV has no habilitation state
                partners[r["Numero_Fiche"]].append((_siret(r["Siret_Partenaire"]), r["Habilitation_Partenaire"], None))
    replaced: dict[str, list[str]] = defaultdict(list)
    with files.get("Ancienne_Nouvelle_Certification", _empty("Numero_Fiche;Nouvelle_Certification"))() as f:
        for r in _rows(f, "Ancienne_Nouvelle_Certification", ("Numero_Fiche", "Nouvelle_Certification")):
            if r["Nouvelle_Certification"]:
                replaced[r["Numero_Fiche"]].append(r["Nouvelle_Certification"])
    blocs: dict[str, list[tuple[str, str]]] = defaultdict(list)
    with files.get("Blocs_De_Compétences", _empty("Numero_Fiche;Bloc_Competences_Code;Bloc_Competences_Libelle"))() as f:
        for r in _rows(f, "Blocs_De_Compétences", ("Numero_Fiche", "Bloc_Competences_Code", "Bloc_Competences_Libelle")):
            if r["Bloc_Competences_Code"]:
                blocs[r["Numero_Fiche"]].append((r["Bloc_Competences_Code"].upper(), r["Bloc_Competences_Libelle"]))
    out = []
    with files["Standard"]() as f:
        for r in _rows(f, "Standard", ("Numero_Fiche", "Intitule", "Actif", "Date_Fin_Enregistrement")):
            n = r["Numero_Fiche"].upper()
            out.append(RncpFicheSnap(n, r["Intitule"], r["Actif"] == "ACTIVE", _iso(r["Date_Fin_Enregistrement"]),
                                     r.get("Nomenclature_Europe_Niveau") or None, tuple(certifiers[n]),
                                     tuple(replaced[n]), when, None, tuple(partners[n]), tuple(sirets[n]),
                                     "de droit" in (r.get("Type_Enregistrement") or "").lower(), "csv",
                                     tuple(sorted(blocs[n]))))
    return out


def _xml_partner(p: ElementTree.Element) -> tuple[str, str, str | None]:
    """(SIRET, habilitation, state) of an XML PARTENAIRE; the SIRET is "" when it is not 14 digits."""
    return (_siret(p.findtext("SIRET_PARTENAIRE")), (p.findtext("HABILITATION_PARTENAIRE") or "").strip(),
            (p.findtext("ETAT_HABILITATION") or "").strip() or None)


def _csv_kind(name: str) -> str | None:
    base = Path(name).name
    return next((k for k in _KINDS if base.startswith(f"export_fiches_CSV_{k}_")), None)


def parse_xml_export(stream, when: str) -> Iterator[RncpFicheSnap]:
    try:
        for _, el in ElementTree.iterparse(stream, events=("end",)):
            if el.tag != "FICHE":
                continue
            n = (el.findtext("NUMERO_FICHE") or "").strip().upper()
            if not n:
                raise InputError("a FICHE without NUMERO_FICHE")
            yield RncpFicheSnap(
                n, (el.findtext("INTITULE") or "").strip(), (el.findtext("ACTIF") or "").strip() == "Oui",
                _iso(el.findtext("DATE_FIN_ENREGISTREMENT")), el.findtext("NOMENCLATURE_EUROPE/NIVEAU"),
                tuple(x.text.strip() for x in el.findall("CERTIFICATEURS/CERTIFICATEUR/NOM_CERTIFICATEUR") if x.text),
                tuple(x.text.strip() for x in el.findall(
                    "NOUVELLES_CERTIFICATIONS/NOUVELLE_CERTIFICATION/ID_FICHE_NOUVELLE_CERTIFICATION") if x.text),
                when, _iso(el.findtext("DATE_LIMITE_DELIVRANCE")),
                tuple(p for p in map(_xml_partner, el.findall("PARTENAIRES/PARTENAIRE")) if p[0]),
                tuple(_siret(x.text) for x in el.findall("CERTIFICATEURS/CERTIFICATEUR/SIRET_CERTIFICATEUR")
                      if _siret(x.text)),
                "de droit" in (el.findtext("TYPE_ENREGISTREMENT") or "").lower(), "xml",
                tuple(sorted(((b.findtext("CODE") or "").strip().upper(), (b.findtext("LIBELLE") or "").strip())
                             for b in el.findall("BLOCS_COMPETENCES/BLOC_COMPETENCES") if b.findtext("CODE"))))
            el.clear()
    except ElementTree.ParseError as exc:
        raise InputError(f"not a readable XML export ({exc})") from None


def _text(binary) -> TextIO:
    return io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")


def _zip_opener(path: Path, info: zipfile.ZipInfo) -> Opener:
    @contextlib.contextmanager
    def opener() -> Iterator[TextIO]:
        with zipfile.ZipFile(path) as z, z.open(info) as raw:
            yield _text(raw)
    return opener


def _file_opener(path: Path) -> Opener:
    return lambda: path.open(encoding="utf-8-sig", newline="")


MAX_MEMBER = 2 * 1024 ** 3  # the RNCP XML is ≈ 570 MB uncompressed (FORMAT.md); a member beyond 2 GB is not an export
MAX_RATIO = 100  # text compresses ~10×; far more is a zip bomb


def _check_member(info: zipfile.ZipInfo) -> None:
    if info.file_size > MAX_MEMBER or (info.compress_size and info.file_size / info.compress_size > MAX_RATIO):
        raise InputError(f"{info.filename} expands to {info.file_size // 1024 // 1024} MB from "
                         f"{info.compress_size // 1024} KB: not a France compétences export (refused unread)")


def read_export(paths: list[Path]) -> list[RncpFicheSnap]:
    """Every fiche of the given files (a CSV zip, CSV files of one export, or XML files)."""
    fiches: dict[str, RncpFicheSnap] = {}
    csv_files: dict[str, Opener] = {}
    csv_date = None
    for path in paths:
        try:
            when = export_date(path.name, path.stat().st_mtime)
            if zipfile.is_zipfile(path):
                with zipfile.ZipFile(path) as z:
                    for info in z.infolist():
                        _check_member(info)
                        kind = _csv_kind(_zip_name(info))
                        if kind:
                            csv_files[kind] = _zip_opener(path, info)
                        elif info.filename.lower().endswith(".xml"):
                            with z.open(info) as f:
                                fiches.update((x.numero, x) for x in parse_xml_export(f, when))
                csv_date = csv_date or when
            elif path.suffix.lower() == ".csv" and _csv_kind(path.name):
                csv_files[_csv_kind(path.name)] = _file_opener(path)  # type: ignore[index]
                csv_date = csv_date or when
            elif path.suffix.lower() == ".xml":
                with path.open("rb") as f:
                    fiches.update((x.numero, x) for x in parse_xml_export(f, when))
            else:
                raise InputError("expected export-fiches-csv-*.zip, export_fiches_CSV_*.csv or an XML export")
        except InputError as exc:
            raise InputError(f"{path.name}: {exc}") from None
        except (OSError, UnicodeDecodeError, zipfile.BadZipFile, zlib.error, EOFError, csv.Error) as exc:
            raise InputError(f"{path.name}: cannot read ({exc.__class__.__name__}: {exc})") from None
    if csv_files:
        try:
            fiches.update((x.numero, x) for x in parse_csv_export(csv_files, csv_date or ""))
        except (OSError, UnicodeDecodeError, zipfile.BadZipFile, zlib.error, EOFError, csv.Error) as exc:
            raise InputError(f"CSV export: cannot read ({exc.__class__.__name__}: {exc})") from None
    if not fiches:
        raise InputError("no RNCP/RS fiche found in " + ", ".join(p.name for p in paths))
    return list(fiches.values())


def fetch_export(url: str, folder: Path, timeout: float = 60.0) -> Path:
    """Download an export (streamed to ``folder``); the file is named as the server names it.

    data.gouv.fr's stable ``/fr/datasets/r/<id>`` address redirects to the dated file, whose
    name carries the export's date.
    """
    import requests

    if not url.startswith(("http://", "https://")):
        raise InputError(f"--url: expected an http(s) URL, got {url!r}")
    try:
        with requests.get(url, stream=True, timeout=(10, timeout)) as resp:
            if resp.status_code != 200:
                raise InputError(f"--url: HTTP {resp.status_code} for {url}: check the address of the export")
            name = _download_name(resp.headers.get("Content-Disposition", ""), resp.url)
            target = folder / name
            with target.open("wb") as out:
                for chunk in resp.iter_content(1 << 20):
                    out.write(chunk)
    except requests.exceptions.RequestException as exc:
        raise InputError(f"--url: cannot download {url} ({type(exc).__name__}): check the address "
                         "and the network") from None
    return target


def _download_name(disposition: str, final_url: str) -> str:
    m = re.search(r'filename\*?=(?:UTF-8\'\')?"?([^";]+)"?', disposition)
    name = m[1] if m else final_url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
    name = Path(name).name  # never a path from the server
    return name or "export.zip"
