"""The registers kept in Moodle: Database activities of the quality course(s), found by name.

Each run reads the databases of the quality courses (one call), then each register's fields and
entries (paged, contents returned). Registers are small (hundreds of entries), so they are re-read
in full and diffed: an unchanged register writes nothing, a deleted entry disappears from the store.
"""

from __future__ import annotations

from collections import Counter

from connector.moodle import models as m
from connector.registers import SCHEMAS, normalise
from connector.store.db import transaction
from connector.store.models import RegisterDatabase, RegisterEntry
from connector.store.upsert import upsert_rows
from connector.sync.context import SyncContext, save_cursor

PER_PAGE = 200


def fetch_databases(ctx: SyncContext) -> list[m.Database]:
    return m.parse_databases(ctx.client.call("mod_data_get_databases_by_courses",
                                             courseids=list(ctx.quality_course_ids)))


def fetch_fields(ctx: SyncContext, database_id: int) -> list[m.DataField]:
    return m.parse_data_fields(ctx.client.call("mod_data_get_fields", databaseid=database_id))


def fetch_entries(ctx: SyncContext, database_id: int) -> list[m.DataEntry]:
    """Every entry, a page at a time (Moodle's page is 0-based; totalcount is the full count)."""
    out: list[m.DataEntry] = []
    page = 0
    while True:
        got = m.parse_data_entries(ctx.client.call("mod_data_get_entries", databaseid=database_id,
                                                   returncontents=True, page=page, perpage=PER_PAGE))
        out += got.entries
        page += 1
        if not got.entries or len(out) >= got.totalcount:
            return out


def registers_of(ctx: SyncContext, databases: list[m.Database]) -> dict[str, m.Database]:
    """kind → the database whose name is the configured one (first match in course order)."""
    wanted = {name.strip().casefold(): kind for kind, name in ctx.register_names.items()}
    out: dict[str, m.Database] = {}
    for db in databases:
        kind = wanted.get(db.name.strip().casefold())
        if kind and kind not in out:
            out[kind] = db
    return out


def entry_row(kind: str, db: m.Database, fields: dict[int, m.DataField], e: m.DataEntry, base_url: str) -> dict:
    values: dict[str, object] = {}
    files = []
    for c in e.contents:
        f = fields.get(c.fieldid)
        if f is None:
            continue
        values[f.name] = normalise(f.type, c.content, c.content1)
        files += [dict(name=x.filename, size=x.filesize, url=x.fileurl, time=x.timemodified, type=x.mimetype,
                       field=f.name) for x in c.files]
    return dict(kind=kind, source="moodle", ref=str(e.id), database_id=db.id, origin=db.name, fields=values,
                files=files, url=f"{base_url}/mod/data/view.php?d={db.id}&rid={e.id}",
                timecreated=e.timecreated, timemodified=e.timemodified)


def sync_registers(ctx: SyncContext, run_id: int) -> Counter[str]:
    counts: Counter[str] = Counter()
    if not ctx.quality_course_ids or not ctx.register_names:
        return counts
    found = registers_of(ctx, fetch_databases(ctx))
    fetched = ctx.client.map(lambda kv: (kv[0], kv[1], fetch_fields(ctx, kv[1].id), fetch_entries(ctx, kv[1].id)),
                             list(found.items()))
    base = ctx.client.url
    with transaction(ctx.sessions) as s:
        dbrows, erows = [], []
        for kind, db, fields, entries in fetched:
            dbrows.append(dict(id=db.id, course_id=db.course, cmid=db.coursemodule, name=db.name, kind=kind,
                               fields=[dict(name=f.name, type=f.type, options=(f.param1 or "").split("\n")
                                            if f.type in ("menu", "multimenu", "checkbox") else [])
                                       for f in fields]))
            by_id = {f.id: f for f in fields}
            erows += [entry_row(kind, db, by_id, e, base) for e in entries]
        counts.update(upsert_rows(s, RegisterDatabase, dbrows))
        # a register no longer found (renamed, deleted) keeps no entries from Moodle
        counts.update(upsert_rows(s, RegisterEntry, erows, scope=RegisterEntry.source == "moodle"))
        save_cursor(s, "registers", ctx.now, run_id)
    return counts


__all__ = ["SCHEMAS", "sync_registers"]
