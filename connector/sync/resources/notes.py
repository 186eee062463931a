"""Course and site notes on learners (``core_notes_get_course_notes``): the dated follow-up traces of
indicator 12 ("relance téléphonique le …").

One call per course, only for courses still running with learners: on a full run or the first time a
course is seen (when anybody ever accessed it), then only when a staff member's last access to the course
moved since its notes were last read (notes are written by teachers, in the course; a learner opening the
course writes none). A note written by someone not enrolled in the course (a site manager) waits for the
next full run.
Moodle returns the notes the sync user may read: site and course notes, never a teacher's drafts
(personal notes) — the trace list may be incomplete, and the reports say so.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter

from sqlalchemy import String, cast, select

from connector import errors
from connector.moodle import models as m
from connector.store.db import transaction
from connector.store.evidence import NOTES_DISABLED
from connector.store.models import CourseNote, Enrolment
from connector.store.upsert import upsert_rows
from connector.sync.context import SyncContext, chunked, save_cursor, save_markers
from connector.sync.resources.catalog import active_courses
from connector.sync.resources.completion import LEARNER_ROLE
from connector.sync.resources.feedback import course_access

PER_CHUNK = 50
LEARNER_ONLY = (json.dumps([LEARNER_ROLE]), json.dumps([]))  # how the store writes a learner's roles (SQL prefilter)
_TAGS = re.compile(r"<[^>]+>")


def fetch_course_notes(ctx: SyncContext, course_id: int) -> m.CourseNotes | None:
    """None when notes are disabled on the site (``notesdisabled``): there is nothing to read."""
    try:
        return m.parse_course_notes(ctx.client.call("core_notes_get_course_notes", courseid=course_id))
    except errors.MoodleError as exc:
        if exc.errorcode == "notesdisabled":
            return None
        raise


def staff_access(ctx: SyncContext) -> dict[int, int]:
    """The last access of a staff member (any role but learner) to each course."""
    with ctx.sessions() as s:
        rows = s.execute(select(Enrolment.course_id, Enrolment.roles, Enrolment.lastcourseaccess).where(
            Enrolment.deleted_at.is_(None), Enrolment.lastcourseaccess > 0,
            cast(Enrolment.roles, String).not_in(LEARNER_ONLY)))
        out: dict[int, int] = {}
        for cid, roles, at in rows:
            if set(roles or ()) - {LEARNER_ROLE}:
                out[cid] = max(out.get(cid, 0), at)
        return out


def plain(content: str) -> str:
    """Notes come back as HTML, entities escaped even for plain-text notes (recorded)."""
    return " ".join(html.unescape(_TAGS.sub(" ", content or "")).split())


def sync_notes(ctx: SyncContext, run_id: int) -> Counter[str]:
    courses = [c.id for c in active_courses(ctx, people=True) if not c.enddate or c.enddate >= ctx.now]
    anybody, staff = course_access(ctx), staff_access(ctx)
    seen = ctx.markers("notes")
    todo = [c for c in courses if (anybody.get(c) and (ctx.full or str(c) not in seen))
            or (staff.get(c) and seen.get(str(c)) not in (str(staff[c]), f"{NOTES_DISABLED}{staff[c]}"))]
    counts: Counter[str] = Counter()
    markers: dict[str, str] = {}
    with transaction(ctx.sessions) as s:
        for part, got in ctx.client.map_ahead(lambda c: (c, fetch_course_notes(ctx, c)), chunked(todo, PER_CHUNK)):
            rows = []  # a chunk's courses written together: one select and one insert, not one per course
            for cid, notes in got:
                markers[str(cid)] = f"{NOTES_DISABLED if notes is None else ''}{staff.get(cid, 0)}"
                rows += [] if notes is None else [
                    dict(id=n.id, course_id=cid, user_id=n.userid, author_id=n.usermodified,
                         state="site" if n.publishstate == "site" else "course", content=plain(n.content),
                         created=n.created, lastmodified=n.lastmodified)
                    for n in notes.shared
                    if not (ctx.retired_before and n.lastmodified < ctx.retired_before)]  # past retention
            counts.update(upsert_rows(s, CourseNote, rows, scope=CourseNote.course_id.in_(list(part))))
        save_markers(s, "notes", markers)
        save_cursor(s, "notes", ctx.now, run_id)
    return counts
