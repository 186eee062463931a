"""Categories, courses (with custom fields) and course contents (sections, modules)."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from typing import NamedTuple

from sqlalchemy import select

from connector.moodle import models as m
from connector.store.db import transaction
from connector.store.models import Category, Course, CourseCustomField, Module, Section
from connector.store.retention import course_retired
from connector.store.upsert import upsert_rows
from connector.sync.context import SyncContext, chunked, save_cursor, save_markers
from mappings.text import plain_text

CONTENTS_PER_CHUNK = 100  # courses fetched, then written, before the next ones


def fetch_categories(ctx: SyncContext) -> list[m.Category]:
    return m.parse_categories(ctx.client.call("core_course_get_categories"))


def fetch_courses(ctx: SyncContext) -> Iterator[m.Course]:
    """All courses in one call, parsed one at a time (each raw record is dropped once parsed: on a
    5,000-course site the answer is ~10 MB); the site course (format "site", id 1) is skipped."""
    payload = ctx.client.call("core_course_get_courses_by_field")
    if not isinstance(payload, dict) or not isinstance(payload.get("courses"), list):
        m.parse_courses(payload)  # raises the shape error, naming the place
    raw = payload["courses"]
    for i in range(len(raw)):
        course = m.parse_courses({"courses": [raw[i]]})[0]
        raw[i] = None
        if course.format != "site" and (not ctx.course_ids or course.id in ctx.course_ids):
            yield course


def fetch_contents(ctx: SyncContext, course_id: int) -> list[m.Section]:
    return m.parse_contents(ctx.client.call("core_course_get_contents", courseid=course_id))


def fetch_pages(ctx: SyncContext, course_ids: list[int]) -> list[m.Page]:
    """Pages of these courses, with their text (core_course_get_contents gives only an empty index.html)."""
    return m.parse_pages(ctx.client.call("mod_page_get_pages_by_courses", courseids=sorted(course_ids)))


def content_fields(mod: m.Module) -> dict:
    """What a module holds, for evidence: content time, files, a URL's target (never a due date)."""
    files = [dict(name=c.filename, path=c.filepath or "/", size=c.filesize, url=c.fileurl,
                  time=c.timemodified, type=c.mimetype)
             for c in mod.contents if c.type == "file" and not (mod.modname == "page" and c.filename == "index.html")]
    target = next((c.fileurl for c in mod.contents if c.type == "url"), None)
    times = [c.timemodified for c in mod.contents if c.timemodified]
    info = mod.contentsinfo.lastmodified if mod.contentsinfo else None
    return dict(content_time=info or max(times, default=None), files=files, target=target)


