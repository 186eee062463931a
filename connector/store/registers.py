"""Read the registers (evidence entries from Moodle or spreadsheets) into the core's Evidence."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from connector.store.evidence import documents_of
from connector.store.models import RegisterDatabase, RegisterEntry
from mappings.model import ActionSnap, ComplaintSnap, Evidence
from mappings.text import plain_text

CATEGORY_WORDS = {"action de formation": "action_de_formation", "actions de formation": "action_de_formation",
                  "bilan de compétences": "bilan_de_competences", "bilans de compétences": "bilan_de_competences",
                  "vae": "vae", "apprentissage": "apprentissage"}
REGISTER_SOURCE = {"moodle": "register", "spreadsheet": "spreadsheet"}


def _indicators(values: list | None) -> tuple[int, ...]:
    return tuple(sorted({int(v) for v in values or () if str(v).strip().isdigit() and 1 <= int(v) <= 32}))


def register_evidence_of(row: RegisterEntry, now: int) -> Evidence:
    """An entry of the evidence register (Moodle or spreadsheet) as a piece of evidence."""
    f = row.fields or {}
    place = f.get("emplacement") or {}
    perimetre = (f.get("perimetre") or "").strip()
    programme = (f.get("programme") or "").strip() or None
    category = CATEGORY_WORDS.get((f.get("categorie") or "").strip().lower()) if perimetre == "catégorie d'action" \
        else None
    if perimetre == "organisme":
        programme = None
    review = f.get("date_revue")
    stale = bool(review and review < now)
    ref = _ref(row)
    return Evidence(
        label=(f.get("titre") or "").strip() or "(sans titre)", course=None,
        timestamp=f.get("date_document") or row.timemodified, url=place.get("url") or row.url,
        source=REGISTER_SOURCE[row.source], indicators=_indicators(f.get("indicateurs")), programme=programme,
        category=category, scope=perimetre or "organisme", text=plain_text(f.get("commentaire")),
        documents=documents_of(row.files),
        review_date=review, owner=(f.get("responsable") or "").strip() or "non renseigné",
        nature=f.get("nature"), ref=ref, state="stale" if stale else "ok")


def load_register_evidence(session: Session, now: int) -> tuple[Evidence, ...]:
    rows = session.scalars(select(RegisterEntry).where(RegisterEntry.kind == "preuves")
                           .order_by(RegisterEntry.source, RegisterEntry.ref))
    return tuple(register_evidence_of(r, now) for r in rows)


def load_complaints(session: Session, register_name: str) -> tuple[ComplaintSnap, ...] | None:
    """Entries of the complaints register (Moodle or spreadsheet); None when no such register is kept (no
    entry, and no Database activity of that name in the quality course)."""
    rows = _kept(session, "reclamations", register_name)
    if rows is None:
        return None
    out = []
    for r in rows:
        f = r.fields or {}
        out.append(ComplaintSnap(
            ref=_ref(r), subject=(f.get("objet") or "").strip() or "(sans objet)", received=f.get("date_reception"),
            status=(f.get("statut") or "").strip(), programme=(f.get("programme") or "").strip() or None,
            acknowledged=f.get("date_accuse_reception"), analysed=f.get("date_analyse"),
            answered=f.get("date_reponse"), complainant=f.get("type_plaignant"),
            action=(f.get("action_corrective") or "").strip(), url=r.url))
    return tuple(out)


def _kept(session: Session, kind: str, register_name: str) -> list[RegisterEntry] | None:
    """A register's entries (Moodle or spreadsheet); None when it is not kept (no entry, and no Database
    activity of that name in the quality course)."""
    rows = list(session.scalars(select(RegisterEntry).where(RegisterEntry.kind == kind)
                                .order_by(RegisterEntry.source, RegisterEntry.ref)))
    if not rows and session.scalar(select(RegisterDatabase.id).where(RegisterDatabase.name == register_name)) is None:
        return None
    return rows


def _ref(r: RegisterEntry) -> str:
    return f"{r.origin}, {'fiche' if r.source == 'moodle' else 'ligne'} {r.ref}"


def load_actions(session: Session, register_name: str) -> tuple[ActionSnap, ...] | None:
    """Actions of the continuous-improvement plan; None when no plan is kept."""
    rows = _kept(session, "amelioration", register_name)
    if rows is None:
        return None
    out = []
    for r in rows:
        f = r.fields or {}
        out.append(ActionSnap(
            ref=_ref(r), action=(f.get("action") or "").strip() or "(sans intitulé)",
            status=(f.get("statut") or "").strip(), origin=(f.get("origine") or "").strip() or None,
            indicators=_indicators(f.get("indicateurs")), owner=(f.get("responsable") or "").strip(),
            due=f.get("echeance"), done=f.get("date_realisation"), effectiveness=plain_text(f.get("efficacite")),
            url=r.url))
    return tuple(out)


def unknown_programme_codes(session: Session, known: set[str]) -> list[tuple[str, str]]:
    """(where, code) of register entries naming a programme the configuration does not know (``known``: the
    programmes' names, casefolded: codes and custom-field rule values)."""
    out = []
    for r in session.scalars(select(RegisterEntry).order_by(RegisterEntry.kind, RegisterEntry.ref)):
        code = ((r.fields or {}).get("programme") or "").strip()
        if code and code.casefold() not in known and (r.fields or {}).get("perimetre") != "organisme":
            out.append((_ref(r), code))
    return out


