"""The sync resources, as data (name, WS functions, cursor, key), run in this order."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from connector.sync.context import SyncContext
from connector.sync.resources import (
    catalog,
    completion,
    feedback,
    forums,
    learners,
    non_respondents,
    notes,
    participants,
    registers,
    snapshots,
)


@dataclass(frozen=True)
class Resource:
    name: str
    functions: tuple[str, ...]
    cursor: str  # what the incremental rule compares
    key: str  # primary key of the rows it writes
    run: Callable[[SyncContext, int], Counter[str]]


def _enrolments(ctx: SyncContext, run_id: int) -> Counter[str]:
    """The participants report when configured (fast path), else two calls per course."""
    return (participants.sync_enrolments if ctx.report_id else learners.sync_enrolments)(ctx, run_id)


def _completion(ctx: SyncContext, run_id: int) -> Counter[str]:
    """With the report: criteria probes and checkpoint activities only; else one call per learner."""
    return (participants.sync_completion if ctx.report_id else completion.sync_completion)(ctx, run_id)


RESOURCES: tuple[Resource, ...] = (
    Resource("categories", ("core_course_get_categories",), "none (one cheap call)", "category.id",
             catalog.sync_categories),
    Resource("courses", ("core_course_get_courses_by_field",), "record hash / timemodified",
             "course.id, course_customfield.(course_id, shortname)", catalog.sync_courses),
    Resource("contents", ("core_course_get_contents", "mod_page_get_pages_by_courses"),
             "course record hash at last fetch (page text: tagged pages of those courses)",
             "section.id, module.id", catalog.sync_contents),
    Resource("enrolments", ("core_reportbuilder_retrieve_report", "core_enrol_get_enrolled_users"),
             "report: diffed row by row; fallback: two calls per course, diffed",
             "enrolment.(course_id, user_id), moodle_user.id, course_completion (report)", _enrolments),
    Resource("completion", ("core_completion_get_activities_completion_status",
                            "core_completion_get_course_completion_status", "core_enrol_get_users_courses"),
             "report: course record hash (criteria, from a few learners' course lists); fallback: each active "
             "learner's enrolments and accesses vs marker and cursor − lookback (one course list per learner); "
             "both: checkpoint learners' access and progress", "(course_id, user_id[, cmid])",
             _completion),
    Resource("feedback", ("mod_feedback_get_feedbacks_by_courses", "mod_feedback_get_items",
                          "mod_feedback_get_responses_analysis"),
             "edited courses (list); last course access vs marker (answers)", "feedback.id, feedback_response.id",
             feedback.sync_feedback),
    Resource("non_respondents", ("mod_feedback_get_non_respondents",),
             "named surveys still open in running courses; their answer count and their course's enrolment count "
             "vs marker",
             "feedback_non_respondent.(feedback_id, user_id)", non_respondents.sync_non_respondents),
    Resource("forums", ("mod_forum_get_forums_by_courses", "mod_forum_get_forum_discussions"),
             "edited courses (list); last course access vs marker (discussions of complaints forums only)",
             "forum.id, forum_discussion.id", forums.sync_forums),
    Resource("notes", ("core_notes_get_course_notes",),
             "running courses with learners; last course access vs marker", "course_note.(id, course_id)",
             notes.sync_notes),
    Resource("registers", ("mod_data_get_databases_by_courses", "core_course_get_updates_since",
                           "mod_data_get_fields", "mod_data_get_entries"),
             "module changes reported since the cursor − lookback, and the entry count (deletions)",
             "register_database.id, register_entry.(kind, source, ref)", registers.sync_registers),
    Resource("snapshots", ("pluginfile.php",),
             "documents new or listed with another size or time (failed ones retried)", "snapshot.url",
             snapshots.sync_snapshots),
)

__all__ = ["RESOURCES", "Resource"]
