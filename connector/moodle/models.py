"""Pydantic models of the Moodle payloads qualiopi-sync reads (``extra="allow"``).

Validated in tests against every recorded fixture they cover. ``parse_*``
functions turn a decoded payload into models and raise UnexpectedPayloadError on
a shape they do not know.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from connector.errors import UnexpectedPayloadError


class _M(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class SiteFunction(_M):
    name: str
    version: str | None = None


class SiteInfo(_M):
    sitename: str
    username: str
    userid: int
    siteurl: str
    release: str
    version: str
    functions: list[SiteFunction] = []


class Category(_M):
    id: int
    name: str
    idnumber: str | None = None
    description: str = ""
    parent: int
    sortorder: int = 0
    coursecount: int = 0
    visible: int | None = None
    depth: int = 1
    path: str = ""


class CustomField(_M):
    shortname: str
    name: str
    type: str
    valueraw: Any = None
    value: Any = None


class Contact(_M):
    id: int
    fullname: str


class Course(_M):
    id: int
    shortname: str
    fullname: str
    categoryid: int
    categoryname: str | None = None
    summary: str = ""
    summaryformat: int = 1
    format: str
    startdate: int = 0
    enddate: int = 0
    visible: int = 1
    enablecompletion: int = 0
    idnumber: str | None = None
    timemodified: int | None = None
    contacts: list[Contact] = []
    customfields: list[CustomField] = []


class CoursesByField(_M):
    courses: list[Course]
    warnings: list[dict[str, Any]] = []


class ModuleDate(_M):
    label: str
    timestamp: int
    dataid: str | None = None


class ModuleContent(_M):
    """One file (resource, folder, page's index.html) or a URL's target, as core_course_get_contents gives it."""

    type: str
    filename: str
    filepath: str | None = None
    filesize: int = 0
    fileurl: str | None = None
    timecreated: int | None = None
    timemodified: int | None = None
    mimetype: str | None = None


class ContentsInfo(_M):
    filescount: int = 0
    filessize: int = 0
    lastmodified: int | None = None


class Module(_M):
    id: int
    name: str
    instance: int
    modname: str
    visible: int = 1
    uservisible: bool = True
    completion: int = 0
    idnumber: str | None = None
    description: str | None = None
    dates: list[ModuleDate] = []
    contents: list[ModuleContent] = []
    contentsinfo: ContentsInfo | None = None


class Section(_M):
    id: int
    name: str
    section: int
    visible: int = 1
    summary: str = ""
    summaryformat: int = 1
    modules: list[Module] = []


class Role(_M):
    roleid: int
    shortname: str
    name: str = ""


class Group(_M):
    id: int
    name: str


class EnrolledUser(_M):
    id: int
    fullname: str
    username: str | None = None
    firstname: str | None = None
    lastname: str | None = None
    idnumber: str | None = None
    firstaccess: int | None = None
    lastaccess: int | None = None
    lastcourseaccess: int | None = None
    roles: list[Role] = []
    groups: list[Group] = []


class ActivityStatus(_M):
    cmid: int
    modname: str
    instance: int
    state: int
    timecompleted: int = 0
    tracking: int = 0


class ActivitiesCompletion(_M):
    statuses: list[ActivityStatus]
    warnings: list[dict[str, Any]] = []


class CompletionCriterion(_M):
    type: int
    title: str
    status: str
    complete: bool
    timecompleted: int | None = None


class CompletionStatus(_M):
    completed: bool
    aggregation: int
    completions: list[CompletionCriterion] = []


class CourseCompletion(_M):
    completionstatus: CompletionStatus
    warnings: list[dict[str, Any]] = []


class Feedback(_M):
    id: int
    course: int
    name: str
    anonymous: int  # 1 = anonymous, 2 = named
    coursemodule: int
    intro: str = ""
    timeopen: int | None = None
    timeclose: int | None = None
    completionsubmit: bool | None = None  # the activity is complete once its learner has answered
    multiple_submit: bool | None = None  # a person may answer more than once


class Feedbacks(_M):
    feedbacks: list[Feedback]
    warnings: list[dict[str, Any]] = []


class FeedbackItem(_M):
    id: int
    feedback: int
    name: str
    label: str = ""
    typ: str
    presentation: str = ""
    position: int = 0
    required: bool = False
    hasvalue: int = 0


class FeedbackItems(_M):
    items: list[FeedbackItem]
    warnings: list[dict[str, Any]] = []


class ResponseValue(_M):
    id: int  # the item id
    name: str = ""
    printval: str | None = None
    rawval: str | None = None


class NamedAttempt(_M):
    id: int
    userid: int
    timemodified: int = 0
    responses: list[ResponseValue] = []


class AnonAttempt(_M):
    id: int
    number: int = 0
    responses: list[ResponseValue] = []


class ResponsesAnalysis(_M):
    attempts: list[NamedAttempt] = []
    anonattempts: list[AnonAttempt] = []
    totalattempts: int = 0
    totalanonattempts: int = 0
    warnings: list[dict[str, Any]] = []


class Forum(_M):
    id: int
    course: int
    type: str
    name: str
    cmid: int
    numdiscussions: int = 0


class Discussion(_M):
    id: int  # the first post's id
    discussion: int  # the discussion id
    name: str
    userid: int
    created: int
    timemodified: int
    usermodified: int
    numreplies: int = 0
    locked: bool = False


class Discussions(_M):
    discussions: list[Discussion]
    warnings: list[dict[str, Any]] = []


class PostAuthor(_M):
    id: int | None = None  # null when Moodle hides the author (privacy)


class Post(_M):
    """A post of mod_forum_get_discussion_posts (exported by mod_forum's post exporter, Moodle 4.5)."""

    id: int
    discussionid: int
    parentid: int | None = None
    timecreated: int | None = None
    author: PostAuthor = PostAuthor()
    isdeleted: bool = False


class Posts(_M):
    posts: list[Post]
    warnings: list[dict[str, Any]] = []


class Note(_M):
    id: int
    courseid: int
    userid: int  # the learner the note is about
    content: str = ""  # HTML-escaped even when written as plain text (recorded): decode entities
    format: int = 1
    created: int
    lastmodified: int
    usermodified: int  # the author (no name in the answer)
    publishstate: str  # site | public (= course) | draft (only the token user's own)


class CourseNotes(_M):
    sitenotes: list[Note] = []
    coursenotes: list[Note] = []
    personalnotes: list[Note] = []
    warnings: list[dict[str, Any]] = []

    @property
    def shared(self) -> list[Note]:
        """Notes other people can read: site and course notes (a teacher's drafts are not returned)."""
        return self.sitenotes + self.coursenotes


class UserCourse(_M):
    """One course of a learner (``core_enrol_get_users_courses``: their active enrolments only)."""
    id: int
    shortname: str = ""
    enablecompletion: bool | None = None
    completionhascriteria: bool | None = None
    completed: bool | None = None
    progress: float | None = None  # 0–100, null where completion is off
    lastaccess: int | None = None


class NonRespondent(_M):
    courseid: int = 0  # always 0 (recorded)
    userid: int
    fullname: str = ""
    started: bool = False  # began the survey without sending it


class NonRespondents(_M):
    """Users who may answer a named survey and have not (suspended learners included, recorded)."""
    users: list[NonRespondent] = []
    total: int = 0
    warnings: list[dict[str, Any]] = []


class Page(_M):
    id: int
    coursemodule: int
    course: int
    name: str
    content: str = ""
    visible: bool = True
    timemodified: int | None = None


class Pages(_M):
    pages: list[Page]


class Database(_M):
    id: int
    course: int
    name: str
    coursemodule: int
    intro: str = ""


class Databases(_M):
    databases: list[Database]


class DataField(_M):
    id: int
    dataid: int
    type: str
    name: str
    description: str = ""
    required: bool = False
    param1: str | None = None


class DataFields(_M):
    fields: list[DataField]


class DataFile(_M):
    filename: str
    filepath: str = "/"
    filesize: int = 0
    fileurl: str
    timemodified: int | None = None
    mimetype: str | None = None


class DataContent(_M):
    id: int
    fieldid: int
    recordid: int
    content: str | None = None
    content1: str | None = None
    files: list[DataFile] = []


class DataEntry(_M):
    id: int
    userid: int
    dataid: int
    timecreated: int
    timemodified: int
    approved: bool = True
    fullname: str = ""
    contents: list[DataContent] = []


class DataEntries(_M):
    entries: list[DataEntry]
    totalcount: int


M = TypeVar("M")


def _parse(adapter: TypeAdapter[M], wsfunction: str, payload: Any) -> M:
    try:
        return adapter.validate_python(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise UnexpectedPayloadError(
            f"Moodle answered {wsfunction} with an unexpected shape at {where}: {first['msg']}; "
            "is this Moodle 4.5 or later?",
            wsfunction=wsfunction,
        ) from None


_site = TypeAdapter(SiteInfo)
_categories = TypeAdapter(list[Category])
_courses = TypeAdapter(CoursesByField)
_sections = TypeAdapter(list[Section])
_users = TypeAdapter(list[EnrolledUser])
_activities = TypeAdapter(ActivitiesCompletion)
_completion = TypeAdapter(CourseCompletion)
_feedbacks = TypeAdapter(Feedbacks)
_notes = TypeAdapter(CourseNotes)
_posts = TypeAdapter(Posts)
_items = TypeAdapter(FeedbackItems)
_responses = TypeAdapter(ResponsesAnalysis)
_non_respondents = TypeAdapter(NonRespondents)
_users_courses = TypeAdapter(list[UserCourse])
_forums = TypeAdapter(list[Forum])
_discussions = TypeAdapter(Discussions)
_pages = TypeAdapter(Pages)
_databases = TypeAdapter(Databases)
_data_fields = TypeAdapter(DataFields)
_data_entries = TypeAdapter(DataEntries)


def parse_site_info(p: Any) -> SiteInfo:
    return _parse(_site, "core_webservice_get_site_info", p)


def parse_categories(p: Any) -> list[Category]:
    return _parse(_categories, "core_course_get_categories", p)


def parse_courses(p: Any) -> list[Course]:
    return _parse(_courses, "core_course_get_courses_by_field", p).courses


def parse_contents(p: Any) -> list[Section]:
    return _parse(_sections, "core_course_get_contents", p)


def parse_enrolled_users(p: Any) -> list[EnrolledUser]:
    return _parse(_users, "core_enrol_get_enrolled_users", p)


def parse_activities_completion(p: Any) -> ActivitiesCompletion:
    return _parse(_activities, "core_completion_get_activities_completion_status", p)


def parse_course_completion(p: Any) -> CourseCompletion:
    return _parse(_completion, "core_completion_get_course_completion_status", p)


def parse_feedbacks(p: Any) -> list[Feedback]:
    return _parse(_feedbacks, "mod_feedback_get_feedbacks_by_courses", p).feedbacks


def parse_feedback_items(p: Any) -> list[FeedbackItem]:
    return _parse(_items, "mod_feedback_get_items", p).items


def parse_responses_analysis(p: Any) -> ResponsesAnalysis:
    return _parse(_responses, "mod_feedback_get_responses_analysis", p)


def parse_non_respondents(p: Any) -> NonRespondents:
    return _parse(_non_respondents, "mod_feedback_get_non_respondents", p)


def parse_users_courses(p: Any) -> list[UserCourse]:
    return _parse(_users_courses, "core_enrol_get_users_courses", p)


def parse_forums(p: Any) -> list[Forum]:
    return _parse(_forums, "mod_forum_get_forums_by_courses", p)


def parse_discussions(p: Any) -> list[Discussion]:
    return _parse(_discussions, "mod_forum_get_forum_discussions", p).discussions


def parse_posts(p: Any) -> list[Post]:
    return _parse(_posts, "mod_forum_get_discussion_posts", p).posts


def parse_course_notes(p: Any) -> CourseNotes:
    return _parse(_notes, "core_notes_get_course_notes", p)


def parse_pages(p: Any) -> list[Page]:
    return _parse(_pages, "mod_page_get_pages_by_courses", p).pages


def parse_databases(p: Any) -> list[Database]:
    return _parse(_databases, "mod_data_get_databases_by_courses", p).databases


def parse_data_fields(p: Any) -> list[DataField]:
    return _parse(_data_fields, "mod_data_get_fields", p).fields


def parse_data_entries(p: Any) -> DataEntries:
    return _parse(_data_entries, "mod_data_get_entries", p)


PARSERS = {
    "core_webservice_get_site_info": parse_site_info,
    "core_course_get_categories": parse_categories,
    "core_course_get_courses_by_field": parse_courses,
    "core_course_get_contents": parse_contents,
    "core_enrol_get_enrolled_users": parse_enrolled_users,
    "core_completion_get_activities_completion_status": parse_activities_completion,
    "core_completion_get_course_completion_status": parse_course_completion,
    "mod_feedback_get_feedbacks_by_courses": parse_feedbacks,
    "mod_feedback_get_items": parse_feedback_items,
    "mod_feedback_get_responses_analysis": parse_responses_analysis,
    "mod_feedback_get_non_respondents": parse_non_respondents,
    "core_enrol_get_users_courses": parse_users_courses,
    "mod_forum_get_forums_by_courses": parse_forums,
    "mod_forum_get_forum_discussions": parse_discussions,
    "mod_page_get_pages_by_courses": parse_pages,
    "mod_data_get_databases_by_courses": parse_databases,
    "mod_data_get_fields": parse_data_fields,
    "mod_data_get_entries": parse_data_entries,
}
__all__ = [n for n in dir() if n.startswith("parse_")] + ["PARSERS", "Field"]
