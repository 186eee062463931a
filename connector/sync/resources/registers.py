"""The registers kept in Moodle: Database activities of the quality course(s), found by name.

Each run lists the databases of the quality courses (one call). A register is then read in full (its
fields and every entry, paged, contents returned) when it is new, when ``--full`` asks, or when Moodle
reports a change to its module since the last run (``core_course_get_updates_since``: mod_data reports
"entries" for new and edited records). Moodle does not report deleted records, so an unchanged register
is checked by its entry count (one one-entry page); a different count re-reads it. A deleted entry, or a
register no longer found, disappears from the store.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

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


def fetch_count(ctx: SyncContext, database_id: int) -> int:
    """How many entries the register holds (one entry asked, without contents)."""
    return m.parse_data_entries(ctx.client.call("mod_data_get_entries", databaseid=database_id,
                                                returncontents=False, page=0, perpage=1)).totalcount


def fetch_changed_modules(ctx: SyncContext, course_id: int, since: int) -> set[int]:
    """Course modules of ``course_id`` Moodle reports as changed since ``since``."""
    got = ctx.client.call("core_course_get_updates_since", courseid=course_id, since=since)
    return {int(i["id"]) for i in (got or {}).get("instances", []) if i.get("contextlevel") == "module"}


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


def _to_read(ctx: SyncContext, found: dict[str, m.Database], known: dict[int, RegisterDatabase]) -> list[str]:
    """The kinds whose register must be read in full this run."""
    cursor = ctx.cursor("registers")
    with ctx.sessions() as s:
        counts = dict(s.execute(select(RegisterEntry.database_id, func.count()).where(RegisterEntry.source == "moodle")
                                .group_by(RegisterEntry.database_id)).all())
    if ctx.full or cursor is None:
        return list(found)
    changed: set[int] = set()
    for course_id in sorted({db.course for db in found.values()}):
        changed |= fetch_changed_modules(ctx, course_id, max(cursor - ctx.lookback, 0))
    out = []
    for kind, db in found.items():
        k = known.get(db.id)
        if k is None or (k.kind, k.cmid) != (kind, db.coursemodule) or db.coursemodule in changed \
                or fetch_count(ctx, db.id) != counts.get(db.id, 0):
            out.append(kind)
    return out


def sync_registers(ctx: SyncContext, run_id: int) -> Counter[str]:
    counts: Counter[str] = Counter()
    if not ctx.quality_course_ids or not ctx.register_names:
        return counts
    found = registers_of(ctx, fetch_databases(ctx))
    with ctx.sessions() as s:
        known = {d.id: d for d in s.scalars(select(RegisterDatabase))}
    todo = _to_read(ctx, found, known)
    fetched = ctx.client.map(lambda k: (k, found[k], fetch_fields(ctx, found[k].id), fetch_entries(ctx, found[k].id)),
                             todo)
    base = ctx.client.url
    with transaction(ctx.sessions) as s:
        dbrows = {db.id: dict(id=db.id, course_id=db.course, cmid=db.coursemodule, name=db.name, kind=kind,
                              fields=known[db.id].fields if db.id in known else [])
                  for kind, db in found.items()}
        for kind, db, fields, entries in fetched:
            dbrows[db.id]["fields"] = [dict(name=f.name, type=f.type, options=(f.param1 or "").split("\n")
                                            if f.type in ("menu", "multimenu", "checkbox") else [])
                                       for f in fields]
            by_id = {f.id: f for f in fields}
            scope = (RegisterEntry.source == "moodle") & (RegisterEntry.database_id == db.id)
            counts.update(upsert_rows(s, RegisterEntry, [entry_row(kind, db, by_id, e, base) for e in entries],
                                      scope=scope))
        counts.update(upsert_rows(s, RegisterDatabase, list(dbrows.values())))
        # a register no longer found (renamed, deleted) keeps no entries from Moodle
        gone = (RegisterEntry.source == "moodle") & RegisterEntry.database_id.not_in(list(dbrows) or [0])
        counts.update(upsert_rows(s, RegisterEntry, [], scope=gone))
        save_cursor(s, "registers", ctx.now, run_id)
    return counts


__all__ = ["SCHEMAS", "sync_registers"]
