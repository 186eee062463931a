"""Registry of every capability the sync user's role needs, as observed on Moodle 4.5.

Moodle gives a web-service user no list of its own capabilities, and many reads do not fail without
one: they silently leave things out (``../shared/moodle/RECORDINGS-2.md``, "Capabilities seen"). This
registry is the one source of the README's table, of ``doctor``'s fixes and of the advice of an
access-denied error: Moodle names the missing capability only by its description ("Review course
enrolments"), which ``capability_from_message`` maps back to the capability.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Capability:
    name: str
    label: str  # Moodle's English description, the text of "(…)" in a ``nopermissions`` message
    feature: str  # "core", "sync", "registers", "report", "push" (as in ``functions.WsFunction``)
    why: str
    without: str  # what Moodle 4.5 does without it


_C = Capability

CORE = (
    _C("webservice/rest:use", "Use REST protocol", "core", "every call", "every call refused"),
    _C("moodle/course:view", "View courses without participation", "sync",
       "read courses the sync user is not enrolled in", "courses refused or missing"),
    _C("moodle/course:viewhiddencourses", "View hidden courses", "sync", "hidden courses",
       "hidden courses missing"),
    _C("moodle/category:viewcourselist", "View course category and courses within it", "sync",
       "categories (programme mapping)", "categories missing"),
    _C("moodle/category:viewhiddencategories", "See hidden categories", "sync", "hidden categories",
       "hidden categories missing"),
    _C("moodle/course:viewhiddensections", "View hidden sections", "sync", "hidden sections",
       "hidden sections missing"),
    _C("moodle/course:viewhiddenactivities", "View hidden activities", "sync",
       "hidden activities (a hidden document is reported, not ignored)",
       "hidden activities silently missing from core_course_get_contents"),
    _C("moodle/course:ignoreavailabilityrestrictions", "Ignore availability restrictions", "sync",
       "activities with an access restriction set to hide them",
       "those activities silently missing from core_course_get_contents"),
    _C("moodle/course:update", "Update course settings", "sync",
       "each course's cache revision (cacherev), which changes when an activity is added or edited: the "
       "nightly run sees activity-only edits (no write function is in the service; the sync user's "
       "authentication can be 'No login')",
       "no cacherev in the course records: activity-only edits seen only by `sync --full` (doctor: ✘)"),
    _C("moodle/course:viewparticipants", "View participants", "sync", "enrolments", "enrolments refused"),
    _C("moodle/course:enrolreview", "Review course enrolments", "sync",
       "active enrolments only (`onlyactive`)", "core_enrol_get_enrolled_users refused (nopermissions)"),
    _C("moodle/course:viewsuspendedusers", "View suspended users", "sync", "suspended learners",
       "suspended learners missing"),
    _C("moodle/user:viewdetails", "View user profiles", "sync", "learners' profiles", "users refused"),
    _C("moodle/user:viewalldetails", "View user full information", "sync",
       "usernames and idnumbers (contracts of indicator 13)",
       "users come back without username and idnumber: every contract line is rejected"),
    _C("moodle/site:viewuseridentity", "See full user identity in lists", "sync", "idnumbers in lists",
       "idnumbers missing"),
    _C("moodle/site:viewfullnames", "Always see full names of users", "sync", "full names", "names shortened"),
    _C("moodle/site:accessallgroups", "Access all groups", "sync", "every group of separate-group courses",
       "learners of other groups missing"),
    _C("moodle/course:isincompletionreports", "Be shown on completion reports", "sync",
       "completion reports", "completion missing"),
    _C("report/progress:view", "View activity completion reports", "sync", "activity completion",
       "activity completion refused"),
    _C("report/completion:view", "View course completion report", "sync", "course completion",
       "`cannotviewreport` for every learner: every completion lost"),
    _C("gradereport/user:view", "View user report", "sync", "doctor's check of the activities the sync user "
       "sees (against the gradebook)", "nopermissions"),
    _C("moodle/grade:viewall", "View grades of other users", "sync", "the same check, for a learner",
       "nopermissions"),
    _C("moodle/grade:viewhidden", "View hidden grades for owner", "sync", "hidden grade items in that check",
       "hidden grade items missing"),
    _C("mod/forum:viewdiscussion", "View discussions", "sync", "forums (complaints channel of indicator 31)",
       "mod_forum_get_forums_by_courses answers an empty list, no warning"),
    _C("moodle/notes:view", "View notes", "sync", "course and site notes on learners (follow-up traces, 12)",
       "nopermissions (View notes)"),
    _C("mod/feedback:viewreports", "View reports", "sync", "answers of the surveys", "answers refused"),
    _C("mod/data:view", "View database activity", "registers", "registers (Database activities)",
       "databases silently missing; entries refused (requireloginerror)"),
    _C("mod/data:viewentry", "View entries", "registers", "register entries",
       "databases list: coding error (Moodle 4.5.0 bug); fields/entries refused"),
    _C("moodle/reportbuilder:view", "View custom reports", "report", "the participants report (authenticated "
       "users have it by default)", "errorreportview"),
    _C("moodle/site:sendmessage", "Send messages to any user", "push", "teacher messages", "messages refused"),
    _C("moodle/site:messageanyuser", "Bypass user privacy preferences for messaging any user", "push",
       "messages to teachers who share no course with the sync user", "those messages refused"),
    _C("moodle/user:manageownfiles", "Manage files on own private file areas", "push", "private files",
       "upload refused"),
    _C("mod/forum:startdiscussion", "Start new discussions", "push", "posts to the quality forum",
       "post refused"),
    _C("mod/forum:createattachment", "Create attachments", "push", "PDF attached to the post", "post refused"),
    _C("mod/forum:addnews", "Add announcements", "push", "posts to an announcements forum", "post refused"),
)

# Every module kind whose activities must be seen: without its ``:view`` capability,
# core_course_get_contents leaves its activities out with no warning (Moodle 4.5,
# cm_info::is_user_access_restricted_by_capability). Authenticated users already have those marked True.
MODULE_VIEW: dict[str, tuple[str, bool]] = {
    "assign": ("View assignment", False),
    "bigbluebuttonbn": ("View BigBlueButton room", False),
    "choice": ("View choice activity", True),
    "data": ("View database activity", False),
    "feedback": ("View a feedback", False),
    "folder": ("View folder content", True),
    "glossary": ("View entries", False),
    "h5pactivity": ("View H5P", False),
    "imscp": ("View IMS content", True),
    "label": ("View Text and media area", True),
    "lesson": ("View lesson activity", True),
    "lti": ("Launch external tool activities", False),
    "page": ("View page content", True),
    "quiz": ("View quiz information", False),
    "resource": ("View resource", True),
    "url": ("View URL", True),
    "workshop": ("View workshop", False),
}

# Kinds without a grade item and not given to authenticated users by default: when the sync role lacks
# their :view capability, Moodle hides their activities from every list the sync user can read (contents,
# the *_by_courses lists, activity completion). Only a course's completion criteria still name them, so doctor
# sees the gap where a probed course has such a criterion, and says when none had.
UNPROBED_VIEW = ("bigbluebuttonbn", "feedback")

MODULES = tuple(_C(f"mod/{kind}:view", label, "sync", f"{kind} activities in the course contents",
                   "its activities silently missing from core_course_get_contents"
                   + (" (doctor sees it only where a probed course's completion criteria name such an activity)"
                      if kind in UNPROBED_VIEW else ""))
                for kind, (label, _) in MODULE_VIEW.items() if kind != "data")

CAPABILITIES: tuple[Capability, ...] = CORE + MODULES

_MESSAGE = re.compile(r"\(([^()]+)\)\.?\s*$")


def required(features: set[str]) -> list[Capability]:
    return [c for c in CAPABILITIES if c.feature == "core" or c.feature in features]


def module_view(kind: str) -> str:
    return f"mod/{kind}:view"


def capability_from_message(message: str, prefer: tuple[str, ...] = ()) -> str | None:
    """``"… permissions to do that (Review course enrolments)."`` → ``moodle/course:enrolreview``.

    A description shared by several capabilities (``View entries``: data and glossary) gives the one the
    function needs (``prefer``), else all of them."""
    m = _MESSAGE.search(message or "")
    if not m:
        return None
    names = [c.name for c in CAPABILITIES if c.label.casefold() == m[1].strip().casefold()]
    return next((n for n in names if n in prefer), None) or " or ".join(names) or None


def markdown_table() -> str:
    """The README's capability table (kept in sync by a test)."""
    lines = ["| capability | feature | needed for | without it (Moodle 4.5) |", "|---|---|---|---|"]
    for c in CAPABILITIES:
        lines.append(f"| `{c.name}` | {c.feature} | {c.why} | {c.without} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
