"""Learner completion: the fallback path's per-learner course lists, and both paths' checkpoint activities.

Without the participants report, one ``core_enrol_get_users_courses`` per learner gives, for all of their
courses at once, whether they completed it, their progress (% of tracked activities) and whether the course
has completion criteria: the facts the report gives, at one call per person instead of two per enrolment.
Course completion is probed per enrolment only where that answer does not decide (Moodle left the course out,
or gave no completion: the probe then tells why) or where a completion date is needed (the trainers'
training category, indicator 22). Suspended learners are not asked: Moodle lists active enrolments only, and
no indicator reads a suspended learner's completion. Activity completion is read, on both paths, in courses
holding coordination checkpoints (13) or positioning activities (8) only, and kept there only.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable

from sqlalchemy import delete, func, or_, select, tuple_, update
from sqlalchemy.orm import Session

from connector import errors
from connector.moodle import models as m
from connector.store.db import transaction
from connector.store.models import (
    ActivityCompletion,
    Category,
    Course,
    CourseCompletion,
    CourseCompletionInfo,
    Enrolment,
    FetchState,
    Module,
)
from connector.store.upsert import upsert_rows
from connector.sync.context import SyncContext, chunked, save_cursor, save_markers
from connector.sync.resources.catalog import active_courses

LEARNER_ROLE = "student"
USERS_PER_CHUNK = 200  # learners whose course lists are asked for, then written, before the next ones
LEARNER_COURSES = "learner_courses"  # fetch-state resource: per learner, their enrolments when last read
_SKIP_COURSE = {"nocriteriaset"}  # a course-level fact, not a failure


# ------------------------------------------------------------------ per-enrolment probes
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


def fetch_activities(ctx: SyncContext, course_id: int, user_id: int) -> m.ActivitiesCompletion:
    return m.parse_activities_completion(ctx.client.call(
        "core_completion_get_activities_completion_status", courseid=course_id, userid=user_id))


def course_completion_row(course_id: int, user_id: int, cc: m.CourseCompletion) -> dict:
    crits = cc.completionstatus.completions
    done = [c for c in crits if c.complete]
    times = [c.timecompleted for c in done if c.timecompleted]
    return dict(course_id=course_id, user_id=user_id, completed=cc.completionstatus.completed,
                timecompleted=max(times) if cc.completionstatus.completed and times else None,
                criteria_total=len(crits), criteria_done=len(done))


def info_row(course_id: int, cc: m.CourseCompletion | str) -> dict:
    """Whether a course has completion criteria, from one probe's answer (or its error code)."""
    if not isinstance(cc, m.CourseCompletion):
        error = cc if cc in _SKIP_COURSE else None
        return dict(course_id=course_id, has_criteria=False if error else None, aggregation=None,
                    criteria_count=0, error=error)
    st = cc.completionstatus
    return dict(course_id=course_id, has_criteria=bool(st.completions), aggregation=st.aggregation,
                criteria_count=len(st.completions), error=None)


# ------------------------------------------------------------------ fallback: one call per learner
def _active_learners(session: Session, course_ids: list[int]) -> dict[int, list[tuple[int, int]]]:
    """User → (course, last access) of their active learner enrolments in these courses."""
    out: dict[int, list[tuple[int, int]]] = {}
    for c, u, a, _ in active_learner_rows(session, course_ids):  # by course, then user: each list is sorted
        out.setdefault(u, []).append((c, a or 0))
    return out


def _marker(pairs: list[tuple[int, int]]) -> str:
    return hashlib.blake2b(repr(pairs).encode(), digest_size=12).hexdigest()


def dated_courses(ctx: SyncContext, course_ids: Iterable[int]) -> set[int]:
    """Courses of the trainers' training category and its subcategories: their completion dates are read."""
    cat = ctx.dated_category
    if not cat:
        return set()
    with ctx.sessions() as s:
        cats = {i for i, path in s.execute(select(Category.id, Category.path))
                if i == cat or f"/{cat}/" in f"{path}/"}
        ids = list(course_ids)
        return {i for part in chunked(ids, 500) for i in s.scalars(
            select(Course.id).where(Course.id.in_(part), Course.category_id.in_(cats or [-1])))}


