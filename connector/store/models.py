"""SQLAlchemy 2 models of the store: référentiel, Moodle snapshot, sync bookkeeping.

Moodle rows keep Moodle's ids as primary keys. Users are minimised: names, username
and idnumber only (no e-mail, no profile). Anonymous feedback responses have no user.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


# ------------------------------------------------------------------ référentiel
class Criterion(Base):
    __tablename__ = "criterion"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Indicator(Base):
    __tablename__ = "indicator"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(Text)  # short title
    requirement: Mapped[str] = mapped_column(Text)  # official statement
    level_expected: Mapped[str | None] = mapped_column(Text)
    proof: Mapped[str | None] = mapped_column(Text)
    non_conformity: Mapped[str | None] = mapped_column(Text)
    glossary: Mapped[str | None] = mapped_column(Text)
    criterion_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("criterion.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # extra columns the référentiel needs
    non_conformity_grading: Mapped[str | None] = mapped_column(String(40))  # majeure | mineure_ou_majeure
    indicator_type: Mapped[str | None] = mapped_column(String(40))  # commun | spécifique
    applies_to: Mapped[list[Any]] = mapped_column(JSON, default=list)  # action categories
    applies_condition: Mapped[str | None] = mapped_column(Text)
    new_entrants: Mapped[str | None] = mapped_column(Text)
    new_entrants_adapted_audit: Mapped[bool] = mapped_column(Boolean, default=False)


# ------------------------------------------------------------------ Moodle snapshot
class Category(Base):
    __tablename__ = "category"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    idnumber: Mapped[str | None] = mapped_column(String(100))
    parent: Mapped[int] = mapped_column(Integer, default=0)
    path: Mapped[str] = mapped_column(String(255), default="")
    depth: Mapped[int] = mapped_column(Integer, default=1)
    visible: Mapped[bool] = mapped_column(Boolean, default=True)
    deleted_at: Mapped[int | None] = mapped_column(BigInteger)


class Course(Base):
    __tablename__ = "course"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shortname: Mapped[str] = mapped_column(String(255))
    fullname: Mapped[str] = mapped_column(Text)
    idnumber: Mapped[str | None] = mapped_column(String(100))
    category_id: Mapped[int] = mapped_column(Integer, index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    summaryformat: Mapped[int] = mapped_column(Integer, default=1)
    format: Mapped[str] = mapped_column(String(50))
    startdate: Mapped[int] = mapped_column(BigInteger, default=0)
    enddate: Mapped[int] = mapped_column(BigInteger, default=0)
    visible: Mapped[bool] = mapped_column(Boolean, default=True)
    enablecompletion: Mapped[bool] = mapped_column(Boolean, default=False)
    timemodified: Mapped[int | None] = mapped_column(BigInteger)
    contacts: Mapped[list[Any]] = mapped_column(JSON, default=list)
    record_hash: Mapped[str] = mapped_column(String(64))
    deleted_at: Mapped[int | None] = mapped_column(BigInteger)


class CourseCustomField(Base):
    __tablename__ = "course_customfield"
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), primary_key=True)
    shortname: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(40))
    valueraw: Mapped[str | None] = mapped_column(Text)
    value: Mapped[str | None] = mapped_column(Text)


class Section(Base):
    __tablename__ = "section"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, default="")
    summaryformat: Mapped[int] = mapped_column(Integer, default=1)
    visible: Mapped[bool] = mapped_column(Boolean, default=True)


class Module(Base):
    __tablename__ = "module"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # course-module id (cmid)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    section_id: Mapped[int] = mapped_column(Integer)
    modname: Mapped[str] = mapped_column(String(50))
    instance: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    idnumber: Mapped[str | None] = mapped_column(String(100))
    visible: Mapped[bool] = mapped_column(Boolean, default=True)
    completion: Mapped[int] = mapped_column(Integer, default=0)  # 0 none, 1 manual, 2 automatic
    url: Mapped[str | None] = mapped_column(Text)
    dates: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # what the module holds, for evidence: content time (contentsinfo.lastmodified or the newest
    # contents[].timemodified; never a due date), files (name, path, size, url without token, time, type),
    # a URL's target, a page's text length (from mod_page_get_pages_by_courses; null when not read)
    content_time: Mapped[int | None] = mapped_column(BigInteger)
    files: Mapped[list[Any]] = mapped_column(JSON, default=list)
    target: Mapped[str | None] = mapped_column(Text)
    text_chars: Mapped[int | None] = mapped_column(Integer)


class User(Base):
    __tablename__ = "moodle_user"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str | None] = mapped_column(String(100))
    fullname: Mapped[str] = mapped_column(Text)
    idnumber: Mapped[str | None] = mapped_column(String(100))
    lastaccess: Mapped[int | None] = mapped_column(BigInteger)  # site-wide; NULL when Moodle did not say


class Enrolment(Base):
    __tablename__ = "enrolment"
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("moodle_user.id"), primary_key=True, index=True)
    roles: Mapped[list[Any]] = mapped_column(JSON, default=list)  # role shortnames
    status: Mapped[str] = mapped_column(String(20))  # active | suspended | not_current
    timestart: Mapped[int | None] = mapped_column(BigInteger)  # from the participants report, else null
    timeend: Mapped[int | None] = mapped_column(BigInteger)
    lastcourseaccess: Mapped[int] = mapped_column(BigInteger, default=0)
    groups: Mapped[list[Any]] = mapped_column(JSON, default=list)  # group names
    deleted_at: Mapped[int | None] = mapped_column(BigInteger)
    # % of the course's tracked activities completed, from the participants report (null without it)
    progress: Mapped[float | None] = mapped_column(Float)


class ActivityCompletion(Base):
    __tablename__ = "activity_completion"
    course_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cmid: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[int] = mapped_column(Integer)  # 0 incomplete, 1 complete, 2 pass, 3 fail
    timecompleted: Mapped[int] = mapped_column(BigInteger, default=0)
    tracking: Mapped[int] = mapped_column(Integer, default=0)


class CourseCompletion(Base):
    __tablename__ = "course_completion"
    course_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    completed: Mapped[bool] = mapped_column(Boolean)
    timecompleted: Mapped[int | None] = mapped_column(BigInteger)
    criteria_total: Mapped[int] = mapped_column(Integer, default=0)
    criteria_done: Mapped[int] = mapped_column(Integer, default=0)


class CourseCompletionInfo(Base):
    __tablename__ = "course_completion_info"
    course_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    has_criteria: Mapped[bool | None] = mapped_column(Boolean)
    aggregation: Mapped[int | None] = mapped_column(Integer)  # 1 ALL, 2 ANY
    criteria_count: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(100))  # e.g. nocriteriaset


class Feedback(Base):
    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(Integer, index=True)
    cmid: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    anonymous: Mapped[bool] = mapped_column(Boolean)
    timeopen: Mapped[int | None] = mapped_column(BigInteger)
    timeclose: Mapped[int | None] = mapped_column(BigInteger)
    # the store holds Moodle's list of who has not answered (False: not read, or dropped: see non_respondents)
    non_respondents_read: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # completion on submission, one answer per person: an answer shows in its learner's progress (None: unknown)
    completionsubmit: Mapped[bool | None] = mapped_column(Boolean)
    multiple_submit: Mapped[bool | None] = mapped_column(Boolean)


class FeedbackItem(Base):
    __tablename__ = "feedback_item"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feedback_id: Mapped[int] = mapped_column(Integer, index=True)
    label: Mapped[str] = mapped_column(String(255), default="")
    name: Mapped[str] = mapped_column(Text)
    typ: Mapped[str] = mapped_column(String(40))
    presentation: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    required: Mapped[bool] = mapped_column(Boolean, default=False)


class FeedbackResponse(Base):
    __tablename__ = "feedback_response"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # Moodle's "completed" id
    feedback_id: Mapped[int] = mapped_column(Integer, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer)  # always null for anonymous feedback
    timemodified: Mapped[int | None] = mapped_column(BigInteger)


class FeedbackValue(Base):
    __tablename__ = "feedback_value"
    response_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feedback_id: Mapped[int] = mapped_column(Integer, index=True)
    rawval: Mapped[str | None] = mapped_column(Text)
    printval: Mapped[str | None] = mapped_column(Text)


class FeedbackNonRespondent(Base):
    """Moodle's own list of who has not answered a named survey (``mod_feedback_get_non_respondents``)."""
    __tablename__ = "feedback_non_respondent"
    feedback_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)
    started: Mapped[bool] = mapped_column(Boolean, default=False)  # began without sending


