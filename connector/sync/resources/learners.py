"""Enrolments (users, roles, groups, last course access) and learner completion."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import delete, func, select

from connector import errors
from connector.moodle import models as m
from connector.store.db import transaction
from connector.store.models import (
    ActivityCompletion,
    Course,
    CourseCompletion,
    CourseCompletionInfo,
    Enrolment,
    FetchState,
    User,
)
from connector.store.upsert import upsert_rows
from connector.sync.context import SyncContext, chunked, save_cursor, save_markers
from connector.sync.resources.catalog import active_courses
from connector.sync.resources.participants import DIGESTS as REPORT_DIGESTS

LEARNER_ROLE = "student"
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


def _learners_to_fetch(ctx: SyncContext) -> list[tuple[int, int, int]]:
    """(course, user, lastcourseaccess) of learners whose completion may have changed."""
    since = (ctx.cursor("completion") or 0) - ctx.lookback
    seen = ctx.markers("completion")
    with ctx.sessions() as s:
        rows = s.execute(
            select(Enrolment.course_id, Enrolment.user_id, Enrolment.lastcourseaccess, Enrolment.roles)
            .join(Course, Course.id == Enrolment.course_id)
            .where(Course.enablecompletion.is_(True), Course.deleted_at.is_(None),
                   Enrolment.deleted_at.is_(None))
            .order_by(Enrolment.course_id, Enrolment.user_id)
        ).all()
    todo = []
    for course_id, user_id, access, roles in rows:
        if LEARNER_ROLE not in roles:
            continue
        if ctx.full or seen.get(f"{course_id}:{user_id}") != str(access) or (access and access >= since):
            todo.append((course_id, user_id, access))
    if ctx.course_ids:
        todo = [t for t in todo if t[0] in ctx.course_ids]
    kept = {c.id for c in active_courses(ctx, people=True)}
    return [t for t in todo if t[0] in kept]


_SKIP_COURSE = {"nocriteriaset"}  # a course-level fact, not a failure


def fetch_completion(ctx: SyncContext, course_id: int, user_id: int, want_course: bool):
    acts = m.parse_activities_completion(ctx.client.call(
        "core_completion_get_activities_completion_status", courseid=course_id, userid=user_id))
    return acts, probe_criteria(ctx, course_id, user_id) if want_course else None


def probe_criteria(ctx: SyncContext, course_id: int, user_id: int) -> m.CourseCompletion | str:
    """One learner's course completion, or the error code that tells the course has no criteria or that the
    learner left (nocriteriaset, usernotenroled).

    Only courses with completion enabled are asked: there ``cannotviewreport`` means the sync user may not
    read completion (report/completion:view), and every completion would be lost — a failure, not a fact."""
    from connector.moodle.client import access_advice

    try:
        return m.parse_course_completion(ctx.client.call(
            "core_completion_get_course_completion_status", courseid=course_id, userid=user_id))
    except errors.MoodleError as exc:
        if exc.errorcode in _SKIP_COURSE or exc.errorcode == "usernotenroled":
            return exc.errorcode
        if exc.errorcode == "cannotviewreport":
            raise errors.AccessDeniedError(
                wsfunction=exc.wsfunction, errorcode=exc.errorcode, moodle_message=exc.moodle_message,
                exception=exc.exception, debuginfo=None,
                advice=access_advice(exc.wsfunction, exc.errorcode, exc.moodle_message)) from None
        raise


def sync_completion(ctx: SyncContext, run_id: int) -> Counter[str]:
    """Two calls per learner whose completion may have changed, a chunk of courses at a time."""
    todo = _learners_to_fetch(ctx)
    by_course: dict[int, list[tuple[int, int]]] = {}
    for course_id, user_id, access in todo:
        by_course.setdefault(course_id, []).append((user_id, access))
    counts: Counter[str] = Counter()
    markers: dict[str, str] = {}
    with transaction(ctx.sessions) as s:
        for part in chunked(list(by_course), COURSES_PER_CHUNK):
            results, info = _fetch_courses(ctx, {c: by_course[c] for c in part})
            counts.update(_write_completion(s, results, info))
            markers.update({f"{c}:{u}": str(a) for c, u, a, _, _ in results})
        save_markers(s, "completion", markers)
        save_cursor(s, "completion", ctx.now, run_id)
    return counts


def _fetch_courses(ctx: SyncContext, by_course: dict[int, list[tuple[int, int]]]) -> tuple[list, dict]:
    # the first learner of each course tells whether the course has completion criteria at all
    firsts = ctx.client.map(lambda c: (c, *by_course[c][0], fetch_completion(ctx, c, by_course[c][0][0], True)),
                            list(by_course))
    info, results = {}, []
    for course_id, user_id, access, (acts, cc) in firsts:
        info[course_id] = cc if isinstance(cc, str) and cc in _SKIP_COURSE else None
        results.append((course_id, user_id, access, acts, cc))
    rest = [(c, u, a) for c, users in by_course.items() for u, a in users[1:]]
    results += ctx.client.map(lambda t: (*t, *fetch_completion(ctx, t[0], t[1], info[t[0]] is None)), rest)
    return results, info


def _write_completion(s, results: list, info: dict) -> Counter[str]:
    counts: Counter[str] = Counter()
    for course_id, rows in _group(results).items():
        users = [r[1] for r in rows]
        acts_rows = [dict(course_id=course_id, user_id=u, cmid=st.cmid, state=st.state,
                          timecompleted=st.timecompleted, tracking=st.tracking)
                     for _, u, _, acts, _ in rows for st in acts.statuses]
        scope_a = (ActivityCompletion.course_id == course_id) & ActivityCompletion.user_id.in_(users)
        counts.update(upsert_rows(s, ActivityCompletion, acts_rows, scope=scope_a))
        cc_rows = [_course_completion_row(course_id, u, cc) for _, u, _, _, cc in rows
                   if isinstance(cc, m.CourseCompletion)]
        scope_c = (CourseCompletion.course_id == course_id) & CourseCompletion.user_id.in_(users)
        counts.update(upsert_rows(s, CourseCompletion, cc_rows, scope=scope_c))
        counts.update(upsert_rows(s, CourseCompletionInfo, [info_row(course_id, rows, info[course_id])],
                                  scope=CourseCompletionInfo.course_id == course_id))
    return counts


def _group(results: list) -> dict[int, list]:
    out: dict[int, list] = {}
    for r in results:
        out.setdefault(r[0], []).append(r)
    return out


def _course_completion_row(course_id: int, user_id: int, cc: m.CourseCompletion) -> dict:
    crits = cc.completionstatus.completions
    done = [c for c in crits if c.complete]
    times = [c.timecompleted for c in done if c.timecompleted]
    return dict(course_id=course_id, user_id=user_id, completed=cc.completionstatus.completed,
                timecompleted=max(times) if cc.completionstatus.completed and times else None,
                criteria_total=len(crits), criteria_done=len(done))


def info_row(course_id: int, rows: list, error: str | None) -> dict:
    sample = next((cc for *_, cc in rows if isinstance(cc, m.CourseCompletion)), None)
    if sample is None:
        return dict(course_id=course_id, has_criteria=False if error else None, aggregation=None,
                    criteria_count=0, error=error)
    st = sample.completionstatus
    return dict(course_id=course_id, has_criteria=bool(st.completions), aggregation=st.aggregation,
                criteria_count=len(st.completions), error=None)
