"""Read-side queries for the CLI (status, demo summary) and the tests."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connector.store.models import (
    Category,
    Course,
    CourseCompletion,
    CourseCompletionInfo,
    Enrolment,
    Feedback,
    FeedbackResponse,
    SyncRun,
)


def has_synced(session: Session) -> bool:
    """At least one sync run ended ok: there is something to evaluate."""
    return session.scalar(select(SyncRun.id).where(SyncRun.status == "ok").limit(1)) is not None


def enrolment_counts(session: Session) -> dict[int, int]:
    """Enrolments per course (how much an evaluation of the course reads)."""
    return dict(session.execute(select(Enrolment.course_id, func.count()).where(Enrolment.deleted_at.is_(None))
                                .group_by(Enrolment.course_id)).all())


def load_runs(session: Session, limit: int = 10) -> list[SyncRun]:
    return list(session.scalars(select(SyncRun).order_by(SyncRun.id.desc()).limit(limit)))


@dataclass(frozen=True)
class CourseFacts:
    id: int
    shortname: str
    category: str
    visible: bool
    students: int  # student-role enrolments, suspended included
    suspended: int
    never_accessed: int  # active learners with lastcourseaccess 0
    inactive_30: int  # active learners last seen in the course more than 30 days ago
    completed: int
    in_progress: int
    not_started: int
    feedback_named: int
    feedback_anonymous: int


def load_course_facts(session: Session, now: int) -> list[CourseFacts]:
    cats = dict(session.execute(select(Category.id, Category.name)).all())
    out = []
    courses = session.scalars(select(Course).where(Course.deleted_at.is_(None)).order_by(Course.id))
    for c in courses:
        enrols = [e for e in session.scalars(select(Enrolment).where(
            Enrolment.course_id == c.id, Enrolment.deleted_at.is_(None))) if "student" in e.roles]
        active = [e for e in enrols if e.status == "active"]
        # a course without completion criteria has no course completion to tell, whatever Moodle stores
        no_criteria = session.scalar(select(CourseCompletionInfo.has_criteria)
                                     .where(CourseCompletionInfo.course_id == c.id)) is False
        rows = [] if no_criteria else session.execute(
            select(CourseCompletion.user_id, CourseCompletion.completed, CourseCompletion.criteria_done)
            .where(CourseCompletion.course_id == c.id)).all()
        done = {u: d for u, d, _ in rows}
        # started: a criterion met (course completion read per learner) or a tracked activity done (progress)
        moved = set() if no_criteria else {e.user_id for e in enrols if e.progress} | {u for u, _, n in rows if n}
        fb = session.execute(
            select(Feedback.anonymous, func.count(FeedbackResponse.id))
            .join(FeedbackResponse, FeedbackResponse.feedback_id == Feedback.id)
            .where(Feedback.course_id == c.id).group_by(Feedback.anonymous)
        ).all()
        fbd = {bool(a): n for a, n in fb}
        out.append(CourseFacts(
            id=c.id, shortname=c.shortname, category=cats.get(c.category_id, "?"), visible=c.visible,
            students=len(enrols), suspended=len(enrols) - len(active),
            never_accessed=sum(e.lastcourseaccess == 0 for e in active),
            inactive_30=sum(0 < e.lastcourseaccess < now - 30 * 86400 for e in active),
            completed=sum(bool(done.get(e.user_id)) for e in enrols),
            in_progress=sum(not done.get(e.user_id) and e.user_id in moved for e in enrols),
            not_started=sum(e.user_id in done and not done[e.user_id] and e.user_id not in moved for e in enrols),
            feedback_named=fbd.get(False, 0), feedback_anonymous=fbd.get(True, 0),
        ))
    return out


def count_learners(session: Session, apart: Iterable[int] = ()) -> int:
    """Distinct users holding a student role in at least one course (courses ``apart`` not counted)."""
    rows = session.execute(select(Enrolment.user_id, Enrolment.roles).where(
        Enrolment.deleted_at.is_(None), Enrolment.course_id.not_in(list(apart) or [-1])))
    return len({u for u, roles in rows if "student" in roles})
