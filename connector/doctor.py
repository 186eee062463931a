"""`doctor`: is the Moodle side set up? Functions in the service, capabilities probed by real reads."""

from __future__ import annotations

import time
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
        "mod_page_get_pages_by_courses": lambda: course() and client.call(
            "mod_page_get_pages_by_courses", courseids=[course()]),
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


def _register_probes(client: MoodleClient, course_ids: list[int],
                     state: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    """The quality course's pages and databases (the same calls as the sync makes); the databases listed
    are kept in ``state`` for the register checks."""

    def databases() -> Any:
        dbs = m.parse_databases(client.call("mod_data_get_databases_by_courses", courseids=list(course_ids)))
        state["dbs"], state["db"] = dbs, (dbs[0].id if dbs else None)
        return dbs

    return {
        "mod_page_get_pages_by_courses": lambda: client.call("mod_page_get_pages_by_courses",
                                                             courseids=[course_ids[0]]),
        "mod_data_get_databases_by_courses": databases,
        "mod_data_get_fields": lambda: state.get("db") and client.call("mod_data_get_fields",
                                                                       databaseid=state["db"]),
        "mod_data_get_entries": lambda: state.get("db") and client.call(
            "mod_data_get_entries", databaseid=state["db"], returncontents=True, page=0, perpage=200),
        "core_course_get_updates_since": lambda: client.call(
            "core_course_get_updates_since", courseid=course_ids[0], since=int(time.time()) - 86400),
    }


def check_registers(client: MoodleClient, course_ids: list[int], names: dict[str, str],
                    dbs: list[m.Database] | None = None) -> list[Check]:
    """Each configured register exists in a quality course and has the fields the sync expects.

    ``dbs``: the databases the probe already listed (else they are asked for)."""
    from connector.registers import missing_fields

    try:
        if dbs is None:
            dbs = m.parse_databases(client.call("mod_data_get_databases_by_courses", courseids=list(course_ids)))
    except errors.MoodleError as exc:
        return [Check("registers", True, "failed", f"{exc.errorcode}: grant the sync role mod/data:view and "
                                                   "mod/data:viewentry (system context)")]
    if not dbs:
        return [Check("registers", True, "failed",
                      f"no Database activity visible in course(s) {', '.join(map(str, course_ids))}: check "
                      "[quality] course_ids and grant the sync role mod/data:view and mod/data:viewentry")]
    by_name = {d.name.strip().casefold(): d for d in dbs}
    out = []
    for kind, name in names.items():
        db = by_name.get(name.strip().casefold())
        label = f"register « {name} »"
        if db is None:
            out.append(Check(label, True, "failed",
                             f"no Database activity named « {name} » in the quality course: add one from the preset "
                             "(qualiopi-sync register presets; Database > Presets > Import) or set its name in "
                             "[quality]"))
            continue
        fields = [f.model_dump() for f in m.parse_data_fields(client.call("mod_data_get_fields", databaseid=db.id))]
        gaps = missing_fields(kind, fields)
        out.append(Check(label, True, "failed" if gaps else "ok",
                         ("; ".join(gaps) + ": add or rename the field(s) in the Database's Fields tab "
                          "(names as in the preset)") if gaps else ""))
    return out


def check_site(client: MoodleClient, features: set[str], report_id: int | None = None,
               report_tz: str = "Europe/Paris", quality_course_ids: list[int] | None = None,
               register_names: dict[str, str] | None = None) -> DoctorReport:
    """``report_id``: the participants custom report (fast path), checked when configured."""
    from connector.moodle.report import ReportError, recipe

    site = m.parse_site_info(client.call("core_webservice_get_site_info"))
    service = {f.name for f in site.functions}
    probes = _probes(client)
    listed: dict[str, Any] = {}
    if quality_course_ids:
        features = features | {"registers"}
        probes |= _register_probes(client, quality_course_ids, listed)
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
    if quality_course_ids and register_names and all(
            c.in_service for c in checks if c.function.startswith("mod_data_")):
        checks += check_registers(client, quality_course_ids, register_names, listed.get("dbs"))
    return DoctorReport(site, checks)
