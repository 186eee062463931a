"""Registry of every Moodle web-service function qualiopi-sync calls.

The README's list of functions to add to the external service, `doctor`'s checks
and the retry policy (reads only) all come from this registry.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WsFunction:
    name: str
    write: bool
    feature: str  # "core" (always), "sync", "report" (participants_report_id set), "registers" ([quality]
    # course_ids set), "push"
    capabilities: tuple[str, ...]
    purpose: str


_F = WsFunction

FUNCTIONS: dict[str, WsFunction] = {
    f.name: f
    for f in (
        _F("core_webservice_get_site_info", False, "core", ("webservice/rest:use",),
           "site name, release, functions of the service (doctor)"),
        _F("core_course_get_categories", False, "sync",
           ("moodle/category:viewcourselist", "moodle/category:viewhiddencategories"),
           "course categories (programme mapping)"),
        _F("core_course_get_courses_by_field", False, "sync",
           ("moodle/course:view", "moodle/course:viewhiddencourses"),
           "courses with custom fields, visibility, completion setting, teachers"),
        _F("core_course_get_contents", False, "sync",
           ("moodle/course:view", "moodle/course:viewhiddensections",
            "moodle/course:viewhiddenactivities", "moodle/course:ignoreavailabilityrestrictions",
            "mod/<kind>:view of every module kind"),
           "sections and activities of each course"),
        _F("core_enrol_get_enrolled_users", False, "sync",
           ("moodle/course:viewparticipants", "moodle/course:enrolreview", "moodle/course:viewsuspendedusers",
            "moodle/user:viewalldetails", "moodle/site:viewuseridentity", "moodle/site:accessallgroups"),
           "enrolments, roles, groups, last course access"),
        _F("core_completion_get_activities_completion_status", False, "sync",
           ("report/progress:view",),
           "activity completion of the learners of checkpoint and positioning courses (13, 8)"),
        _F("core_completion_get_course_completion_status", False, "sync",
           ("report/completion:view",),
           "course completion where a learner's course list does not tell; the trainers' completion dates (22)"),
        _F("core_grades_get_gradeitems", False, "sync", (),
           "doctor: every graded activity of a course, whoever can see it"),
        _F("gradereport_user_get_grade_items", False, "sync",
           ("gradereport/user:view", "moodle/grade:viewall", "moodle/grade:viewhidden"),
           "doctor: the graded activities the sync user sees (a gap = a module kind it may not view)"),
        _F("mod_feedback_get_feedbacks_by_courses", False, "sync", ("mod/feedback:view",),
           "feedback (survey) activities"),
        _F("mod_feedback_get_items", False, "sync", ("mod/feedback:view",),
           "questions of each survey"),
        _F("mod_feedback_get_responses_analysis", False, "sync",
           ("mod/feedback:viewreports",), "answers of each survey (anonymous ones stay anonymous)"),
        _F("mod_feedback_get_non_respondents", False, "sync", ("mod/feedback:viewreports",),
           "learners who have not answered a named survey of a running course (reminders, indicator 30)"),
        _F("mod_forum_get_forums_by_courses", False, "sync", ("mod/forum:viewdiscussion",),
           "forums (the complaints channel of indicator 31)"),
        _F("mod_forum_get_forum_discussions", False, "sync", ("mod/forum:viewdiscussion",),
           "discussions of the complaints forums (who answered, when)"),
        _F("core_notes_get_course_notes", False, "sync", ("moodle/notes:view",),
           "course and site notes on learners: dated follow-up traces (indicator 12)"),
        _F("mod_forum_get_discussion_posts", False, "sync", ("mod/forum:viewdiscussion",),
           "who posted when in a complaint discussion (its first staff answer); no text is kept"),
        _F("mod_page_get_pages_by_courses", False, "sync", ("mod/page:view",),
           "text of the pages tagged as evidence (an empty page is not evidence)"),
        _F("mod_data_get_databases_by_courses", False, "registers", ("mod/data:view", "mod/data:viewentry"),
           "the registers (Database activities) of the quality course"),
        _F("mod_data_get_fields", False, "registers", ("mod/data:view", "mod/data:viewentry"),
           "fields of each register (checked by doctor)"),
        _F("mod_data_get_entries", False, "registers", ("mod/data:view", "mod/data:viewentry"),
           "entries of each register: evidence, complaints, improvement actions"),
        _F("core_course_get_updates_since", False, "registers", (),
           "which registers changed since the last run (new and edited entries)"),
        _F("core_reportbuilder_retrieve_report", False, "report",
           ("moodle/reportbuilder:view",),
           "the participants custom report: enrolments, access, completion in bulk (optional, fast path)"),
        _F("core_enrol_get_users_courses", False, "sync",
           ("moodle/course:viewparticipants", "moodle/user:viewdetails", "report/completion:view"),
           "all of a learner's courses in one call: completion and progress (without the report), whether "
           "courses have completion criteria"),
        _F("core_message_send_instant_messages", True, "push",
           ("moodle/site:sendmessage", "moodle/site:messageanyuser"),
           "teacher notifications"),
        _F("core_user_add_user_private_files", True, "push", ("moodle/user:manageownfiles",),
           "reports into the sync user's private files"),
        _F("mod_forum_add_discussion", True, "push",
           ("mod/forum:startdiscussion", "mod/forum:createattachment", "mod/forum:addnews"),
           "reports posted to the quality forum"),
    )
}


def is_write(name: str) -> bool:
    """Unknown functions are treated as writes: never retried blindly."""
    fn = FUNCTIONS.get(name)
    return True if fn is None else fn.write


def required_functions(features: set[str]) -> list[WsFunction]:
    return [f for f in FUNCTIONS.values() if f.feature == "core" or f.feature in features]


def markdown_table() -> str:
    """The README's list of functions for the external service (kept in sync by a test)."""
    lines = ["| function | used for | feature | capabilities of the sync role |", "|---|---|---|---|"]
    for f in FUNCTIONS.values():
        lines.append(f"| `{f.name}` | {f.purpose} | {f.feature}{' (write)' if f.write else ''} | "
                     + ", ".join(f"`{c}`" for c in f.capabilities) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
