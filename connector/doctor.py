"""`doctor`: is the Moodle side set up? Functions in the service, capabilities probed by real reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from connector import errors
from connector.moodle import MoodleClient
from connector.moodle import models as m
from connector.moodle.functions import required_functions


@dataclass(frozen=True)
class Check:
    function: str
    in_service: bool
    probe: str  # "ok", "failed", "not probed (write)", "skipped"
    fix: str


@dataclass(frozen=True)
class DoctorReport:
    site: m.SiteInfo
    checks: list[Check]

    @property
    def ok(self) -> bool:
        return all(c.in_service and c.probe != "failed" for c in self.checks)


def _probes(client: MoodleClient) -> dict[str, Callable[[], Any]]:
    """Cheap read calls, one per function, built from what the site itself returns."""
    state: dict[str, Any] = {}

    def courses() -> Any:
        cs = [c for c in m.parse_courses(client.call("core_course_get_courses_by_field")) if c.format != "site"]
        state["course"] = cs[0].id if cs else None
        return cs

    def enrolled() -> Any:
        users = m.parse_enrolled_users(client.call("core_enrol_get_enrolled_users", courseid=state["course"]))
        state["user"] = next((u.id for u in users if any(r.shortname == "student" for r in u.roles)), None)
        return users

    def feedbacks() -> Any:
        fbs = m.parse_feedbacks(client.call("mod_feedback_get_feedbacks_by_courses", courseids=[state["course"]]))
        state["feedback"] = fbs[0].id if fbs else None
        return fbs

    def forums() -> Any:
        fs = m.parse_forums(client.call("mod_forum_get_forums_by_courses", courseids=[state["course"]]))
        state["forum"] = next((f.id for f in fs if f.type != "news"), None)
        return fs

    course = lambda: state.get("course")
    return {
        "core_course_get_categories": lambda: client.call("core_course_get_categories"),
        "core_course_get_courses_by_field": courses,
        "core_course_get_contents": lambda: course() and client.call("core_course_get_contents", courseid=course()),
        "core_enrol_get_enrolled_users": lambda: course() and enrolled(),
        "core_completion_get_activities_completion_status": lambda: state.get("user") and client.call(
            "core_completion_get_activities_completion_status", courseid=course(), userid=state["user"]),
        "core_completion_get_course_completion_status": lambda: state.get("user") and client.call(
            "core_completion_get_course_completion_status", courseid=course(), userid=state["user"]),
        "mod_feedback_get_feedbacks_by_courses": lambda: course() and feedbacks(),
        "mod_feedback_get_items": lambda: state.get("feedback") and client.call(
            "mod_feedback_get_items", feedbackid=state["feedback"]),
        "mod_feedback_get_responses_analysis": lambda: state.get("feedback") and client.call(
            "mod_feedback_get_responses_analysis", feedbackid=state["feedback"]),
        "mod_forum_get_forums_by_courses": lambda: course() and forums(),
        "mod_forum_get_forum_discussions": lambda: state.get("forum") and client.call(
            "mod_forum_get_forum_discussions", forumid=state["forum"]),
    }


# course-level answers that prove the call was allowed
_ALLOWED_ERRORS = {"nocriteriaset", "cannotviewreport", "usernotenroled"}


def _report_probe(client: MoodleClient, report_id: int, tz: str) -> Callable[[], Any]:
    """Read the first rows of the participants report and check they are built as documented."""
    from zoneinfo import ZoneInfo

    from connector.moodle import report

    def probe() -> Any:
        page = report.parse_report_page(client.call(report.WSFUNCTION, reportid=report_id, page=0, perpage=20))
        report.merge_rows([r.get("columns", []) for r in page.data.rows], ZoneInfo(tz), {})
        return page

    return probe


def check_site(client: MoodleClient, features: set[str], report_id: int | None = None,
               report_tz: str = "Europe/Paris") -> DoctorReport:
    """``report_id``: the participants custom report (fast path), checked when configured."""
    from connector.moodle.report import ReportError, recipe

    site = m.parse_site_info(client.call("core_webservice_get_site_info"))
    service = {f.name for f in site.functions}
    probes = _probes(client)
    if report_id:
        features = features | {"report"}
        probes["core_reportbuilder_retrieve_report"] = _report_probe(client, report_id, report_tz)
    checks = []
    for fn in required_functions(features):
        in_service = fn.name in service
        fix = "" if in_service else f"add {fn.name} to the external service (Site administration > Server > " \
                                    "Web services > External services > Functions)"
        probe = "not probed (write)" if fn.write else "skipped"
        if in_service and not fn.write and fn.name in probes:
            try:
                probes[fn.name]()
                probe = "ok"
            except ReportError as exc:
                probe, fix = "failed", f"{exc}; " + " ".join(x.strip() for x in recipe())
            except errors.MoodleError as exc:
                if exc.errorcode in _ALLOWED_ERRORS:
                    probe = "ok"
                else:
                    probe = "failed"
                    fix = f"{exc.errorcode}: grant the sync role {', '.join(fn.capabilities)}"
        elif in_service and fn.name == "core_webservice_get_site_info":
            probe = "ok"
        checks.append(Check(fn.name, in_service, probe, fix))
    return DoctorReport(site, checks)
