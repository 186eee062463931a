"""Read the store into the frozen snapshots the evaluators take (the only SQL feeding `mappings`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from connector.store.models import (
    ActivityCompletion,
    Category,
    Contract,
    Course,
    CourseCompletion,
    CourseCompletionInfo,
    CourseCustomField,
    Enrolment,
    Feedback,
    FeedbackItem,
    FeedbackResponse,
    FeedbackValue,
    Forum,
    ForumDiscussion,
    Module,
    RncpFiche,
    Section,
    User,
)
from mappings.model import (
    ContractSnap,
    CourseSnap,
    DiscussionSnap,
    FeedbackItemSnap,
    FeedbackSnap,
    ForumSnap,
    LearnerSnap,
    ModuleSnap,
    ResponseSnap,
    RncpFicheSnap,
    SectionSnap,
    StaffSnap,
)
from mappings.programmes import CategoryRef, CourseRef


def load_category_refs(session: Session) -> dict[int, CategoryRef]:
    rows = session.scalars(select(Category).where(Category.deleted_at.is_(None)))
    return {c.id: CategoryRef(c.id, c.idnumber, c.path) for c in rows}


def _fields(session: Session, ids: Iterable[int] | None = None) -> dict[int, dict[str, str | None]]:
    stmt = select(CourseCustomField)
    if ids is not None:
        stmt = stmt.where(CourseCustomField.course_id.in_(list(ids)))
    out: dict[int, dict[str, str | None]] = defaultdict(dict)
    for f in session.scalars(stmt):
        out[f.course_id][f.shortname] = f.valueraw if f.type in ("checkbox", "select") else f.value
    return out


def load_course_refs(session: Session) -> list[CourseRef]:
    fields = _fields(session)
    rows = session.scalars(select(Course).where(Course.deleted_at.is_(None)).order_by(Course.id))
    return [CourseRef(c.id, c.shortname, c.idnumber, c.category_id, fields.get(c.id, {})) for c in rows]


def load_courses(session: Session, ids: list[int], base_url: str = "") -> list[CourseSnap]:
    """Everything the evaluators need about these courses, in a few queries per course."""
    fields = _fields(session, ids)
    out = []
    for c in session.scalars(select(Course).where(Course.id.in_(ids)).order_by(Course.id)):
        enrolments = _enrolments(session, c.id)  # read once, split into learners and staff
        out.append(CourseSnap(
            id=c.id, shortname=c.shortname, fullname=c.fullname, category_id=c.category_id, summary=c.summary,
            summaryformat=c.summaryformat, startdate=c.startdate, enddate=c.enddate, visible=c.visible,
            enablecompletion=c.enablecompletion, customfields=fields.get(c.id, {}),
            sections=_sections(session, c.id), learners=_learners(session, c.id, enrolments),
            staff=_staff(enrolments),
            has_completion_criteria=session.scalar(select(CourseCompletionInfo.has_criteria)
                                                   .where(CourseCompletionInfo.course_id == c.id)),
            feedbacks=_feedbacks(session, c.id),
            url=f"{base_url}/course/view.php?id={c.id}" if base_url else None,
            forums=_forums(session, c.id, base_url),
        ))
    return out


def _sections(session: Session, course_id: int) -> tuple[SectionSnap, ...]:
    mods = defaultdict(list)
    for m in session.scalars(select(Module).where(Module.course_id == course_id).order_by(Module.id)):
        stamp = max((d.get("timestamp") or 0 for d in m.dates), default=0) or None
        mods[m.section_id].append(ModuleSnap(m.id, m.modname, m.name, m.idnumber, m.visible, m.completion, m.url,
                                             stamp))
    secs = session.scalars(select(Section).where(Section.course_id == course_id).order_by(Section.number))
    return tuple(SectionSnap(s.number, s.name, s.summary, s.visible, tuple(mods[s.id])) for s in secs)


def _enrolments(session: Session, course_id: int):
    return session.execute(
        select(Enrolment, User).join(User, User.id == Enrolment.user_id)
        .where(Enrolment.course_id == course_id, Enrolment.deleted_at.is_(None)).order_by(User.id)
    ).all()


def _learners(session: Session, course_id: int, enrolments: list) -> tuple[LearnerSnap, ...]:
    done = dict(session.execute(select(CourseCompletion.user_id, CourseCompletion.completed)
                                .where(CourseCompletion.course_id == course_id)).all())
    acts: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for uid, cmid, st in session.execute(
            select(ActivityCompletion.user_id, ActivityCompletion.cmid, ActivityCompletion.state)
            .where(ActivityCompletion.course_id == course_id)):
        acts[uid].append((cmid, st))
    return tuple(
        LearnerSnap(u.id, u.fullname, u.idnumber, e.status, e.lastcourseaccess, tuple(e.groups), done.get(u.id),
                    sum(s in (1, 2) for _, s in acts[u.id]), len(acts[u.id]),
                    frozenset(c for c, s in acts[u.id] if s in (1, 2)))
        for e, u in enrolments if "student" in e.roles
    )


def _staff(enrolments: list) -> tuple[StaffSnap, ...]:
    out = []
    for e, u in enrolments:
        role = next((r for r in ("editingteacher", "teacher", "manager") if r in e.roles), None)
        if role and e.status == "active":
            out.append(StaffSnap(u.id, u.fullname, role, e.lastcourseaccess))
    return tuple(out)


def _feedbacks(session: Session, course_id: int) -> tuple[FeedbackSnap, ...]:
    out = []
    for f in session.scalars(select(Feedback).where(Feedback.course_id == course_id).order_by(Feedback.id)):
        items = tuple(FeedbackItemSnap(i.id, i.label, i.name, i.typ, i.presentation) for i in session.scalars(
            select(FeedbackItem).where(FeedbackItem.feedback_id == f.id).order_by(FeedbackItem.position)))
        values: dict[int, dict[int, str | None]] = defaultdict(dict)
        for v in session.scalars(select(FeedbackValue).where(FeedbackValue.feedback_id == f.id)):
            values[v.response_id][v.item_id] = v.rawval
        responses = tuple(ResponseSnap(r.id, values[r.id], r.timemodified) for r in session.scalars(
            select(FeedbackResponse).where(FeedbackResponse.feedback_id == f.id).order_by(FeedbackResponse.id)))
        idnumber = session.scalar(select(Module.idnumber).where(Module.id == f.cmid))
        out.append(FeedbackSnap(f.id, f.cmid, f.name, f.anonymous, f.timeopen, f.timeclose, idnumber, items,
                                responses))
    return tuple(out)


def _forums(session: Session, course_id: int, base_url: str) -> tuple[ForumSnap, ...]:
    out = []
    for f in session.scalars(select(Forum).where(Forum.course_id == course_id).order_by(Forum.id)):
        discussions = tuple(
            DiscussionSnap(d.id, d.name, d.user_id, d.created, d.timemodified, d.usermodified, d.numreplies,
                           d.locked)
            for d in session.scalars(select(ForumDiscussion).where(ForumDiscussion.forum_id == f.id)
                                     .order_by(ForumDiscussion.created)))
        url = f"{base_url}/mod/forum/view.php?id={f.cmid}" if base_url else None
        out.append(ForumSnap(f.id, f.cmid, f.name, f.type, discussions, url))
    return tuple(out)


def load_rncp(session: Session) -> dict[str, RncpFicheSnap] | None:
    """Numero → fiche of the imported RNCP/RS export; None when none was imported."""
    out = {f.numero: RncpFicheSnap(f.numero, f.intitule, f.actif, f.date_fin, f.niveau, tuple(f.certificateurs),
                                   tuple(f.remplacee_par), f.export_date)
           for f in session.scalars(select(RncpFiche))}
    return out or None


def load_contracts(session: Session) -> dict[int, tuple[ContractSnap, ...]] | None:
    """User id → contracts; None when no contract was ever imported."""
    out: dict[int, list[ContractSnap]] = defaultdict(list)
    for c in session.scalars(select(Contract).order_by(Contract.user_id, Contract.start)):
        out[c.user_id].append(ContractSnap(c.user_id, c.start, c.end, c.company, c.tutor))
    return {k: tuple(v) for k, v in out.items()} if out else None
