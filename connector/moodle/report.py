"""The participants custom report (``core_reportbuilder_retrieve_report``): bulk enrolments, access, completion.

No recording of this function exists in the data set: the shape follows Moodle 4.5's source
(``reportbuilder/classes/external/reports/retrieve.php`` and ``custom_report_data_exporter``):
``{"details": {…}, "data": {"headers": [...], "rows": [{"columns": [...]}], "totalrowcount": n},
"warnings": []}``. Every cell is the report's *formatted* text, as a person sees it: links,
"Yes"/"No", dates written out in the sync user's language and timezone, "50.0%".

The report is built once by the Moodle administrator from the "Course participants" source with
the columns of ``COLUMNS``, in this order, sorted by course (``qualiopi-sync doctor`` prints the
recipe). One row per course × user × role × group; a course without participants gives one row with
empty user cells. Sorted by course, the rows of a course come together: the sync streams the pages
and writes course by course, whatever the size of the site.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from connector.errors import EXIT_CONFIG, UnexpectedPayloadError

WSFUNCTION = "core_reportbuilder_retrieve_report"
SOURCE = "core_course\\reportbuilder\\datasource\\participants"

# (entity: column as the report builder names it, what qualiopi-sync reads from it)
COLUMNS: tuple[tuple[str, str], ...] = (
    ("Course: Course short name with link", "course id (from the link) and short name"),
    ("User: Full name with link", "user id (from the link) and full name"),
    ("User: Username", "username"),
    ("User: ID number", "idnumber (matches contracts of indicator 13)"),
    ("Role: Short name", "role (student, editingteacher, teacher …)"),
    ("Group: Name", "groups (indicator 10)"),
    ("Enrolment: Status", "active / suspended / not current"),
    ("Enrolment: Time started", "enrolment start"),
    ("Enrolment: Time ended", "enrolment end"),
    ("Course access: Last access to course", "last course access (indicator 12)"),
    ("Course completion: Completed", "course completed"),
    ("Course completion: Time completed", "completion date"),
    ("Course completion: Progress", "percentage of activities completed (in progress / not started)"),
)

_COURSE_LINK = re.compile(r'href="[^"]*/course/view\.php\?id=(\d+)[^"]*"[^>]*>(.*?)</a>', re.DOTALL)
_USER_LINK = re.compile(r'href="[^"]*/user/(?:profile|view)\.php\?id=(\d+)[^"]*"[^>]*>(.*?)</a>', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_MONTHS = {m: i + 1 for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"])}
_MONTHS |= {m: i + 1 for i, m in enumerate(
    ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"])}
_DATE = re.compile(r"(\d{1,2})\s+([^\W\d_]+)\.?\s+(\d{4})(?:[,\s]+(?:à\s+)?(\d{1,2})[:h](\d{2})\s*([AaPp][Mm])?)?")
_STATUS = {"active": "active", "actif": "active", "suspended": "suspended", "suspendu": "suspended",
           "not current": "not_current", "non courant": "not_current", "non actuel": "not_current"}
_YES, _NO = {"yes", "oui"}, {"no", "non"}


class _Data(BaseModel):
    model_config = ConfigDict(extra="allow")
    headers: list[str]
    rows: list[Any]  # {"columns": [...]} each; checked cell by cell when read (no copy of the page)
    totalrowcount: int


class ReportPage(BaseModel):
    model_config = ConfigDict(extra="allow")
    details: dict[str, Any]
    data: _Data
    warnings: list[dict[str, Any]] = []


_page = TypeAdapter(ReportPage)


@dataclass
class Participant:
    """One course × user, merged over the report's role and group rows."""

    course_id: int
    user_id: int
    fullname: str
    username: str | None
    idnumber: str | None
    roles: set[str] = field(default_factory=set)
    groups: set[str] = field(default_factory=set)
    status: str = "active"  # active | suspended | not_current
    timestart: int | None = None
    timeend: int | None = None
    lastcourseaccess: int = 0
    completed: bool = False
    timecompleted: int | None = None
    progress: float | None = None


class ReportError(UnexpectedPayloadError):
    """The report is not built as documented (columns, order, dates) — the administrator must fix it."""

    exit_code = EXIT_CONFIG


