"""Read the store into the frozen snapshots the evaluators take (the only SQL feeding `mappings`)."""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from connector.store.models import (
    ActivityCompletion,
    Category,
    Contract,
    Course,
    CourseCompletion,
    CourseCompletionInfo,
    CourseCustomField,
    CourseNote,
    Enrolment,
    Feedback,
    FeedbackItem,
    FeedbackNonRespondent,
    FeedbackResponse,
    FeedbackValue,
    FetchState,
    Forum,
    ForumDiscussion,
    Module,
    RncpFiche,
    Section,
    User,
)
from connector.store.rncp import fiche_of
from mappings.model import (
    ContractSnap,
    CourseSnap,
    DiscussionSnap,
    Document,
    FeedbackItemSnap,
    FeedbackSnap,
    ForumSnap,
    LearnerSnap,
    ModuleSnap,
    NoteSnap,
    ResponseSnap,
    RncpFicheSnap,
    SectionSnap,
    StaffSnap,
    TrainingSnap,
)
from mappings.programmes import CategoryRef, CourseRef


def load_category_refs(session: Session) -> dict[int, CategoryRef]:
    rows = session.scalars(select(Category).where(Category.deleted_at.is_(None)))
    return {c.id: CategoryRef(c.id, c.idnumber, c.path) for c in rows}


def field_value(kind: str, valueraw: str | None, value: str | None) -> str | None:
    """What rules and evaluators compare for a course custom field: the raw value of a checkbox, select or
    number (a select's option number), the text of the others."""
    return valueraw if kind in ("checkbox", "select", "number") else value


def _fields(session: Session, ids: Iterable[int] | None = None,
            labels: dict[int, dict[str, str | None]] | None = None) -> dict[int, dict[str, str | None]]:
    """Course id → custom field → raw value (a select's option number); ``labels`` gets the displayed ones."""
    stmt = select(CourseCustomField)
    if ids is not None:
        stmt = stmt.where(CourseCustomField.course_id.in_(list(ids)))
    out: dict[int, dict[str, str | None]] = defaultdict(dict)
    for f in session.scalars(stmt):
        out[f.course_id][f.shortname] = field_value(f.type, f.valueraw, f.value)
        if labels is not None:
            labels.setdefault(f.course_id, {})[f.shortname] = f.value
    return out


def load_course_refs(session: Session) -> list[CourseRef]:
    fields = _fields(session)
    rows = session.scalars(select(Course).where(Course.deleted_at.is_(None)).order_by(Course.id))
    return [CourseRef(c.id, c.shortname, c.idnumber, c.category_id, fields.get(c.id, {})) for c in rows]


def _all(session: Session, stmt_for, ids: list[int]) -> list:
    """Rows of ``stmt_for(batch)`` (columns, not ORM entities) for every batch of ids (``IN`` lists the databases
    accept). Executed on the session's connection: the ORM's row handling doubled the time on a large site."""
    out: list = []
    conn = session.connection()
    for i in range(0, len(ids), 500):
        out += conn.execute(stmt_for(ids[i:i + 500])).all()
    return out


def load_courses(session: Session, ids: list[int], base_url: str = "") -> list[CourseSnap]:
    """Everything the evaluators need about these courses, in a fixed number of set-based queries."""
    ids = sorted(set(ids))
    if not ids:
        return []
    labels: dict[int, dict[str, str | None]] = {}
    fields = _fields(session, ids, labels)
    sections = _sections(session, ids)
    enrolments = _enrolments(session, ids)
    learners = _learners(session, ids, enrolments)
    criteria = dict(_all(session, lambda b: select(CourseCompletionInfo.course_id, CourseCompletionInfo.has_criteria)
                         .where(CourseCompletionInfo.course_id.in_(b)), ids))
    feedbacks = _feedbacks(session, ids)
    forums = _forums(session, ids, base_url)
    notes = _notes(session, ids)
    out = []
    cols = (Course.id, Course.shortname, Course.fullname, Course.category_id, Course.summary, Course.summaryformat,
            Course.startdate, Course.enddate, Course.visible, Course.enablecompletion)
    for c in sorted(_all(session, lambda b: select(*cols).where(Course.id.in_(b)), ids), key=lambda r: r.id):
        has_criteria = criteria.get(c.id)
        people = learners.get(c.id, ())
        if has_criteria is False:  # no completion criteria: course completion is not known, whatever Moodle says
            people = tuple(dataclasses.replace(x, completed=None) for x in people)
        out.append(CourseSnap(
            id=c.id, shortname=c.shortname, fullname=c.fullname, category_id=c.category_id, summary=c.summary,
            summaryformat=c.summaryformat, startdate=c.startdate, enddate=c.enddate, visible=c.visible,
            enablecompletion=c.enablecompletion, customfields=fields.get(c.id, {}),
            sections=sections.get(c.id, ()), learners=people, staff=_staff(enrolments.get(c.id, [])),
            has_completion_criteria=has_criteria, feedbacks=feedbacks.get(c.id, ()),
            url=f"{base_url}/course/view.php?id={c.id}" if base_url else None,
            forums=forums.get(c.id, ()), notes=notes.get(c.id), customfield_labels=labels.get(c.id, {}),
        ))
    return out


