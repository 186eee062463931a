"""Retention (RGPD): what the store keeps about people, and for how long.

Personal data is kept while it serves the provider's evidence: for ``[retention] months`` after the
enrolment, the course or the contract ended. Past that, ``purge`` removes it and the sync stops bringing it
back (``retired_courses``, ``enrolment_retired``):

- enrolments ended before the cut-off (course end date, enrolment end date, unenrolment, deleted course),
  with their activity and course completion;
- people left with no enrolment and no contract within the period (name, username, idnumber, last access);
- contracts ended before the cut-off;
- survey answers older than the cut-off or of a retired course: the link to the person is removed (the
  answer stays, anonymous, for the figures);
- complaints-forum discussions whose last post is older than the cut-off;
- notes on learners older than the cut-off, of a retired course, or on a person removed;
- exam results of an exam held before the cut-off lose the link to their learner (still counted);
- findings of evaluations older than the cut-off (they may name learners): the evaluation keeps its status,
  risk, summary and figures, so trends stay.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, fields

from sqlalchemy import ColumnElement, Text, and_, cast, delete, or_, select, update
from sqlalchemy.orm import Session

from connector.store.models import (
    ActivityCompletion,
    Contract,
    Course,
    CourseCompletion,
    CourseNote,
    Enrolment,
    Evaluation,
    ExamResult,
    Feedback,
    FeedbackNonRespondent,
    FeedbackResponse,
    ForumDiscussion,
    User,
    VerdictRow,
)

ANONYMOUS = "(anonymisé)"  # an exam result past retention: still counted, no longer linked to its learner


def cutoff(now: int, months: int) -> int:
    """``now`` minus ``months`` calendar months (UTC; the 31st becomes the month's last day)."""
    d = dt.datetime.fromtimestamp(now, dt.UTC)
    index = d.year * 12 + d.month - 1 - months
    year, month = divmod(index, 12)
    day = min(d.day, calendar.monthrange(year, month + 1)[1])
    return int(d.replace(year=year, month=month + 1, day=day).timestamp())


def course_retired(before: int) -> ColumnElement[bool]:
    """A course that ended (or was deleted in Moodle) before the cut-off: its people are no longer synced."""
    return or_(and_(Course.enddate > 0, Course.enddate < before),
               and_(Course.deleted_at.is_not(None), Course.deleted_at < before))


def retired_courses(session: Session, before: int) -> set[int]:
    return set(session.scalars(select(Course.id).where(course_retired(before))))


def enrolment_retired(timeend: int | None, before: int | None) -> bool:
    """An enrolment whose end date is older than the cut-off (the sync does not bring it back)."""
    return bool(before and timeend and 0 < timeend < before)


@dataclass(frozen=True)
class PurgeResult:
    cutoff: int
    enrolments: int = 0
    completions: int = 0
    users: int = 0
    contracts: int = 0
    survey_answers_unlinked: int = 0
    discussions: int = 0
    evaluations_stripped: int = 0
    notes: int = 0
    results_unlinked: int = 0

    @property
    def total(self) -> int:
        return sum(getattr(self, f.name) for f in fields(self) if f.name != "cutoff")


def purge(session: Session, before: int) -> PurgeResult:
    """Remove what is older than ``before`` (see the module's docstring); the caller commits (or, for a dry
    run, rolls back) and holds the run lock."""
    retired = retired_courses(session, before)
    ended = session.execute(select(Enrolment.course_id, Enrolment.user_id).where(or_(
        Enrolment.course_id.in_(retired or [-1]),
        and_(Enrolment.timeend > 0, Enrolment.timeend < before),
        and_(Enrolment.deleted_at.is_not(None), Enrolment.deleted_at < before)))).all()
    by_course: dict[int, list[int]] = {}
    for cid, uid in ended:
        by_course.setdefault(cid, []).append(uid)
    enrolments = completions = 0
    for cid, uids in by_course.items():
        for model in (ActivityCompletion, CourseCompletion):
            completions += session.execute(delete(model).where(
                model.course_id == cid, model.user_id.in_(uids))).rowcount
        enrolments += session.execute(delete(Enrolment).where(
            Enrolment.course_id == cid, Enrolment.user_id.in_(uids))).rowcount
    for model in (ActivityCompletion, CourseCompletion):  # left by enrolments already gone from the store
        completions += session.execute(delete(model).where(model.course_id.in_(retired or [-1]))).rowcount
    contracts = session.execute(delete(Contract).where(Contract.end < before)).rowcount
    kept = select(Enrolment.user_id).union(select(Contract.user_id))
    gone = list(session.scalars(select(User.id).where(User.id.not_in(kept))))
    unlinked = 0
    if gone:
        for model in (ActivityCompletion, CourseCompletion):
            completions += session.execute(delete(model).where(model.user_id.in_(gone))).rowcount
        unlinked += session.execute(update(FeedbackResponse).where(FeedbackResponse.user_id.in_(gone))
                                    .values(user_id=None)).rowcount
        session.execute(update(ExamResult).where(ExamResult.user_id.in_(gone)).values(user_id=None))
        session.execute(delete(User).where(User.id.in_(gone)))
    unlinked += session.execute(update(FeedbackResponse).where(FeedbackResponse.user_id.is_not(None), or_(
        FeedbackResponse.timemodified < before,
        FeedbackResponse.feedback_id.in_(select(Feedback.id).where(Feedback.course_id.in_(retired or [-1])))))
        .values(user_id=None)).rowcount
    session.execute(delete(FeedbackNonRespondent).where(or_(  # Moodle's lists of whom to remind: names only
        FeedbackNonRespondent.user_id.not_in(select(User.id)),
        FeedbackNonRespondent.feedback_id.in_(select(Feedback.id).where(Feedback.course_id.in_(retired or [-1]))))))
    discussions = session.execute(delete(ForumDiscussion).where(ForumDiscussion.timemodified < before)).rowcount
    notes = session.execute(delete(CourseNote).where(or_(
        CourseNote.lastmodified < before, CourseNote.course_id.in_(retired or [-1]),
        CourseNote.user_id.not_in(select(User.id))))).rowcount
    results = session.execute(update(ExamResult).where(ExamResult.exam_date < before, ExamResult.user_id.is_not(None)
                                                        | (ExamResult.learner != ANONYMOUS))
                              .values(user_id=None, learner=ANONYMOUS)).rowcount  # counted, no longer named
    old = select(Evaluation.id).where(Evaluation.data_time < before)
    stripped: set[int] = set()
    for row in session.scalars(select(VerdictRow).where(
            VerdictRow.evaluation_id.in_(old), cast(VerdictRow.findings, Text) != "[]")):
        if row.findings:
            row.findings = []
            stripped.add(row.evaluation_id)
    session.flush()
    return PurgeResult(before, enrolments, completions, len(gone), contracts, unlinked, discussions,
                       len(stripped), notes, results)
