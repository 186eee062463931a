"""Copies of the documents held in Moodle that serve as evidence, for the auditor's dossier.

Which documents: the files of tagged activities (resources, folders) in every synced course, and the
attachments of the evidence register's entries. A document is downloaded when it is new or when Moodle
lists it with another size or time; the bytes go to the snapshot folder under their SHA-256 (0600, in
0700 folders), and ``render`` only copies them: rendering never calls Moodle. A document larger than the
per-file limit, or one Moodle refuses, is recorded as not copied, with the reason.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from connector import errors
from connector.files import os_error_line, private_dir, write_private
from connector.store.db import transaction
from connector.store.models import Module, RegisterEntry, Snapshot
from connector.store.upsert import upsert_rows
from connector.sync.context import SyncContext, chunked, save_cursor


def blob_path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256


def listed_documents(ctx: SyncContext) -> dict[str, dict]:
    """URL → {name, size, time} of every document the dossier may copy."""
    with ctx.sessions() as s:  # names first: only the tagged activities' file lists are read (and decoded)
        ids = [mid for mid, name, idnumber in s.execute(
            select(Module.id, Module.name, Module.idnumber).where(Module.modname.in_(("resource", "folder"))))
            if ctx.evidence_tag.search(f"{name} {idnumber or ''}")]
        tagged = [files for part in chunked(ids, 500)
                  for files in s.scalars(select(Module.files).where(Module.id.in_(part)).order_by(Module.id))]
        attached = s.scalars(select(RegisterEntry.files).where(RegisterEntry.kind == "preuves",
                                                               RegisterEntry.source == "moodle")).all()
    return {f["url"]: {"name": f["name"], "size": f.get("size"), "time": f.get("time")}
            for files in (*tagged, *attached) for f in files or () if f.get("url")}


def _fetch(ctx: SyncContext, url: str, doc: dict) -> dict:
    row = dict(url=url, name=doc["name"], listed_size=doc["size"], listed_time=doc["time"], sha256=None, size=None,
               content_type=None, detail=None)
    try:
        ctype, body = ctx.client.download(url, ctx.max_file_bytes)
    except errors.FileTooLargeError as exc:
        return {**row, "status": "too_large", "detail": str(exc)}
    except (errors.MoodleError, errors.TransportError) as exc:
        if isinstance(exc, errors.InvalidTokenError):
            raise  # the token is wrong for everything: stop the run, as for any other call
        return {**row, "status": "failed", "detail": str(exc)}
    digest = hashlib.sha256(body).hexdigest()
    write_private(blob_path(ctx.snapshot_dir, digest), body)
    return {**row, "status": "ok", "sha256": digest, "size": len(body), "content_type": ctype[:100]}


def sync_snapshots(ctx: SyncContext, run_id: int) -> Counter[str]:
    counts: Counter[str] = Counter()
    if ctx.snapshot_dir is None:
        return counts
    try:
        private_dir(ctx.snapshot_dir)
    except OSError as exc:  # a setting to change: the run says so (status) rather than "internal error"
        raise errors.ConfigError(f"[dossier] snapshot_dir: cannot make the folder: {os_error_line(exc)}") from None
    docs = listed_documents(ctx)
    with ctx.sessions() as s:
        known = {r.url: r for r in s.scalars(select(Snapshot))}
    todo = [(u, d) for u, d in sorted(docs.items())
            if ctx.full or u not in known or known[u].status == "failed"
            or (known[u].listed_size, known[u].listed_time) != (d["size"], d["time"])
            or (known[u].sha256 and not blob_path(ctx.snapshot_dir, known[u].sha256).exists())]
    fetched = {r["url"]: r for r in ctx.client.map(lambda t: _fetch(ctx, *t), todo)}
    rows = []
    for url in sorted(docs):
        if url in fetched:
            rows.append(fetched[url])
        else:
            k = known[url]
            rows.append({c.name: getattr(k, c.name) for c in Snapshot.__table__.columns})
    with transaction(ctx.sessions) as s:
        counts.update(upsert_rows(s, Snapshot, rows))  # documents no longer listed are forgotten
        save_cursor(s, "snapshots", ctx.now, run_id)
    return counts