NOTES_DISABLED = "off:"  # prefix of a notes marker: notes are disabled on the site, nothing was read


def _notes(session: Session, ids: list[int]) -> dict[int, tuple[NoteSnap, ...]]:
    """Notes per course; a course whose notes were read and hold none maps to () (see the notes marker)."""
    read = {int(k) for k, marker in session.execute(select(FetchState.key, FetchState.marker)
                                                    .where(FetchState.resource == "notes"))
            if k.isdigit() and not marker.startswith(NOTES_DISABLED)}
    out: dict[int, list[NoteSnap]] = {c: [] for c in ids if c in read}
    for n in _all(session, lambda b: select(CourseNote.id, CourseNote.course_id, CourseNote.user_id, CourseNote.created,
                                            CourseNote.state, CourseNote.content)
                  .where(CourseNote.course_id.in_(b)).order_by(CourseNote.course_id, CourseNote.created), ids):
        out.setdefault(n.course_id, []).append(NoteSnap(n.id, n.user_id, n.created, n.state, n.content))
    return {k: tuple(v) for k, v in out.items()}


def _sections(session: Session, ids: list[int]) -> dict[int, tuple[SectionSnap, ...]]:
    mods: dict[int, list[ModuleSnap]] = defaultdict(list)
    for m in _all(session, lambda b: select(Module.id, Module.section_id, Module.modname, Module.name, Module.idnumber,
                                            Module.visible, Module.completion, Module.url, _raw(Module.dates),
                                            Module.content_time, _raw(Module.files), Module.target, Module.text_chars)
                  .where(Module.course_id.in_(b)), ids):
        stamp = max((d.get("timestamp") or 0 for d in _listed(m.dates)), default=0) or None
        mods[m.section_id].append(ModuleSnap(m.id, m.modname, m.name, m.idnumber, m.visible, m.completion, m.url,
                                             stamp, m.content_time, documents_of(_listed(m.files)), m.target,
                                             m.text_chars))
    out: dict[int, list[SectionSnap]] = defaultdict(list)
    secs = sorted(_all(session, lambda b: select(Section.id, Section.course_id, Section.number, Section.name,
                                                 Section.summary, Section.visible).where(Section.course_id.in_(b)),
                       ids), key=lambda s: (s.course_id, s.number))
    for s in secs:
        out[s.course_id].append(SectionSnap(s.number, s.name, s.summary, s.visible,
                                            tuple(sorted(mods[s.id], key=lambda m: m.id))))
    return {k: tuple(v) for k, v in out.items()}


def documents_of(files: list | None) -> tuple[Document, ...]:
    """Stored file dicts (module files, register attachments) as the core's documents."""
    return tuple(Document(f["name"], f.get("url"), f.get("size"), f.get("time"), f.get("type")) for f in files or ())


def _raw(column):
    """A JSON column read as its text, decoded by the caller: the same few texts (roles, groups) come back hundreds
    of thousands of times on a large site, and decoding each once (``_decoded``) halves the loading time."""
    return cast(column, Text).label(column.key)


def _listed(raw: str | None) -> tuple:
    """The JSON list ``raw`` (a JSON null, an empty text: none) as a tuple."""
    value = json.loads(raw) if raw else None
    return tuple(value) if value else ()


@lru_cache(maxsize=4096)
def _decoded(raw: str | None) -> tuple:
    """``_listed``, kept for the few texts that repeat (roles, groups): shared between rows, never mutated."""
    return _listed(raw)


class EnrolmentRow(NamedTuple):
    course_id: int
    user_id: int
    roles: tuple
    status: str
    lastcourseaccess: int | None
    groups: tuple
    progress: float | None
    fullname: str
    idnumber: str | None


