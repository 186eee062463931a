"""Fast path: enrolments, last course access and course completion from the participants custom report.

One report (``[moodle] participants_report_id``, see ``connector.moodle.report``) replaces the two
per-course ``core_enrol_get_enrolled_users`` calls and the per-learner course completion calls: its
pages are read in order (a few at a time) and written course by course, so memory stays flat on a
site of any size. The completion resource then only asks Moodle, per learner, for the activity
completion of coordination checkpoints (indicator 13), and once per course whether it has completion
criteria.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select

from connector import errors
from connector.moodle import models as m
from connector.moodle import report as rb
from connector.store.db import transaction
from connector.store.models import (
    CourseCompletion,
    CourseCompletionInfo,
    Enrolment,
    FetchState,
    User,
)
from connector.store.retention import enrolment_retired
from connector.store.upsert import upsert_rows
from connector.sync.context import SyncContext, chunked, save_cursor, save_markers
from connector.sync.resources.catalog import ActiveCourse, active_courses
from connector.sync.resources.completion import (
    LEARNER_ROLE,
    active_learner_rows,
    info_row,
    probe_criteria,
    sync_checkpoints,
)

DIGESTS = "report_rows"  # fetch-state resource: per course, the digest of its report rows last written
DIGEST_VERSION = 1  # bump when the way rows are read changes: every course is read again
PREFETCH_PAGES = 4  # the report's first pages asked for at the start of the run (as many as a read holds)


class ReportChanged(Exception):
    """Rows were added or removed while the pages were read: the offsets moved."""


class ReportPrefetch:
    """The participants report's first pages, asked for when the run starts, while the catalog resources run.

    Moodle builds a report page slowly (a page of 10,000 rows takes longer than the whole catalog on a
    no-change run): the pages are ready when the enrolments resource comes to read them. Page 0 first; once
    it says how many pages there are, the next ones (``PREFETCH_PAGES`` in all, two at a time), so a small
    report costs no extra call. A page's error is raised where the page is read, as if it had been asked for
    then. Calls stay within the client's concurrency (its in-flight limit)."""

    def __init__(self, ctx: SyncContext) -> None:
        self._ctx = ctx
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="report-prefetch")
        self._pages: dict[int, Future[rb.ReportPage]] = {0: self._pool.submit(self._first)}

    def _first(self) -> rb.ReportPage:
        page = fetch_report_page(self._ctx, 0)
        pages = page_count(self._ctx, page)
        with self._lock:  # before page 0 is handed over: whoever reads it finds the next ones asked for
            if self._pool is not None:
                for n in range(1, min(PREFETCH_PAGES, pages)):
                    self._pages[n] = self._pool.submit(fetch_report_page, self._ctx, n)
        return page

    def take(self, page: int) -> Future[rb.ReportPage] | None:
        with self._lock:
            return self._pages.pop(page, None)

    def close(self) -> None:
        """Drop what was not read; a call already under way ends on its own (the run does not wait for it)."""
        with self._lock:
            pool, self._pool = self._pool, None
            self._pages.clear()
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


def drop_report_pages(ctx: SyncContext) -> None:
    """Forget the prefetched pages (the run ends, or the report changed: the retry reads afresh)."""
    if ctx.report_pages is not None:
        ctx.report_pages.close()
        ctx.report_pages = None


