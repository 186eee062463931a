"""The sync resources, as data (name, WS functions, cursor, key), run in this order."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from connector.sync.context import SyncContext
from connector.sync.resources import catalog, feedback, forums, learners


@dataclass(frozen=True)
class Resource:
    name: str
    functions: tuple[str, ...]
    cursor: str  # what the incremental rule compares
    key: str  # primary key of the rows it writes
    run: Callable[[SyncContext, int], Counter[str]]


RESOURCES: tuple[Resource, ...] = (
    Resource("categories", ("core_course_get_categories",), "none (one cheap call)", "category.id",
             catalog.sync_categories),
    Resource("courses", ("core_course_get_courses_by_field",), "record hash / timemodified",
             "course.id, course_customfield.(course_id, shortname)", catalog.sync_courses),
    Resource("contents", ("core_course_get_contents",), "course record hash at last fetch",
             "section.id, module.id", catalog.sync_contents),
    Resource("enrolments", ("core_enrol_get_enrolled_users",), "none (diffed per course)",
             "enrolment.(course_id, user_id), moodle_user.id", learners.sync_enrolments),
    Resource("completion", ("core_completion_get_activities_completion_status",
                            "core_completion_get_course_completion_status"),
             "learner's lastcourseaccess vs cursor − lookback", "(course_id, user_id[, cmid])",
             learners.sync_completion),
    Resource("feedback", ("mod_feedback_get_feedbacks_by_courses", "mod_feedback_get_items",
                          "mod_feedback_get_responses_analysis"),
             "course access since cursor − lookback (responses)", "feedback.id, feedback_response.id",
             feedback.sync_feedback),
    Resource("forums", ("mod_forum_get_forums_by_courses", "mod_forum_get_forum_discussions"),
             "course changed or accessed since cursor − lookback; discussions of complaints forums only",
             "forum.id, forum_discussion.id", forums.sync_forums),
)

__all__ = ["RESOURCES", "Resource"]