def _enrolments(session: Session, ids: list[int]) -> dict[int, list]:
    out: dict[int, list] = defaultdict(list)
    rows = _all(session, lambda b: select(
        Enrolment.course_id, Enrolment.user_id, _raw(Enrolment.roles), Enrolment.status, Enrolment.lastcourseaccess,
        _raw(Enrolment.groups), Enrolment.progress, User.fullname, User.idnumber)
        .join(User, User.id == Enrolment.user_id).where(Enrolment.course_id.in_(b), Enrolment.deleted_at.is_(None)),
        ids)
    for e in sorted(rows, key=lambda r: (r.course_id, r.user_id)):
        out[e.course_id].append(EnrolmentRow(e.course_id, e.user_id, _decoded(e.roles), e.status,
                                             e.lastcourseaccess, _decoded(e.groups), e.progress, e.fullname,
                                             e.idnumber))
    return out


def _learners(session: Session, ids: list[int], enrolments: dict[int, list]) -> dict[int, tuple[LearnerSnap, ...]]:
    done = {(c, u): d for c, u, d in _all(session, lambda b: select(
        CourseCompletion.course_id, CourseCompletion.user_id, CourseCompletion.completed)
        .where(CourseCompletion.course_id.in_(b)), ids)}
    acts: dict[tuple[int, int], list[tuple[int, int, int | None]]] = defaultdict(list)
    for c, u, cmid, st, at in _all(session, lambda b: select(
            ActivityCompletion.course_id, ActivityCompletion.user_id, ActivityCompletion.cmid,
            ActivityCompletion.state, ActivityCompletion.timecompleted).where(ActivityCompletion.course_id.in_(b)),
            ids):
        acts[(c, u)].append((cmid, st, at))
    out = {}
    nothing: list[tuple[int, int, int | None]] = []
    for cid, rows in enrolments.items():
        learners = []
        for e in rows:
            if "student" not in e.roles:
                continue
            mine = acts.get((cid, e.user_id), nothing)
            learners.append(LearnerSnap(e.user_id, e.fullname, e.idnumber, e.status, e.lastcourseaccess,
                                        tuple(e.groups), done.get((cid, e.user_id)), sum(s in (1, 2) for _, s, _ in mine),
                                        len(mine), frozenset(m for m, s, _ in mine if s in (1, 2)), e.progress,
                                        tuple((m, at) for m, s, at in mine if s in (1, 2))))
        out[cid] = tuple(learners)
    return out


def _staff(enrolments: list) -> tuple[StaffSnap, ...]:
    out = []
    for e in enrolments:
        role = next((r for r in ("editingteacher", "teacher", "manager") if r in e.roles), None)
        if role and e.status == "active":
            out.append(StaffSnap(e.user_id, e.fullname, role, e.lastcourseaccess))
    return tuple(out)


def _feedbacks(session: Session, ids: list[int]) -> dict[int, tuple[FeedbackSnap, ...]]:
    fbs = sorted(_all(session, lambda b: select(Feedback.id, Feedback.course_id, Feedback.cmid, Feedback.name,
                                                Feedback.anonymous, Feedback.timeopen, Feedback.timeclose,
                                                Feedback.non_respondents_read)
                      .where(Feedback.course_id.in_(b)), ids), key=lambda f: f.id)
    fids = [f.id for f in fbs]
    items: dict[int, list[FeedbackItemSnap]] = defaultdict(list)
    for i in sorted(_all(session, lambda b: select(FeedbackItem.id, FeedbackItem.feedback_id, FeedbackItem.label,
                                                   FeedbackItem.name, FeedbackItem.typ, FeedbackItem.presentation,
                                                   FeedbackItem.position)
                         .where(FeedbackItem.feedback_id.in_(b)), fids), key=lambda r: (r.feedback_id, r.position, r.id)):
        items[i.feedback_id].append(FeedbackItemSnap(i.id, i.label, i.name, i.typ, i.presentation))
    values: dict[int, dict[int, str | None]] = defaultdict(dict)
    for rid, iid, raw in _all(session, lambda b: select(FeedbackValue.response_id, FeedbackValue.item_id,
                                                        FeedbackValue.rawval).where(FeedbackValue.feedback_id.in_(b)),
                              fids):
        values[rid][iid] = raw
    responses: dict[int, list[ResponseSnap]] = defaultdict(list)
    for fid, rid, modified, uid in sorted(_all(session, lambda b: select(
            FeedbackResponse.feedback_id, FeedbackResponse.id, FeedbackResponse.timemodified, FeedbackResponse.user_id)
            .where(FeedbackResponse.feedback_id.in_(b)), fids), key=lambda r: r[1]):
        responses[fid].append(ResponseSnap(rid, values[rid], modified, uid))
    idnumbers = dict(_all(session, lambda b: select(Module.id, Module.idnumber).where(Module.id.in_(b)),
                          [f.cmid for f in fbs]))
    waiting: dict[int, list[tuple[int, bool]]] = defaultdict(list)
    for fid, uid, started in sorted(_all(session, lambda b: select(
            FeedbackNonRespondent.feedback_id, FeedbackNonRespondent.user_id, FeedbackNonRespondent.started)
            .where(FeedbackNonRespondent.feedback_id.in_(b)), [f.id for f in fbs if f.non_respondents_read])):
        waiting[fid].append((uid, bool(started)))
    out: dict[int, list[FeedbackSnap]] = defaultdict(list)
    for f in fbs:
        out[f.course_id].append(FeedbackSnap(f.id, f.cmid, f.name, f.anonymous, f.timeopen, f.timeclose,
                                             idnumbers.get(f.cmid), tuple(items[f.id]), tuple(responses[f.id]),
                                             tuple(waiting[f.id]) if f.non_respondents_read else None))
    return {k: tuple(v) for k, v in out.items()}


