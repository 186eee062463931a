"""The participants custom report (``core_reportbuilder_retrieve_report``): bulk enrolments, access, completion.

Shape as recorded on Moodle 4.5 (``../shared/moodle/fixtures/core_reportbuilder_retrieve_report__report1_
participants_en.json`` and ``_fr.json``): ``{"details": {…, "conditiondata"}, "data": {"headers": [...],
"rows": [{"columns": [...]}], "totalrowcount": n}, "warnings": []}``. Headers are the bare column titles in
the sync user's language; every cell is the report's *formatted* text, as a person sees it: links,
"Yes"/"Oui", dates written out in the sync user's language and timezone, "50.0%" / "50,0 %".

The report is built once by the Moodle administrator from the "Course participants" source with
the columns of ``COLUMNS``, in this order, sorted by course (``qualiopi-sync doctor`` prints the
recipe and checks the build: headers, order, no condition, dates consistent). One row per course × user ×
role × group; a course without participants gives one row with empty user cells. Sorted by course, the
rows of a course come together: the sync streams the pages and writes course by course, whatever the size
of the site.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from connector.errors import EXIT_CONFIG, UnexpectedPayloadError

WSFUNCTION = "core_reportbuilder_retrieve_report"
SOURCE = "core_course\\reportbuilder\\datasource\\participants"

# (entity: column as the report builder names it, what qualiopi-sync reads from it, header as Moodle 4.5
# writes it in English, in French)
COLUMNS: tuple[tuple[str, str, str, str], ...] = (
    ("Course: Course short name with link", "course id (from the link) and short name",
     "Course short name with link", "Nom abrégé du cours avec lien"),
    ("User: Full name with link", "user id (from the link) and full name", "Full name with link",
     "Nom complet avec lien"),
    ("User: Username", "username", "Username", "Nom d\u2019utilisateur"),
    ("User: ID number", "idnumber (matches contracts of indicator 13)", "ID number", "Numéro d\u2019identification"),
    ("Role: Short name", "role (student, editingteacher, teacher …)", "Short name", "Nom abrégé"),
    ("Group: Name", "groups (indicator 10)", "Name", "Nom"),
    ("Enrolment: Status", "active / suspended / not current", "Status", "Statut"),
    ("Enrolment: Time started", "enrolment start", "Time started", "Horodatage de début"),
    ("Enrolment: Time ended", "enrolment end", "Time ended", "Horodatage de fin"),
    ("Course access: Last access to course", "last course access (indicator 12)", "Last access to course",
     "Dernier accès au cours"),
    ("Course completion: Completed", "course completed", "Completed", "Terminé"),
    ("Course completion: Time completed", "completion date", "Time completed", "Horodatage de l\u2019achèvement"),
    ("Course completion: Student progress", "percentage of activities completed (in progress / not started)",
     "Student progress", "Suivi des activités des participants"),
)

_COURSE_LINK = re.compile(r'href="[^"]*/course/view\.php\?id=(\d+)[^"]*"[^>]*>(.*?)</a>', re.DOTALL)
_USER_LINK = re.compile(r'href="[^"]*/user/(?:profile|view)\.php\?id=(\d+)[^"]*"[^>]*>(.*?)</a>', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_MONTHS = {m: i + 1 for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"])}
_MONTHS |= {m: i + 1 for i, m in enumerate(
    ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"])}
_DATE = re.compile(r"(\d{1,2})\s+([^\W\d_]+)\.?\s+(\d{4})(?:[,\s]+(?:à\s+)?(\d{1,2})[:h](\d{2})\s*([AaPp][Mm])?)?")
# the words of Moodle 4.5's English and French language packs (recorded: "Active"/"Suspended"/"Not current",
# "Active"/"Suspendu"/"Pas actuel")
_STATUS = {"active": "active", "suspended": "suspended", "suspendu": "suspended",
           "not current": "not_current", "pas actuel": "not_current"}
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
    check_build(page)
    return page


def _norm(header: str) -> str:
    return " ".join(header.replace("\u2019", "'").split()).casefold()


def check_build(page: ReportPage) -> None:
    """The report is built as the recipe says: the 13 headers in order (English or French), no condition."""
    got = [_norm(_text(h)) for h in page.data.headers]
    for lang in (2, 3):
        if got == [_norm(c[lang]) for c in COLUMNS]:
            break
    else:
        expected = [c[2] for c in COLUMNS]
        if len(got) != len(COLUMNS):
            detail = f"it has {len(got)} columns, {len(COLUMNS)} expected"
        else:
            lang = 3 if _norm(COLUMNS[0][3]) == got[0] else 2
            i = next(i for i, c in enumerate(COLUMNS) if _norm(c[lang]) != got[i])
            where = [j + 1 for j, c in enumerate(COLUMNS) if _norm(c[lang]) == got[i]]
            moved = f" (that is column {where[0]}'s title: columns in the wrong order)" if where else ""
            detail = (f"its column {i + 1} is « {_text(page.data.headers[i])} », expected « {COLUMNS[i][lang]} » "
                      f"({COLUMNS[i][0]}){moved}")
        raise ReportError(f"the participants report is not built as documented: {detail}; its columns must be, "
                          f"in order: {', '.join(expected)} (rebuild it as `qualiopi-sync doctor` explains)",
                          wsfunction=WSFUNCTION)
    active = active_conditions(page.details.get("conditiondata"))
    if active:
        raise ReportError(f"the participants report has condition(s) {', '.join(active)}: remove every condition "
                          "(Conditions tab of the report): a condition leaves enrolments out (e.g. suspended "
                          "learners) and the sync would believe they left", wsfunction=WSFUNCTION)


def active_conditions(data: Any) -> list[str]:
    """The conditions of ``details.conditiondata`` that filter rows: an operator other than "any value"
    (0 in every report builder filter), or chosen values."""
    import json

    if isinstance(data, str):
        try:
            data = json.loads(data) if data.strip() else {}
        except ValueError:
            return ["(unreadable)"]
    if not isinstance(data, dict):
        return []
    out = set()
    for key, value in data.items():
        name, _, part = key.rpartition("_")
        filtering = (part == "operator" and str(value).strip() not in ("", "0")) or (
            part == "values" and value not in (None, "", [], {}, "0"))
        if filtering:
            out.add(name)
    return sorted(out)


def _text(cell: str | None) -> str:
    if not cell:
        return ""
    if "<" not in cell and "&" not in cell:  # most cells: plain words, numbers, dates
        return cell.strip()
    return unescape(_TAG.sub("", cell)).strip()


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
    return _parse_percent(cell or "")


@lru_cache(maxsize=1 << 12)  # a few hundred distinct percentages on any site
def _parse_percent(cell: str) -> float | None:
    text = _text(cell).replace("\u202f", "").replace("\xa0", "").replace(" ", "").rstrip("%").replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise ReportError(f"the participants report shows the progress {text!r}: expected a percentage "
                          "(column 13 must be 'Course completion: Student progress')", wsfunction=WSFUNCTION) from None


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


def _word(cells: list[str | None], column: int, words: dict[str, Any] | set[str]) -> str:
    value = _text(cells[column]).lower()
    if value and value not in words:
        raise ReportError(f"the participants report shows « {_text(cells[column])} » in column {column + 1}, where "
                          f"'{COLUMNS[column][0]}' is expected: check the column (English and French words are read)",
                          wsfunction=WSFUNCTION)
    return value


def _fill(p: Participant, cells: list[str | None], tz: ZoneInfo) -> None:
    p.status = _STATUS.get(_word(cells, 6, _STATUS), "active")
    p.timestart, p.timeend = parse_time(cells[7], tz), parse_time(cells[8], tz)
    if p.timestart and p.timeend and p.timeend < p.timestart:
        raise ReportError(f"the participants report shows an enrolment of user {p.user_id} in course {p.course_id} "
                          "that ends before it starts: columns 8 and 9 must be 'Enrolment: Time started' then "
                          "'Enrolment: Time ended'", wsfunction=WSFUNCTION)
    p.lastcourseaccess = parse_time(cells[9], tz) or 0  # "Never" is 0, as core_enrol_get_enrolled_users says
    p.completed = _word(cells, 10, _YES | _NO) in _YES
    p.timecompleted = parse_time(cells[11], tz)
    if p.timecompleted and p.timestart and p.timecompleted < p.timestart - 86400:
        raise ReportError(f"the participants report shows user {p.user_id} completing course {p.course_id} before "
                          "the enrolment started: column 8 must be 'Enrolment: Time started' (not the course "
                          "completion's) and column 12 'Course completion: Time completed'", wsfunction=WSFUNCTION)
    p.progress = parse_percent(cells[12])


def check_rows(people: Iterable[Participant]) -> None:
    """Across the whole report: column 8 taken from "Course completion: Time started" (same title) shows as
    a start date only for learners who have completed something — never for learners still at 0 %."""
    learners = [p for p in people if "student" in p.roles]
    idle = [p for p in learners if not p.progress and not p.completed]
    busy = [p for p in learners if p.progress or p.completed]
    if len(idle) >= 3 and busy and all(p.timestart is None for p in idle) and all(p.timestart for p in busy):
        raise ReportError("the participants report's column 8 is empty for every learner who has not started and "
                          "set for the others: it is 'Course completion: Time started', not 'Enrolment: Time "
                          "started' (both have the same title): replace it", wsfunction=WSFUNCTION)


def access_fix(report_id: int | None, errorcode: str) -> str | None:
    """The fix when Moodle refuses the report: it does not exist, or the sync user is not in its audience."""
    if errorcode == "invalidrecord":
        return (f"[moodle] participants_report_id = {report_id}: Moodle has no such custom report; put the id from "
                "the report's address (…/reportbuilder/edit.php?id=N) or build it (`qualiopi-sync doctor` "
                "prints the recipe)")
    if errorcode in ("errorreportview", "nopermissions"):
        return (f"the sync user may not view custom report {report_id}: on the report's Audience tab add "
                "'Assign to system role' with the sync user's role (and keep moodle/reportbuilder:view, given "
                "to authenticated users by default)")
    return None


def recipe() -> list[str]:
    """How the administrator builds the report (printed by `doctor`)."""
    return [
        "Site administration > Reports > Report builder > Custom reports > New report:",
        "  name 'qualiopi-sync participants', report source 'Course participants',",
        "  untick 'Include default setup'; then add these columns, in this order:",
        *[f"  {i:>2}. {name}  ({what})" for i, (name, what, _, _) in enumerate(COLUMNS, 1)],
        "  Sorting: sort ascending by 'Course short name with link', then 'Username', 'Role: Short name',",
        "  'Group: Name' (in that order: the rows of a course must come together, in a stable order);",
        "  no condition, no filter; Audience: add 'Assign to system role' with the qualiopisync role.",
        "Give the sync user's role moodle/reportbuilder:view; set the sync user's language to English or",
        "  French and note its timezone; then put the report id (from the report's URL, ?id=N) in",
        "  [moodle] participants_report_id and the timezone in [moodle] report_timezone.",
    ]