class Forum(Base):
    __tablename__ = "forum"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(Integer, index=True)
    cmid: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(Text)
    numdiscussions: Mapped[int] = mapped_column(Integer, default=0)


class ForumDiscussion(Base):
    """A discussion (for complaints: one complaint). Only the subject is kept, not the message."""

    __tablename__ = "forum_discussion"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    forum_id: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int] = mapped_column(Integer)  # author
    created: Mapped[int] = mapped_column(BigInteger)
    timemodified: Mapped[int] = mapped_column(BigInteger)  # time of the last post
    usermodified: Mapped[int] = mapped_column(Integer)  # author of the last post
    numreplies: Mapped[int] = mapped_column(Integer, default=0)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    # [[author id, time], …] of the posts after the first, oldest first (no text); null: not read
    posts: Mapped[list[Any] | None] = mapped_column(JSON)


class CourseNote(Base):
    """A course or site note on a learner (``core_notes_get_course_notes``): a dated follow-up trace. A site
    note comes back in every course of its learner: one row per course it was read from."""

    __tablename__ = "course_note"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    course_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)  # the course it was read from
    user_id: Mapped[int] = mapped_column(Integer, index=True)  # the learner
    author_id: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10))  # site | course
    content: Mapped[str] = mapped_column(Text)  # plain text, entities decoded
    created: Mapped[int] = mapped_column(BigInteger)
    lastmodified: Mapped[int] = mapped_column(BigInteger)