def _forums(session: Session, ids: list[int], base_url: str) -> dict[int, tuple[ForumSnap, ...]]:
    forums = sorted(_all(session, lambda b: select(Forum.id, Forum.course_id, Forum.cmid, Forum.name, Forum.type)
                         .where(Forum.course_id.in_(b)), ids), key=lambda f: f.id)
    discussions: dict[int, list[DiscussionSnap]] = defaultdict(list)
    for d in sorted(_all(session, lambda b: select(
            ForumDiscussion.id, ForumDiscussion.forum_id, ForumDiscussion.name, ForumDiscussion.user_id,
            ForumDiscussion.created, ForumDiscussion.timemodified, ForumDiscussion.usermodified,
            ForumDiscussion.numreplies, ForumDiscussion.locked, ForumDiscussion.posts)
            .where(ForumDiscussion.forum_id.in_(b)),
            [f.id for f in forums]), key=lambda r: (r.created, r.id)):
        posts = tuple((int(a), int(t)) for a, t in d.posts) if d.posts is not None else None
        discussions[d.forum_id].append(DiscussionSnap(d.id, d.name, d.user_id, d.created, d.timemodified,
                                                      d.usermodified, d.numreplies, d.locked, posts))
    out: dict[int, list[ForumSnap]] = defaultdict(list)
    for f in forums:
        url = f"{base_url}/mod/forum/view.php?id={f.cmid}" if base_url else None
        out[f.course_id].append(ForumSnap(f.id, f.cmid, f.name, f.type, tuple(discussions[f.id]), url))
    return {k: tuple(v) for k, v in out.items()}


def load_rncp(session: Session) -> dict[str, RncpFicheSnap] | None:
    """Numero → fiche of the imported RNCP/RS export; None when none was imported."""
    out = {f.numero: fiche_of(f) for f in session.scalars(select(RncpFiche))}
    return out or None


def load_contracts(session: Session) -> dict[int, tuple[ContractSnap, ...]] | None:
    """User id → contracts; None when no contract was ever imported."""
    out: dict[int, list[ContractSnap]] = defaultdict(list)
    for c in session.scalars(select(Contract).order_by(Contract.user_id, Contract.start)):
        out[c.user_id].append(ContractSnap(c.user_id, c.start, c.end, c.company, c.tutor, c.kind))
    return {k: tuple(v) for k, v in out.items()} if out else None


def load_trainings(session: Session, course_ids: list[int], base_url: str = "") -> dict[int, tuple[TrainingSnap, ...]]:
    """User id → their enrolments (any role) in the trainers' training courses, with course completion."""
    courses = {c.id: c for c in session.scalars(select(Course).where(Course.id.in_(course_ids or [-1]),
                                                                      Course.deleted_at.is_(None)))}
    done = {(c.course_id, c.user_id): c for c in session.scalars(
        select(CourseCompletion).where(CourseCompletion.course_id.in_(list(courses) or [-1])))}
    out: dict[int, list[TrainingSnap]] = defaultdict(list)
    for e in session.scalars(select(Enrolment).where(Enrolment.course_id.in_(list(courses) or [-1]),
                                                     Enrolment.deleted_at.is_(None))
                             .order_by(Enrolment.user_id, Enrolment.course_id)):
        c, cc = courses[e.course_id], done.get((e.course_id, e.user_id))
        out[e.user_id].append(TrainingSnap(
            c.shortname, c.fullname, cc.completed if cc else (False if c.enablecompletion else None),
            cc.timecompleted if cc else None, f"{base_url}/course/view.php?id={c.id}" if base_url else None))
    return {k: tuple(v) for k, v in out.items()}