def sync_completion(ctx: SyncContext, run_id: int) -> Counter[str]:
    """Learners whose enrolments moved since their course list was read (all with --full): one call each."""
    courses = [c.id for c in active_courses(ctx, people=True) if c.enablecompletion]
    with ctx.sessions() as s:
        by_user = _active_learners(s, courses)
    since = (ctx.cursor("completion") or 0) - ctx.lookback
    seen = {} if ctx.full else ctx.markers(LEARNER_COURSES)
    todo = [u for u, pairs in sorted(by_user.items())
            if seen.get(str(u)) != _marker(pairs) or any(a >= since for _, a in pairs if a)]
    dated = dated_courses(ctx, courses)
    criteria: dict[int, dict] = {}
    markers: dict[str, str] = {}
    counts: Counter[str] = Counter()
    with transaction(ctx.sessions) as s:
        for users, answers in ctx.client.map_ahead(lambda u: m.parse_users_courses(ctx.client.call(
                "core_enrol_get_users_courses", userid=u, returnusercount=0)), chunked(todo, USERS_PER_CHUNK)):
            facts: dict[tuple[int, int], dict] = {}
            progress: dict[tuple[int, int], float | None] = {}
            probes = []
            for u, answer in zip(users, answers):
                listed = {uc.id: uc for uc in answer}
                for c, _ in by_user[u]:
                    uc = listed.get(c)
                    progress[(c, u)] = uc.progress if uc else None
                    if uc is None or uc.completed is None or (uc.completed and c in dated):
                        probes.append((c, u))
                        continue
                    facts[(c, u)] = dict(course_id=c, user_id=u, completed=uc.completed, timecompleted=None,
                                         criteria_total=0, criteria_done=0)
                    criteria.setdefault(c, _criteria_row(c, bool(uc.completionhascriteria)))
            left = set()
            for (c, u), cc in ctx.client.map(lambda p: (p, probe_criteria(ctx, *p)), probes):
                if isinstance(cc, m.CourseCompletion):
                    facts[(c, u)] = course_completion_row(c, u, cc)
                    criteria.setdefault(c, _criteria_row(c, bool(cc.completionstatus.completions)))
                elif cc == "usernotenroled":
                    left.add(u)  # the enrolment ended meanwhile: this learner is read again next run
                else:
                    criteria[c] = info_row(c, cc)  # nocriteriaset
            pairs = [(c, u) for u in users for c, _ in by_user[u]]
            counts.update(_write_chunk(s, pairs, list(facts.values()), progress))
            markers.update({str(u): _marker(by_user[u]) for u in users if u not in left})
        rows = list(criteria.values())
        counts.update(upsert_rows(s, CourseCompletionInfo, rows,
                                  scope=CourseCompletionInfo.course_id.in_([r["course_id"] for r in rows] or [-1])))
        counts.update(sync_checkpoints(ctx, s, courses))
        if ctx.full:
            s.execute(delete(FetchState).where(FetchState.resource == LEARNER_COURSES))
        save_markers(s, LEARNER_COURSES, markers)
        save_cursor(s, "completion", ctx.now, run_id)
    return counts


def _criteria_row(course_id: int, has: bool) -> dict:
    """Whether a course has completion criteria, in one shape whichever answer told it (stable reruns)."""
    return dict(course_id=course_id, has_criteria=has, aggregation=None, criteria_count=0, error=None)