def parse_report_page(payload: Any) -> ReportPage:
    try:
        page = _page.validate_python(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise UnexpectedPayloadError(f"Moodle answered {WSFUNCTION} with an unexpected shape at {where}: "
                                     f"{first['msg']}", wsfunction=WSFUNCTION) from None
    if len(page.data.headers) != len(COLUMNS):
        raise ReportError(
            f"the participants report has {len(page.data.headers)} columns, {len(COLUMNS)} expected "
            f"({', '.join(h for h, _ in COLUMNS)}): rebuild it as `qualiopi-sync doctor` explains",
            wsfunction=WSFUNCTION)
    return page


def _text(cell: str | None) -> str:
    from html import unescape

    return unescape(_TAG.sub("", cell or "")).strip()


def parse_time(cell: str | None, tz: ZoneInfo) -> int | None:
    """A date as Moodle writes it for people ("Tuesday, 24 November 2026, 10:05 AM", "mardi 24 novembre
    2026, 10:05") → Unix time (to the minute), in the sync user's timezone; None when empty or "Never"."""
    return _parse_time(cell or "", tz)


@lru_cache(maxsize=1 << 16)  # a report repeats its dates (enrolment starts, common minutes) many times
def _parse_time(cell: str, tz: ZoneInfo) -> int | None:
    text = _text(cell)
    if not text or text.lower() in {"never", "jamais", "-"}:
        return None
    m = _DATE.search(text)
    month = _MONTHS.get(m[2].lower()) if m else None
    if not m or month is None:
        raise ReportError(f"the participants report shows the date {text!r}, which qualiopi-sync cannot read: "
                          "set the sync user's language to English or French", wsfunction=WSFUNCTION)
    hour, minute = int(m[4] or 0), int(m[5] or 0)
    if m[6]:
        hour = hour % 12 + (12 if m[6].lower() == "pm" else 0)
    return int(datetime(int(m[3]), month, int(m[1]), hour, minute, tzinfo=tz).timestamp())


def parse_percent(cell: str | None) -> float | None:
    text = _text(cell).replace("\u202f", "").replace("\xa0", "").replace(" ", "").rstrip("%").replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise ReportError(f"the participants report shows the progress {text!r}: expected a percentage "
                          "(column 13 must be 'Course completion: Progress')", wsfunction=WSFUNCTION) from None


def course_of(cells: list[str | None]) -> int:
    course = _COURSE_LINK.search(cells[0] or "") if cells else None
    if course is None:
        raise ReportError(f"the participants report's first column holds {_text(cells[0] if cells else '')[:60]!r}, "
                          "not a course link: its first column must be 'Course: Course short name with link'",
                          wsfunction=WSFUNCTION)
    return int(course[1])


def merge_row(cells: list[str | None], tz: ZoneInfo, people: dict[int, Participant]) -> None:
    """Add one report row to its course's participants (user id → participant); empty user cells add nobody."""
    cells = list(cells) + [None] * (len(COLUMNS) - len(cells))
    if not _text(cells[1]):
        return  # a course without participants
    user = _USER_LINK.search(cells[1] or "")
    if user is None:
        raise ReportError(f"the participants report's second column holds {_text(cells[1])[:60]!r}, not a "
                          "user link: it must be 'User: Full name with link'", wsfunction=WSFUNCTION)
    uid = int(user[1])
    p = people.get(uid)
    if p is None:
        p = people[uid] = Participant(course_of(cells), uid, _text(user[2]), _text(cells[2]) or None,
                                      _text(cells[3]) or None)
        _fill(p, cells, tz)
    elif _STATUS.get(_text(cells[6]).lower()) == "active":  # several enrolment methods: any active one wins
        _fill(p, cells, tz)
    if _text(cells[4]):
        p.roles.add(_text(cells[4]))
    if _text(cells[5]):
        p.groups.add(_text(cells[5]))


def merge_rows(rows: Iterable[list[str | None]], tz: ZoneInfo, into: dict[int, dict[int, Participant]]) -> None:
    """Add rows to ``into`` (course id → user id → participant); a course without users is kept, empty."""
    for cells in rows:
        merge_row(cells, tz, into.setdefault(course_of(cells), {}))


def _fill(p: Participant, cells: list[str | None], tz: ZoneInfo) -> None:
    status = _text(cells[6]).lower()
    if status and status not in _STATUS:
        raise ReportError(f"the participants report shows the enrolment status {status!r}: column 7 must be "
                          "'Enrolment: Status'", wsfunction=WSFUNCTION)
    p.status = _STATUS.get(status, "active")
    p.timestart, p.timeend = parse_time(cells[7], tz), parse_time(cells[8], tz)
    p.lastcourseaccess = parse_time(cells[9], tz) or 0
    done = _text(cells[10]).lower()
    if done and done not in _YES | _NO:
        raise ReportError(f"the participants report shows {done!r} as 'completed': column 11 must be "
                          "'Course completion: Completed'", wsfunction=WSFUNCTION)
    p.completed = done in _YES
    p.timecompleted = parse_time(cells[11], tz)
    p.progress = parse_percent(cells[12])


def recipe() -> list[str]:
    """How the administrator builds the report (printed by `doctor`)."""
    return [
        "Site administration > Reports > Report builder > Custom reports > New report:",
        "  name 'qualiopi-sync participants', report source 'Course participants',",
        "  untick 'Include default setup'; then add these columns, in this order:",
        *[f"  {i:>2}. {name}  ({what})" for i, (name, what) in enumerate(COLUMNS, 1)],
        "  Sorting: sort ascending by 'Course short name with link', then 'Username', 'Role: Short name',",
        "  'Group: Name' (in that order: the rows of a course must come together, in a stable order);",
        "  no condition, no filter; Audience: add 'Assign to system role' with the qualiopisync role.",
        "Give the sync user's role moodle/reportbuilder:view; set the sync user's language to English or",
        "  French and note its timezone; then put the report id (from the report's URL, ?id=N) in",
        "  [moodle] participants_report_id and the timezone in [moodle] report_timezone.",
    ]