# ------------------------------------------------------------------ the provider's registers
class RegisterDatabase(Base):
    """A register kept in Moodle: a Database activity of a quality course, found by its name."""

    __tablename__ = "register_database"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # mod_data instance id
    course_id: Mapped[int] = mapped_column(Integer)
    cmid: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))  # preuves | reclamations | amelioration
    fields: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{name, type, options}]


class RegisterEntry(Base):
    """One entry of a register, from Moodle (a Database entry) or from a spreadsheet import (a line).

    ``fields`` holds the values by field name, normalised: lists for multi-choice fields, Unix times
    for dates, {"url", "text"} for links, text for the rest (HTML for text areas).
    """

    __tablename__ = "register_entry"
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)  # preuves | reclamations | amelioration
    source: Mapped[str] = mapped_column(String(20), primary_key=True)  # moodle | spreadsheet
    ref: Mapped[str] = mapped_column(String(100), primary_key=True)  # entry id, or line number
    database_id: Mapped[int | None] = mapped_column(Integer)
    origin: Mapped[str] = mapped_column(Text)  # database name or file name, for "where to find it"
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    files: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{name, size, url, time, type}]
    url: Mapped[str | None] = mapped_column(Text)  # the entry in Moodle
    timecreated: Mapped[int | None] = mapped_column(BigInteger)
    timemodified: Mapped[int | None] = mapped_column(BigInteger)


class Snapshot(Base):
    """A document held in Moodle, copied during the sync for the auditor's dossier (render only copies it).

    The bytes live in the snapshot folder under their SHA-256 (0600 files, 0700 folders); the URL is
    Moodle's, never with the token.
    """

    __tablename__ = "snapshot"
    url: Mapped[str] = mapped_column(String(1000), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    listed_size: Mapped[int | None] = mapped_column(BigInteger)  # what Moodle lists (to see a change)
    listed_time: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20))  # ok | too_large | failed
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(BigInteger)
    content_type: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[str | None] = mapped_column(Text)


# ------------------------------------------------------------------ RNCP / RS open data
class RncpFiche(Base):
    """One fiche of France compétences' RNCP/RS export (only what the checks need)."""

    __tablename__ = "rncp_fiche"
    numero: Mapped[str] = mapped_column(String(20), primary_key=True)  # RNCP37674, RS5000
    intitule: Mapped[str] = mapped_column(Text)
    actif: Mapped[bool] = mapped_column(Boolean)
    date_fin: Mapped[str | None] = mapped_column(String(10))  # ISO date of Date_Fin_Enregistrement
    niveau: Mapped[str | None] = mapped_column(String(20))
    certificateurs: Mapped[list[Any]] = mapped_column(JSON, default=list)
    remplacee_par: Mapped[list[Any]] = mapped_column(JSON, default=list)
    export_date: Mapped[str] = mapped_column(String(10))  # ISO date of the export it came from
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # délivrance limit, partners, certifiers' SIRET…