def record_hash(course: m.Course) -> str:
    """Moodle gives the sync user no timemodified here: a hash of the record detects edits."""
    blob = json.dumps(course.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def _text(v: object) -> str | None:
    return None if v is None else str(v)


def sync_categories(ctx: SyncContext, run_id: int) -> Counter[str]:
    cats = fetch_categories(ctx)
    rows = [dict(id=c.id, name=c.name, idnumber=c.idnumber or None, parent=c.parent, path=c.path,
                 depth=c.depth, visible=c.visible != 0) for c in cats]
    with transaction(ctx.sessions) as s:
        counts = upsert_rows(s, Category, rows, now=ctx.now)
        save_cursor(s, "categories", ctx.now, run_id)
    return counts


def sync_courses(ctx: SyncContext, run_id: int) -> Counter[str]:
    rows, fields = [], []
    for c in fetch_courses(ctx):
        rows.append(dict(
            id=c.id, shortname=c.shortname, fullname=c.fullname, idnumber=c.idnumber or None,
            category_id=c.categoryid, summary=c.summary, summaryformat=c.summaryformat, format=c.format,
            startdate=c.startdate, enddate=c.enddate, visible=c.visible != 0,
            enablecompletion=c.enablecompletion != 0, timemodified=c.timemodified,
            contacts=[{"id": t.id, "fullname": t.fullname} for t in c.contacts], record_hash=record_hash(c),
        ))
        fields += [dict(course_id=c.id, shortname=f.shortname, name=f.name, type=f.type,
                        valueraw=_text(f.valueraw), value=_text(f.value)) for f in c.customfields]
    scope = Course.id.in_(ctx.course_ids) if ctx.course_ids else None
    with transaction(ctx.sessions) as s:
        counts = upsert_rows(s, Course, rows, now=ctx.now, scope=scope)
        fscope = CourseCustomField.course_id.in_([r["id"] for r in rows])
        counts.update(upsert_rows(s, CourseCustomField, fields, scope=fscope))
        save_cursor(s, "courses", ctx.now, run_id)
    return counts


def _page_texts(ctx: SyncContext, mrows: list[dict]) -> None:
    """Text length of the pages tagged as evidence (one call for the chunk's courses that have some)."""
    tagged = {r["id"]: r for r in mrows if r["modname"] == "page" and ctx.evidence_tag.search(
        f"{r['name']} {r['idnumber'] or ''}")}
    if not tagged:
        return
    for page in fetch_pages(ctx, sorted({r["course_id"] for r in tagged.values()})):
        if page.coursemodule in tagged:
            tagged[page.coursemodule]["text_chars"] = len(plain_text(page.content))
            tagged[page.coursemodule]["content_time"] = page.timemodified or tagged[page.coursemodule]["content_time"]


class ActiveCourse(NamedTuple):
    """What the resources need of a stored course to choose their work (not the ORM object: 5,000 of those
    cost ≈ 0.15 s of CPU per call, and every run asks several times)."""
    id: int
    record_hash: str
    enablecompletion: bool
    enddate: int


def active_courses(ctx: SyncContext, *, people: bool = False) -> list[ActiveCourse]:
    """Courses to sync; ``people``: without those that ended before the retention cut-off (their learners'
    data is purged and not brought back)."""
    with ctx.sessions() as s:
        stmt = (select(Course.id, Course.record_hash, Course.enablecompletion, Course.enddate)
                .where(Course.deleted_at.is_(None)).order_by(Course.id))
        if ctx.course_ids:
            stmt = stmt.where(Course.id.in_(ctx.course_ids))
        if people and ctx.retired_before:
            stmt = stmt.where(~course_retired(ctx.retired_before))
        return [ActiveCourse(*row) for row in s.execute(stmt)]


def sync_contents(ctx: SyncContext, run_id: int) -> Counter[str]:
    """Contents of courses whose record changed since they were last fetched (all with --full).

    Fetched and written a chunk of courses at a time, in one transaction.
    """
    seen = ctx.markers("contents")
    todo = [c for c in active_courses(ctx) if ctx.full or seen.get(str(c.id)) != c.record_hash]
    counts: Counter[str] = Counter()
    with transaction(ctx.sessions) as s:
        # the next chunk's contents are asked for while this one is written
        for part, fetched in ctx.client.map_ahead(lambda c: (c, fetch_contents(ctx, c.id)),
                                                  chunked(todo, CONTENTS_PER_CHUNK)):
            srows, mrows = [], []
            for course, sections in fetched:
                for sec in sections:
                    srows.append(dict(id=sec.id, course_id=course.id, number=sec.section, name=sec.name,
                                      summary=sec.summary, summaryformat=sec.summaryformat,
                                      visible=sec.visible != 0))
                    mrows += [dict(id=mod.id, course_id=course.id, section_id=sec.id, modname=mod.modname,
                                   instance=mod.instance, name=mod.name, idnumber=mod.idnumber or None,
                                   visible=mod.visible != 0, completion=mod.completion,
                                   url=getattr(mod, "url", None),
                                   dates=[d.model_dump(mode="json") for d in mod.dates], text_chars=None,
                                   **content_fields(mod))
                              for mod in sec.modules]
            _page_texts(ctx, mrows)
            ids = [c.id for c in part]
            counts.update(upsert_rows(s, Section, srows, scope=Section.course_id.in_(ids)))
            counts.update(upsert_rows(s, Module, mrows, scope=Module.course_id.in_(ids)))
        save_markers(s, "contents", {str(c.id): c.record_hash for c in todo})
        save_cursor(s, "contents", ctx.now, run_id)
    return counts
