"""Fallback enrolments (users, roles, groups, last course access): two calls per course.

Learner completion on this path is ``connector.sync.resources.completion``."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import delete, func, select

from connector import errors
from connector.moodle import models as m
from connector.store.db import transaction
from connector.store.models import (
    Enrolment,
    FetchState,
    User,
)
from connector.store.upsert import upsert_rows
from connector.sync.context import SyncContext, chunked, save_cursor
from connector.sync.resources.catalog import active_courses
from connector.sync.resources.participants import DIGESTS as REPORT_DIGESTS

COURSES_PER_CHUNK = 50  # fetched, then written, before the next chunk: memory stays flat
# The recorded request shape: only active enrolments, with the fields the store keeps.
ACTIVE_OPTIONS = [
    {"name": "onlyactive", "value": 1},
    {"name": "userfields",
     "value": "id,fullname,email,idnumber,firstaccess,lastaccess,lastcourseaccess,roles,groups,enrolledcourses"},
]


def fetch_enrolled_users(ctx: SyncContext, course_id: int) -> tuple[list[m.EnrolledUser], set[int]]:
    """All enrolled users, and the ids of those whose enrolment is active.

    Moodle's WS does not expose the enrolment status: suspended = listed by default
    but not with ``onlyactive=1``.
    """
    everyone = m.parse_enrolled_users(ctx.client.call("core_enrol_get_enrolled_users", courseid=course_id))
    active = m.parse_enrolled_users(
        ctx.client.call("core_enrol_get_enrolled_users", courseid=course_id, options=ACTIVE_OPTIONS)
    )
    return everyone, {u.id for u in active}


def sync_enrolments(ctx: SyncContext, run_id: int) -> Counter[str]:
    """Per course, two calls (everyone, then active only); written a chunk of courses at a time."""
    counts: Counter[str] = Counter()
    with transaction(ctx.sessions) as s:
        for _, fetched in ctx.client.map_ahead(lambda c: (c.id, *fetch_enrolled_users(ctx, c.id)),
                                                  chunked(active_courses(ctx, people=True), COURSES_PER_CHUNK)):
            if not ctx.full:
                _refuse_vanished_courses(s, fetched)
            users: dict[int, dict] = {}
            per_course = []
            for course_id, everyone, active in fetched:
                rows = []
                for u in everyone:
                    users[u.id] = dict(id=u.id, username=u.username, fullname=u.fullname,
                                       idnumber=u.idnumber or None, lastaccess=u.lastaccess)
                    rows.append(dict(
                        course_id=course_id, user_id=u.id, roles=sorted(r.shortname for r in u.roles),
                        status="active" if u.id in active else "suspended", timestart=None, timeend=None,
                        lastcourseaccess=u.lastcourseaccess or 0, groups=sorted(g.name for g in u.groups),
                    ))
                per_course.append((course_id, rows))
            # users are never deleted here: other courses or past runs may still refer to them
            counts.update(upsert_rows(s, User, list(users.values()), scope=User.id.in_(list(users) or [-1]),
                                      delete_missing=False))
            for course_id, rows in per_course:
                counts.update(upsert_rows(s, Enrolment, rows, scope=Enrolment.course_id == course_id, now=ctx.now))
        # the report path's digests describe rows this path has just rewritten: read every course next time
        s.execute(delete(FetchState).where(FetchState.resource == REPORT_DIGESTS))
        save_cursor(s, "enrolments", ctx.now, run_id)
    return counts


def _refuse_vanished_courses(session, fetched: list) -> None:
    """An empty answer for a course that has enrolments in the store is a Moodle glitch, not a mass unenrolment.

    Moodle sometimes answers ``[]`` (cache rebuild, a restore in progress, a role change of the
    sync user) for a course it listed a moment ago. Deleting every enrolment would break the
    reports; the resource stops instead and keeps the last good data (``--full`` accepts it).
    """
    empty = [cid for cid, everyone, _ in fetched if not everyone]
    if not empty:
        return
    known = dict(session.execute(
        select(Enrolment.course_id, func.count()).where(Enrolment.course_id.in_(empty),
                                                        Enrolment.deleted_at.is_(None))
        .group_by(Enrolment.course_id)).all())
    if known:
        cid, n = next(iter(sorted(known.items())))
        raise errors.UnexpectedPayloadError(
            f"Moodle listed course {cid} but returned no enrolled user for it (the store has {n}): kept the last "
            "good enrolments; retry later, or run `qualiopi-sync sync --full` if the course was really emptied",
            wsfunction="core_enrol_get_enrolled_users")