def page_count(ctx: SyncContext, first: rb.ReportPage) -> int:
    """How many pages the report has, as its first page says (at least that one)."""
    return max(1, -(-first.data.totalrowcount // ctx.report_page_size))


def read_report_page(ctx: SyncContext, page: int) -> rb.ReportPage:
    """A page of the report: the prefetched one when there is one, else asked for now."""
    prefetched = ctx.report_pages  # read once: the run may drop it meanwhile (the report changed)
    ahead = prefetched.take(page) if prefetched is not None else None
    return ahead.result() if ahead is not None else fetch_report_page(ctx, page)


def fetch_report_page(ctx: SyncContext, page: int) -> rb.ReportPage:
    try:
        payload = ctx.client.call(rb.WSFUNCTION, reportid=ctx.report_id, page=page, perpage=ctx.report_page_size)
    except errors.MoodleError as exc:
        fix = rb.access_fix(ctx.report_id, exc.errorcode)
        if fix:
            raise errors.ConfigError(fix) from None
        raise
    return rb.parse_report_page(payload)


def iter_report_rows(ctx: SyncContext) -> Iterator[list]:
    """Every row, page after page in order; pages are fetched a few at a time (the client's concurrency)."""
    first = read_report_page(ctx, 0)
    total = first.data.totalrowcount
    pages = page_count(ctx, first)
    seen = len(first.data.rows)
    yield from (r.get("columns", []) for r in first.data.rows)
    # two pages at a time, the next two already asked for while these are read (four in memory at most)
    windows = chunked(range(1, pages), min(2, ctx.client.concurrency))
    for _, window in ctx.client.map_ahead(lambda n: read_report_page(ctx, n), windows):
        for page in window:
            if page.data.totalrowcount != total:
                raise ReportChanged
            seen += len(page.data.rows)
            yield from (r.get("columns", []) for r in page.data.rows)
    if seen != total:
        raise ReportChanged


def rows_digest(rows: list[list], timezone: str) -> str:
    """What a course's report rows say, as read (the timezone changes how their dates read)."""
    h = hashlib.blake2b(f"{DIGEST_VERSION}|{timezone}".encode(), digest_size=16)
    for cells in rows:
        h.update("\x1f".join("\x00" if c is None else str(c) for c in cells).encode())
        h.update(b"\x1e")
    return h.hexdigest()


def iter_courses(ctx: SyncContext, known: Callable[[int, str], bool]
                 ) -> Iterator[tuple[int, dict[int, rb.Participant] | None, str]]:
    """(course id, its participants, digest of its rows) as the sorted rows stream in; participants are None
    (their rows not even parsed) when ``known(course id, digest)`` says they are the ones last written."""
    tz = ZoneInfo(ctx.report_timezone)

    def course(cid: int, rows: list[list]) -> tuple[int, dict[int, rb.Participant] | None, str]:
        digest = rows_digest(rows, ctx.report_timezone)
        if known(cid, digest):
            return cid, None, digest
        people: dict[int, rb.Participant] = {}
        for cells in rows:
            rb.merge_row(cells, tz, people)
        rb.check_rows(people.values())
        return cid, people, digest

    current, rows, done = None, [], set()
    for cells in iter_report_rows(ctx):
        cid = rb.course_of(cells)
        if cid != current:
            if current is not None:
                yield course(current, rows)
                done.add(current)
            if cid in done:
                raise rb.ReportError("the rows of a course are not together in the participants report: sort it "
                                     "by 'Course short name with link' first (see `qualiopi-sync doctor`)",
                                     wsfunction=rb.WSFUNCTION)
            current, rows = cid, []
        rows.append(cells)
    if current is not None:
        yield course(current, rows)


def sync_enrolments(ctx: SyncContext, run_id: int) -> Counter[str]:
    for attempt in (1, 2):
        try:
            return _sync_enrolments(ctx, run_id)
        except ReportChanged:
            drop_report_pages(ctx)  # pages read before the change: none of them is kept
            if attempt == 2:
                raise errors.TransportError(
                    "the participants report changed while it was read, twice (enrolments added or removed "
                    "meanwhile): nothing written; retry later", wsfunction=rb.WSFUNCTION) from None
    raise AssertionError("unreachable")  # pragma: no cover


def _sync_enrolments(ctx: SyncContext, run_id: int) -> Counter[str]:
    store = {c.id: c for c in active_courses(ctx, people=True)}
    written = {} if ctx.full else ctx.markers(DIGESTS)
    # how a course's rows are written also depends on its completion setting (progress, course completion)
    marker = lambda cid, digest: f"{digest}:{int(bool(store[cid].enablecompletion))}"
    known = lambda cid, digest: cid in store and written.get(str(cid)) == marker(cid, digest)
    counts: Counter[str] = Counter()
    seen: set[int] = set()
    digests: dict[str, str] = {}
    with transaction(ctx.sessions) as s:
        batch: list[tuple[int, dict[int, rb.Participant]]] = []
        size = 0
        for cid, people, digest in iter_courses(ctx, known):
            if cid not in store:
                continue  # created after the courses resource ran, or outside [sync] course_ids
            seen.add(cid)
            if people is None:
                continue  # its rows are the ones last written
            digests[str(cid)] = marker(cid, digest)
            batch.append((cid, people))
            size += len(people)
            if size >= ctx.chunk_rows:
                counts.update(_write(s, ctx, batch, store))
                batch, size = [], 0
        missing = [(cid, {}) for cid in store if cid not in seen]  # courses the report does not list
        counts.update(_write(s, ctx, batch + missing, store))
        s.execute(delete(FetchState).where(FetchState.resource == DIGESTS,
                                           FetchState.key.in_([str(cid) for cid, _ in missing] or ["-"])))
        save_markers(s, DIGESTS, digests)
        save_cursor(s, "enrolments", ctx.now, run_id)
    return counts


def _write(s, ctx: SyncContext, batch: list, store: dict[int, ActiveCourse]) -> Counter[str]:
    counts: Counter[str] = Counter()
    if not batch:
        return counts
    ids = [cid for cid, _ in batch]
    if not ctx.full:
        _refuse_emptied(s, [cid for cid, people in batch if not people])
    users, enrol, done = {}, [], []
    retired = ctx.retired_before
    for cid, people in batch:
        tracked = store[cid].enablecompletion
        for p in people.values():
            if retired and enrolment_retired(p.timeend, retired):
                continue  # ended before the retention cut-off: purged, not brought back
            users[p.user_id] = dict(id=p.user_id, username=p.username, fullname=p.fullname, idnumber=p.idnumber)
            # Moodle writes 0 % for teachers and where completion is off: no progress at all
            learner = tracked and LEARNER_ROLE in p.roles
            enrol.append(dict(course_id=cid, user_id=p.user_id, roles=sorted(p.roles), status=p.status,
                              timestart=p.timestart, timeend=p.timeend, lastcourseaccess=p.lastcourseaccess,
                              groups=sorted(p.groups), progress=p.progress if learner else None))
            if learner:
                done.append(dict(course_id=cid, user_id=p.user_id, completed=p.completed,
                                 timecompleted=p.timecompleted if p.completed else None,
                                 criteria_total=0, criteria_done=0))
    # identity only: the site-wide last access is not in the report and keeps its stored value
    counts.update(upsert_rows(s, User, list(users.values()), scope=User.id.in_(list(users) or [-1]),
                              delete_missing=False))
    counts.update(upsert_rows(s, Enrolment, enrol, scope=Enrolment.course_id.in_(ids), now=ctx.now))
    counts.update(upsert_rows(s, CourseCompletion, done, scope=CourseCompletion.course_id.in_(ids)))
    return counts


def _refuse_emptied(s, empty: list[int]) -> None:
    """A course listed without anybody while the store has enrolments: a Moodle glitch, not mass unenrolment."""
    if not empty:
        return
    known = s.execute(select(Enrolment.course_id, func.count()).where(
        Enrolment.course_id.in_(empty), Enrolment.deleted_at.is_(None)).group_by(Enrolment.course_id)).first()
    if known:
        raise errors.UnexpectedPayloadError(
            f"the participants report lists course {known[0]} without anybody (the store has {known[1]} "
            "enrolments): kept the last good data; retry later, or run `qualiopi-sync sync --full` if the "
            "course was really emptied", wsfunction=rb.WSFUNCTION)


# ------------------------------------------------------------------ completion (fast path)
def covering_learners(enrolled: list[tuple[int, int]]) -> list[int]:
    """Few learners whose courses, together, include every course listed (greedy, most courses first)."""
    by_user: dict[int, set[int]] = {}
    for course_id, user_id in enrolled:
        by_user.setdefault(user_id, set()).add(course_id)
    left = {c for c, _ in enrolled}
    chosen = []
    for user_id in sorted(by_user, key=lambda u: (-len(by_user[u]), u)):
        if by_user[user_id] & left:
            chosen.append(user_id)
            left -= by_user[user_id]
            if not left:
                break
    return chosen


def criteria_of_learners_courses(ctx: SyncContext, enrolled: list[tuple[int, int]]) -> dict[int, bool]:
    """Whether each of these courses has completion criteria, from ``core_enrol_get_users_courses`` of a few of
    their learners (all of a learner's courses in one call) instead of one probe per course.

    A course Moodle leaves out of the answer (an enrolment ended meanwhile, a profile the sync user may not
    view), or answers without completion data (``completed`` null where completion is on: the sync user may not
    view completion, and ``completionhascriteria`` would read false) is not decided here: it is probed."""
    wanted = {c for c, _ in enrolled}
    out: dict[int, bool] = {}
    for _, got in ctx.client.map_ahead(lambda u: m.parse_users_courses(ctx.client.call(
            "core_enrol_get_users_courses", userid=u, returnusercount=0)), chunked(covering_learners(enrolled), 200)):
        for courses in got:
            for uc in courses:
                if uc.id in wanted and uc.id not in out and uc.enablecompletion and uc.completed is not None:
                    out[uc.id] = bool(uc.completionhascriteria)
    return out


def sync_completion(ctx: SyncContext, run_id: int) -> Counter[str]:
    """Completion criteria of courses new or changed since their last probe; checkpoint activity completion."""
    courses = [c for c in active_courses(ctx, people=True) if c.enablecompletion]
    probed = ctx.markers("criteria")
    todo = [c for c in courses if ctx.full or probed.get(str(c.id)) != c.record_hash]
    with ctx.sessions() as s:
        enrolled = [(c, u) for c, u, _, _ in active_learner_rows(s, [c.id for c in todo])]
    first: dict[int, int] = {}
    for c, u in enrolled:
        first.setdefault(c, u)
    probes: list[tuple[ActiveCourse, dict]] = []  # (course, its info row)
    known = criteria_of_learners_courses(ctx, enrolled)
    for c in todo:
        if c.id in known:
            probes.append((c, dict(course_id=c.id, has_criteria=known[c.id], aggregation=None, criteria_count=0,
                                   error=None)))
    for part in chunked([c for c in todo if c.id in first and c.id not in known], 200):  # one call per course
        for c, cc in ctx.client.map(lambda c: (c, probe_criteria(ctx, c.id, first[c.id])), part):
            if cc != "usernotenroled":  # the learner left meanwhile: probe again next run
                probes.append((c, info_row(c.id, cc)))
    counts: Counter[str] = Counter()
    with transaction(ctx.sessions) as s:
        rows = [row for _, row in probes]
        counts.update(upsert_rows(s, CourseCompletionInfo, rows,
                                  scope=CourseCompletionInfo.course_id.in_([r["course_id"] for r in rows] or [-1])))
        counts.update(sync_checkpoints(ctx, s, [c.id for c in courses]))
        save_markers(s, "criteria", {str(c.id): c.record_hash for c, _ in probes})
        save_cursor(s, "completion", ctx.now, run_id)
    return counts
