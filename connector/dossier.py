"""The auditor's dossier de preuves, per programme, written from an evaluation and the store.

The evaluation gives, per indicator, the evidence found; this module picks the sampled learners (seeded,
in the core), reads their files, copies the documents the sync downloaded (``render`` never calls
Moodle), renders the pages and writes ``MANIFEST.sha256``. Everything is owner-only (0700 folders, 0600
files): the dossier names learners.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from connector.files import private_dir, write_private
from connector.store.learners import load_learner_file, programme_learners
from connector.store.models import Snapshot
from connector.sync.resources.snapshots import blob_path
from mappings.model import Status, Verdict
from mappings.sample import sample_learners
from reports import render as r
from reports.format import fr_number
from reports.model import CourseLine, DocumentCopy, Dossier, ReportMeta, slug_of

REASONS = {"too_large": "trop volumineux : non copié", "failed": "téléchargement refusé par Moodle : non copié"}


@dataclass(frozen=True)
class DossierOptions:
    snapshot_dir: Path | None = None  # None: documents are listed, not copied
    max_bytes: int = 200 * 1024 * 1024
    sample_size: int = 3
    sample_seed: int = 1


def _safe(name: str) -> str:
    stem = re.sub(r"[^\w.\-]+", "_", name, flags=re.UNICODE).strip("._") or "document"
    return stem[:80]


def _counted(verdicts: list[Verdict]):
    for v in verdicts:
        if v.status != Status.NON_APPLICABLE:
            for e in v.evidence:
                if e.state in ("ok", "stale"):
                    yield e


def copy_documents(folder: Path, verdicts: list[Verdict], snaps: dict[str, Snapshot],
                   opts: DossierOptions) -> dict[str, DocumentCopy]:
    pieces = folder / "pieces"
    if pieces.exists():
        shutil.rmtree(pieces)  # a document no longer evidence leaves the dossier
    out: dict[str, DocumentCopy] = {}
    budget, n = opts.max_bytes, 0
    for e in _counted(verdicts):
        for d in e.documents:
            if not d.url or d.url in out:
                continue
            snap = snaps.get(d.url)
            if opts.snapshot_dir is None:
                out[d.url] = DocumentCopy(d.name, reason="copie des documents non configurée")
            elif snap is None:
                out[d.url] = DocumentCopy(d.name, reason="pas encore copié : lancer sync")
            elif snap.status != "ok" or not snap.sha256:
                out[d.url] = DocumentCopy(d.name, reason=REASONS.get(snap.status, "non copié"))
            elif (snap.size or 0) > budget:
                limit = fr_number(round(opts.max_bytes / 1048576, 1))
                out[d.url] = DocumentCopy(d.name, reason=f"non copié : dossier limité à {limit} Mo")
            else:
                source = blob_path(opts.snapshot_dir, snap.sha256)
                if not source.exists():
                    out[d.url] = DocumentCopy(d.name, reason="copie absente : relancer sync")
                    continue
                n += 1
                rel = f"pieces/{n:02d}-{_safe(d.name)}"
                write_private(folder / rel, source.read_bytes())
                budget -= snap.size or 0
                out[d.url] = DocumentCopy(d.name, rel, snap.sha256, snap.size)
    return out


def write_manifest(folder: Path) -> Path:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "MANIFEST.sha256")
    text = "".join(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(folder).as_posix()}\n"
                   for p in files)
    return write_private(folder / "MANIFEST.sha256", text.encode())


def write_dossiers(result, sessions: sessionmaker[Session], out: Path, meta: ReportMeta,
                   opts: DossierOptions) -> list[Path]:
    """``out/dossier/<programme>/`` for each programme, and ``out/dossier/index.html``."""
    root = private_dir(out / "dossier")
    written, dossiers = [], []
    with sessions() as s:
        snaps = {x.url: x for x in s.scalars(select(Snapshot))}
        for prog, verdicts in result.programmes:
            courses = result.courses.get(prog.code, ())
            ids = [c.id for c in courses]
            chosen = sample_learners(prog.code, programme_learners(s, ids), opts.sample_size, opts.sample_seed)
            sample = tuple(load_learner_file(s, uid, ids) for uid in chosen)
            folder = private_dir(root / slug_of(prog.code))
            docs = copy_documents(folder, list(verdicts), snaps, opts)
            d = Dossier(prog, result.profile, tuple(verdicts),
                        tuple(CourseLine(c.id, c.shortname, c.fullname, None, c.visible) for c in courses),
                        docs, sample, opts.sample_seed)
            r.render_dossier(folder, meta, d)
            written.append(write_manifest(folder).parent)
            dossiers.append(d)
    provider_wide = {e.ref: e for d in dossiers for e in _counted(list(d.verdicts)) if e.programme is None}
    r.render_dossier_index(root, meta, result.profile, dossiers, sorted(provider_wide.values(),
                                                                         key=lambda e: e.indicators))
    return written