# ------------------------------------------------------------------ bookkeeping
class SyncRun(Base):
    __tablename__ = "sync_run"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(20))  # running | ok | failed
    full: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text)
    calls: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # wsfunction → count
    rows: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # resource → {inserted, updated, deleted}


class Contract(Base):
    """Apprenticeship contract (imported from CSV: Moodle has no such data)."""

    __tablename__ = "contract"
    user_id: Mapped[int] = mapped_column(ForeignKey("moodle_user.id"), primary_key=True)
    start: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    end: Mapped[int] = mapped_column(BigInteger)
    company: Mapped[str] = mapped_column(Text)
    tutor: Mapped[str] = mapped_column(Text)  # maître d'apprentissage / company tutor
    source_line: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str | None] = mapped_column(String(30))  # apprentissage | professionnalisation; None: not said


class ExamResult(Base):
    """A learner's certification exam result (imported: the certifier's results never live in Moodle)."""

    __tablename__ = "exam_result"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    programme: Mapped[str] = mapped_column(String(100), index=True)  # a programme's code or rule value
    session: Mapped[str] = mapped_column(String(100))  # the provider's own session code
    learner: Mapped[str] = mapped_column(String(255))  # as written in the file (Moodle idnumber or username)
    user_id: Mapped[int | None] = mapped_column(Integer)  # the Moodle user, when known
    registered: Mapped[bool] = mapped_column(Boolean)
    presented: Mapped[bool] = mapped_column(Boolean)
    result: Mapped[str] = mapped_column(String(20))  # admis | partiel | ajourne | absent
    blocs: Mapped[list[Any]] = mapped_column(JSON, default=list)  # blocs obtained (codes as written)
    exam_date: Mapped[int | None] = mapped_column(BigInteger)
    source_line: Mapped[int] = mapped_column(Integer)


class Evaluation(Base):
    """One evaluation of every programme; its verdicts give the reports their trends."""

    __tablename__ = "evaluation"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    data_time: Mapped[int] = mapped_column(BigInteger)  # the "now" the verdicts were computed for
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sync_run_id: Mapped[int | None] = mapped_column(Integer)
    # findings and course lines still kept (the last KEEP_DETAILED evaluations); older ones keep their figures
    detailed: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class VerdictRow(Base):
    __tablename__ = "verdict"
    __table_args__ = (Index("ix_verdict_programme_evaluation", "programme", "evaluation_id"),)  # history
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id"), primary_key=True)
    programme: Mapped[str] = mapped_column(String(100), primary_key=True)
    indicator: Mapped[int] = mapped_column(Integer, primary_key=True)
    outcome: Mapped[str] = mapped_column(String(20))  # the checks' raw outcome (internal)
    status: Mapped[str | None] = mapped_column(String(20))  # evidence status (couvert, a_consolider…)
    risk: Mapped[str | None] = mapped_column(String(20))  # majeure | mineure | attention | aucun
    summary: Mapped[str] = mapped_column(Text)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    findings: Mapped[list[Any]] = mapped_column(JSON, default=list)
    courses: Mapped[list[Any]] = mapped_column(JSON, default=list)
    missing_data: Mapped[str | None] = mapped_column(Text)


class RenderState(Base):
    """Hash of the inputs a report was last rendered from: unchanged inputs, no rendering."""

    __tablename__ = "render_state"
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)  # programme | teacher
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    input_hash: Mapped[str] = mapped_column(String(64))
    rendered_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class PushRecord(Base):
    """Every push (Moodle message, upload + post, e-mail): what, to whom, content hash, when, result."""

    __tablename__ = "push_record"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(30))  # moodle_message | moodle_forum | moodle_private | email
    recipient: Mapped[str] = mapped_column(String(255))
    what: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(20))  # sent | failed
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class FetchState(Base):
    """What a resource saw when it last fetched one item (course hash, learner access …)."""

    __tablename__ = "fetch_state"
    resource: Mapped[str] = mapped_column(String(50), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    marker: Mapped[str] = mapped_column(String(100))


class SyncCursor(Base):
    __tablename__ = "sync_cursor"
    resource: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)  # Unix time of the last successful fetch
    run_id: Mapped[int | None] = mapped_column(Integer)