def _write_chunk(s: Session, pairs: list[tuple[int, int]], rows: list[dict],
                 progress: dict[tuple[int, int], float | None]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for part in chunked(pairs, 2000):
        keys = set(part)
        scope = tuple_(CourseCompletion.course_id, CourseCompletion.user_id).in_(part)
        counts.update(upsert_rows(s, CourseCompletion, [r for r in rows if (r["course_id"], r["user_id"]) in keys],
                                  scope=scope))
        stored = s.execute(select(Enrolment.course_id, Enrolment.user_id, Enrolment.progress).where(
            tuple_(Enrolment.course_id, Enrolment.user_id).in_(part)))
        moved = [dict(course_id=c, user_id=u, progress=progress[(c, u)]) for c, u, p in stored
                 if (c, u) in progress and p != progress[(c, u)]]
        if moved:
            s.execute(update(Enrolment), moved)
            counts["updated"] += len(moved)
    return counts


# ------------------------------------------------------------------ checkpoints (both paths)
def checkpoint_courses(session: Session, pattern: str) -> set[int]:
    """Courses with an activity whose name or idnumber holds one of the substrings (``|`` between them)."""
    patterns = [p for p in pattern.lower().split("|") if p]
    if not patterns:
        return set()
    conds = [func.lower(Module.name).contains(p, autoescape=True) for p in patterns]
    conds += [func.lower(Module.idnumber).contains(p, autoescape=True) for p in patterns]
    return set(session.scalars(select(Module.course_id).where(or_(*conds)).distinct()))


def active_learner_rows(session: Session, course_ids: list[int]) -> list[tuple[int, int, int, float | None]]:
    """(course, user, last access, progress) of the active learners of these courses."""
    out = []
    for ids in chunked(course_ids, 500):
        out += [(c, u, a, p) for c, u, a, p, roles in session.execute(
            select(Enrolment.course_id, Enrolment.user_id, Enrolment.lastcourseaccess, Enrolment.progress,
                   Enrolment.roles).where(Enrolment.course_id.in_(ids), Enrolment.deleted_at.is_(None),
                                          Enrolment.status == "active")
            .order_by(Enrolment.course_id, Enrolment.user_id)) if LEARNER_ROLE in roles]
    return out


def sync_checkpoints(ctx: SyncContext, s: Session, course_ids: list[int]) -> Counter[str]:
    """Activity completion of the active learners of checkpoint and positioning courses whose access or
    progress moved; the activity completion of the other courses of this run is not kept."""
    cp = sorted(checkpoint_courses(s, ctx.checkpoint_pattern) & set(course_ids))
    seen = {} if ctx.full else dict(s.execute(select(FetchState.key, FetchState.marker).where(
        FetchState.resource == "completion")).all())
    learners = [(c, u, f"{a}:{p}") for c, u, a, p in active_learner_rows(s, cp) if seen.get(f"{c}:{u}") != f"{a}:{p}"]
    counts: Counter[str] = Counter()
    for _, fetched in ctx.client.map_ahead(lambda t: (t, fetch_activities(ctx, t[0], t[1])), chunked(learners, 200)):
        by_course: dict[int, list] = {}
        for (c, u, _), acts in fetched:
            by_course.setdefault(c, []).append((u, acts))
        for c, got in by_course.items():
            rows = [dict(course_id=c, user_id=u, cmid=st.cmid, state=st.state, timecompleted=st.timecompleted,
                         tracking=st.tracking) for u, acts in got for st in acts.statuses]
            scope = (ActivityCompletion.course_id == c) & ActivityCompletion.user_id.in_([u for u, _ in got])
            counts.update(upsert_rows(s, ActivityCompletion, rows, scope=scope))
    others = sorted(set(course_ids) - set(cp))
    for part in chunked(others, 500):
        counts["deleted"] += s.execute(delete(ActivityCompletion).where(
            ActivityCompletion.course_id.in_(part))).rowcount or 0
    if ctx.full:
        s.execute(delete(FetchState).where(FetchState.resource == "completion"))
    save_markers(s, "completion", {f"{c}:{u}": mk for c, u, mk in learners})
    return counts
