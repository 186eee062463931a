"""Feedback (mod_feedback) activities, their questions and their responses.

Anonymous feedback stays anonymous: Moodle returns no user for those attempts and
the store keeps no user link for any response of an anonymous feedback.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter

from sqlalchemy import BigInteger, case, cast, func, select

from connector.moodle import models as m
from connector.store.db import transaction
from connector.store.models import (
    Course,
    Enrolment,
    Feedback,
    FeedbackItem,
    FeedbackResponse,
    FeedbackValue,
    Module,
)
from connector.store.upsert import upsert_rows
from connector.sync.context import SyncContext, chunked, save_cursor, save_markers
from connector.sync.resources.catalog import active_courses

BATCH = 200  # course ids per *_by_courses call
PER_CHUNK = 100  # feedbacks whose answers are fetched, then written, before the next ones


def fetch_feedbacks(ctx: SyncContext, course_ids: list[int]) -> list[m.Feedback]:
    # without courseids Moodle answers only for the token user's own courses: always pass them
    out: list[m.Feedback] = []
    for part in chunked(course_ids, BATCH):
        out += m.parse_feedbacks(ctx.client.call("mod_feedback_get_feedbacks_by_courses", courseids=list(part)))
    return out


def fetch_items(ctx: SyncContext, feedback_id: int) -> list[m.FeedbackItem]:
    return m.parse_feedback_items(ctx.client.call("mod_feedback_get_items", feedbackid=feedback_id))


def fetch_responses(ctx: SyncContext, feedback_id: int) -> m.ResponsesAnalysis:
    return m.parse_responses_analysis(
        ctx.client.call("mod_feedback_get_responses_analysis", feedbackid=feedback_id))


def course_access(ctx: SyncContext) -> dict[int, int]:
    """The last access of anybody to each course (answering, posting or writing a note means accessing it)."""
    with ctx.sessions() as s:
        return dict(s.execute(
            select(Enrolment.course_id, func.max(Enrolment.lastcourseaccess))
            .where(Enrolment.deleted_at.is_(None)).group_by(Enrolment.course_id)
        ).all())


def completion_signals(ctx: SyncContext, courses: list[int]) -> dict[int, str]:
    """Per course, what moves when a survey that completes on submission gets an answer: the progress of its
    learners (a checksum of who is past 0 % and where) and the last access of everybody Moodle gives no
    progress for (teachers; everyone where completion is off or the participants report is not used)."""
    weight = cast(func.round(Enrolment.progress * 10), BigInteger) * (Enrolment.user_id % 10007 + 1)
    progressed = Enrolment.progress > 0
    out: dict[int, str] = {}
    with ctx.sessions() as s:
        for part in chunked(courses, 500):
            out.update({cid: f"c{n}:{total or 0}:{untracked or 0}" for cid, n, total, untracked in s.execute(
                select(Enrolment.course_id, func.count(case((progressed, 1))), func.sum(case((progressed, weight))),
                       func.max(case((Enrolment.progress.is_(None), Enrolment.lastcourseaccess))))
                .where(Enrolment.deleted_at.is_(None), Enrolment.course_id.in_(part))
                .group_by(Enrolment.course_id))})
    return out


def activity_courses(ctx: SyncContext, modname: str) -> tuple[list[int], dict[int, int]]:
    """Courses holding a module of this kind, and the last access of anybody to each course."""
    with ctx.sessions() as s:
        courses = s.scalars(
            select(Module.course_id).join(Course, Course.id == Module.course_id)
            .where(Module.modname == modname, Course.deleted_at.is_(None))
            .distinct().order_by(Module.course_id)
        ).all()
    access = course_access(ctx)
    if ctx.course_ids:
        courses = [c for c in courses if c in ctx.course_ids]
    if ctx.retired_before:  # ended before the retention cut-off: its answers are not brought back
        kept = {c.id for c in active_courses(ctx, people=True)}
        courses = [c for c in courses if c in kept]
    return list(courses), access


def to_list(ctx: SyncContext, courses: list[int], resource: str) -> tuple[list[int], dict[str, str]]:
    """Courses whose list of surveys (or forums) must be asked again — all on a full run, else those whose
    course record changed since their list was last read — and the markers to save once it is written."""
    with ctx.sessions() as s:
        hashes = {cid: h for cid, h in s.execute(select(Course.id, Course.record_hash).where(
            Course.id.in_(courses or [-1])))}
    seen = ctx.markers(resource)
    listed = [c for c in courses if ctx.full or seen.get(f"list:{c}") != hashes.get(c)]
    return listed, {f"list:{c}": hashes[c] for c in listed if c in hashes}


def _hash(obj: m.Feedback) -> str:
    return hashlib.sha256(json.dumps(obj.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()[:32]


def sync_feedback(ctx: SyncContext, run_id: int) -> Counter[str]:
    """Surveys of edited courses; answers of surveys that may have new ones since they were last read.

    Answering a survey means accessing its course: a survey's answers are read again when the last
    access to its course moved since they were read (the marker), or on a full run. A survey that is
    complete once answered (``completionsubmit``), and answered once per person, has a sharper signal:
    an answer completes the activity, so the learner's progress moves. Its answers are read again when a
    learner's progress moved, or when somebody without progress (a teacher; anybody where completion is off
    or without the participants report) came to the course; a learner who merely opened it moves neither.
    """
    courses, access = activity_courses(ctx, "feedback")
    listed, list_markers = to_list(ctx, courses, "feedback")
    feedbacks = fetch_feedbacks(ctx, listed) if listed else []
    seen = ctx.markers("feedback")
    with ctx.sessions() as s:  # surveys of courses whose list was not asked again: as stored
        known = s.execute(select(Feedback.id, Feedback.course_id, Feedback.anonymous, Feedback.completionsubmit,
                                 Feedback.multiple_submit).where(
            Feedback.course_id.in_(courses or [-1]), Feedback.course_id.notin_(listed or [-1]))).all()
    everyone = [(f.id, f.course) for f in feedbacks] + [(fid, cid) for fid, cid, *_ in known]
    by_completion = {f.id for f in feedbacks if f.completionsubmit and f.multiple_submit is False} | {
        fid for fid, _, _, done, again in known if done and again is False}
    progress = completion_signals(ctx, sorted({cid for fid, cid in everyone if fid in by_completion}))

    def signal(fid: int, cid: int) -> str:
        return progress.get(cid, "c0:0:0") if fid in by_completion else str(access.get(cid, 0))

    item_todo = [f for f in feedbacks if ctx.full or seen.get(f"items:{f.id}") != _hash(f)]
    resp_todo = [(fid, cid) for fid, cid in everyone if ctx.full or seen.get(f"responses:{fid}") != signal(fid, cid)]
    anonymous = {f.id: f.anonymous == 1 for f in feedbacks} | {fid: anon for fid, _, anon, *_ in known}
    counts: Counter[str] = Counter()
    with transaction(ctx.sessions) as s:
        rows = [dict(id=f.id, course_id=f.course, cmid=f.coursemodule, name=f.name, anonymous=f.anonymous == 1,
                     timeopen=f.timeopen or None, timeclose=f.timeclose or None,
                     completionsubmit=f.completionsubmit, multiple_submit=f.multiple_submit) for f in feedbacks]
        if listed:
            counts.update(upsert_rows(s, Feedback, rows, scope=Feedback.course_id.in_(listed)))
        # a chunk's surveys are written together: one select and one insert per table and chunk, not per survey
        for part, got in ctx.client.map_ahead(lambda f: (f.id, fetch_items(ctx, f.id)), chunked(item_todo, PER_CHUNK)):
            irows = [dict(id=i.id, feedback_id=fid, label=i.label, name=i.name, typ=i.typ,
                          presentation=i.presentation, position=i.position, required=i.required)
                     for fid, its in got for i in its]
            counts.update(upsert_rows(s, FeedbackItem, irows, scope=FeedbackItem.feedback_id.in_([f.id for f in part])))
        for part, got in ctx.client.map_ahead(lambda t: (t[0], fetch_responses(ctx, t[0])),
                                              chunked(resp_todo, PER_CHUNK)):
            rrows, vrows = [], []
            for fid, analysis in got:
                responses, values = _response_rows(fid, analysis, anonymous[fid], ctx.retired_before)
                rrows += responses
                vrows += values
            fids = [fid for fid, _ in part]
            counts.update(upsert_rows(s, FeedbackResponse, rrows, scope=FeedbackResponse.feedback_id.in_(fids)))
            counts.update(upsert_rows(s, FeedbackValue, vrows, scope=FeedbackValue.feedback_id.in_(fids)))
        markers = {**list_markers, **{f"items:{f.id}": _hash(f) for f in item_todo}}
        markers.update({f"responses:{fid}": signal(fid, cid) for fid, cid in resp_todo})
        save_markers(s, "feedback", markers)
        save_cursor(s, "feedback", ctx.now, run_id)
    return counts


def _response_rows(fid: int, analysis: m.ResponsesAnalysis, anonymous: bool,
                   retired_before: int | None = None) -> tuple[list, list]:
    """Answers as rows; an answer older than the retention cut-off is kept unlinked from its person."""
    rrows, vrows = [], []
    attempts = [(a.id, None if anonymous or (retired_before and (a.timemodified or 0) < retired_before)
                 else a.userid, a.timemodified or None, a.responses) for a in analysis.attempts]
    attempts += [(a.id, None, None, a.responses) for a in analysis.anonattempts]
    for rid, user_id, modified, responses in attempts:
        rrows.append(dict(id=rid, feedback_id=fid, user_id=user_id, timemodified=modified))
        vrows += [dict(response_id=rid, item_id=v.id, feedback_id=fid, rawval=v.rawval, printval=v.printval)
                  for v in responses]
    return rrows, vrows
