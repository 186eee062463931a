"""Who has not answered a named survey yet: Moodle's own list (``mod_feedback_get_non_respondents``).

Only named surveys of running courses, still open, are asked about: the list feeds the teachers' reminders
(indicator 30), and a closed survey or an ended course has nobody left to remind. One call per survey, not
paged (Moodle's ``perpage`` 0 is everybody; a course holds a few hundred learners at most), and only when
the survey is new to the list, or when its number of answers (as the feedback resource just read them) or
its course's number of enrolments moved since the list was read (an answer leaves the list; a new learner
joins it), or on a full run. A learner who opens the survey without sending it moves neither: Moodle's
« began without sending » shows from the next change of that survey on.

Moodle's list also holds suspended learners (recorded); evaluation keeps the active ones. A survey Moodle
calls anonymous (errorcode ``anonymous``: made anonymous since it was listed) has no list. Lists of surveys
that left the scope (closed, course ended, deleted, made anonymous) are dropped with their markers.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import delete, func, select, update

from connector import errors
from connector.moodle import models as m
from connector.store.db import transaction
from connector.store.models import Course, FeedbackNonRespondent, FeedbackResponse, FetchState
from connector.store.models import Feedback as FeedbackRow
from connector.store.queries import enrolment_counts
from connector.store.upsert import upsert_rows
from connector.sync.context import SyncContext, chunked, save_cursor, save_markers

RESOURCE = "non_respondents"
PER_CHUNK = 100


def fetch_non_respondents(ctx: SyncContext, feedback_id: int) -> m.NonRespondents | None:
    """None when Moodle says the survey is anonymous: nobody can be named."""
    try:
        return m.parse_non_respondents(ctx.client.call("mod_feedback_get_non_respondents", feedbackid=feedback_id))
    except errors.MoodleError as exc:
        if exc.errorcode == "anonymous":
            return None
        raise


def open_named_surveys(ctx: SyncContext) -> list[tuple[int, int]]:
    """(survey, course) of the named surveys still open in running courses."""
    with ctx.sessions() as s:
        rows = s.execute(
            select(FeedbackRow.id, FeedbackRow.course_id).join(Course, Course.id == FeedbackRow.course_id)
            .where(FeedbackRow.anonymous.is_(False), Course.deleted_at.is_(None),
                   (Course.enddate == 0) | (Course.enddate >= ctx.now),
                   FeedbackRow.timeclose.is_(None) | (FeedbackRow.timeclose >= ctx.now))
            .order_by(FeedbackRow.id)).all()
    return [(fid, cid) for fid, cid in rows if not ctx.course_ids or cid in ctx.course_ids]


def answer_counts(ctx: SyncContext, feedback_ids: list[int]) -> dict[int, int]:
    with ctx.sessions() as s:
        out: dict[int, int] = {}
        for part in chunked(feedback_ids, 500):
            out.update(s.execute(select(FeedbackResponse.feedback_id, func.count())
                                 .where(FeedbackResponse.feedback_id.in_(part))
                                 .group_by(FeedbackResponse.feedback_id)).all())
        return out


def sync_non_respondents(ctx: SyncContext, run_id: int) -> Counter[str]:
    surveys = open_named_surveys(ctx)
    with ctx.sessions() as s:
        enrolled = enrolment_counts(s)
    answers = answer_counts(ctx, [fid for fid, _ in surveys])
    marker = {fid: f"{answers.get(fid, 0)}:{enrolled.get(cid, 0)}" for fid, cid in surveys}
    seen = ctx.markers(RESOURCE)
    todo = [fid for fid, _ in surveys if ctx.full or seen.get(str(fid)) != marker[fid]]
    counts: Counter[str] = Counter()
    with transaction(ctx.sessions) as s:
        if not ctx.course_ids:  # a run limited to some courses leaves the others' lists alone
            kept = [fid for fid, _ in surveys] or [-1]
            counts["deleted"] += s.execute(delete(FeedbackNonRespondent).where(
                FeedbackNonRespondent.feedback_id.not_in(kept))).rowcount
            s.execute(delete(FetchState).where(FetchState.resource == RESOURCE,
                                               FetchState.key.not_in([str(f) for f in kept])))
            s.execute(update(FeedbackRow).where(FeedbackRow.id.not_in(kept), FeedbackRow.non_respondents_read)
                      .values(non_respondents_read=False))
        for part, got in ctx.client.map_ahead(lambda f: (f, fetch_non_respondents(ctx, f)), chunked(todo, PER_CHUNK)):
            rows, anonymous = [], []  # a chunk's surveys written together, not one statement per survey
            for fid, answer in got:
                if answer is None:
                    anonymous.append(fid)
                else:
                    rows += [dict(feedback_id=fid, user_id=u.userid, started=u.started) for u in answer.users]
            counts.update(upsert_rows(s, FeedbackNonRespondent, rows,
                                      scope=FeedbackNonRespondent.feedback_id.in_(list(part))))
            if anonymous:
                s.execute(update(FeedbackRow).where(FeedbackRow.id.in_(anonymous)).values(anonymous=True))
            s.execute(update(FeedbackRow).where(FeedbackRow.id.in_(list(part)), FeedbackRow.non_respondents_read
                                                .is_(False)).values(non_respondents_read=True))
        save_markers(s, RESOURCE, {str(fid): marker[fid] for fid in todo})
        save_cursor(s, RESOURCE, ctx.now, run_id)
    return counts
