"""`doctor`: is the Moodle side set up? Functions in the service, capabilities probed by real reads."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from connector import errors
from connector.doctor_rules import rule_notes
from connector.moodle import MoodleClient
from connector.moodle import models as m
from connector.moodle.capabilities import UNPROBED_VIEW
from connector.moodle.client import access_advice
from connector.moodle.functions import required_functions
from mappings.text import plain_text


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
    notes: tuple[str, ...] = ()  # advice that does not make the data incomplete

    @property
    def ok(self) -> bool:
        return all(c.in_service and c.probe != "failed" for c in self.checks)


class ProbeFailed(Exception):
    """A read that Moodle allowed but whose answer shows a missing capability (``str`` = the fix)."""


_PROBE_COURSES = 5  # courses tried to find one with a learner (the completion and grade probes need one)


def _probes(client: MoodleClient, state: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    """Cheap read calls, one per function, built from what the site itself returns, made as the sync makes
    them; where Moodle leaves things out instead of refusing, the answer is checked against another source."""
    from connector.moodle.capabilities import MODULE_VIEW
    from connector.sync.resources.learners import ACTIVE_OPTIONS

    def courses() -> Any:
        cs = [c for c in m.parse_courses(client.call("core_course_get_courses_by_field")) if c.format != "site"]
        state["all_courses"] = cs
        # completion enabled first: there ``cannotviewreport`` can only mean a missing capability
        state["courses"] = [c.id for c in sorted(cs, key=lambda c: not c.enablecompletion)[:_PROBE_COURSES]]
        state["completion"] = {c.id for c in cs if c.enablecompletion}
        state["cacherev"] = any((c.model_extra or {}).get("cacherev") is not None for c in cs)
        state["course"] = cs[0].id if cs else None
        if cs and not state["cacherev"]:
            raise ProbeFailed(
                "the course records carry no cache revision (cacherev), so an activity added or renamed without "
                "touching the course settings would be seen only by `sync --full`: grant the sync role "
                "moodle/course:update (system context; the service's functions stay read-only, and the sync "
                "user's authentication can be set to 'No login')")
        return cs

    def enrolled() -> Any:
        for cid in state["courses"]:
            users = m.parse_enrolled_users(client.call("core_enrol_get_enrolled_users", courseid=cid))
            client.call("core_enrol_get_enrolled_users", courseid=cid, options=ACTIVE_OPTIONS)
            if any(not u.username for u in users):
                raise ProbeFailed("users come back without username (and idnumber): grant the sync role "
                                  "moodle/user:viewalldetails (system context)")
            learner = next((u.id for u in users if any(r.shortname == "student" for r in u.roles)), None)
            if learner:
                state["course"], state["user"] = cid, learner
                break
        return True

    def contents() -> Any:
        mods = [mod for sec in m.parse_contents(client.call("core_course_get_contents", courseid=course()))
                for mod in sec.modules]
        state["modules"] = mods
        return mods

    def forums() -> Any:
        fs = m.parse_forums(client.call("mod_forum_get_forums_by_courses", courseids=[course()]))
        state["forum"] = next((f.id for f in fs if f.type != "news"), None)
        shown = {mod.instance for mod in state.get("modules", []) if mod.modname == "forum"}
        if shown and not shown & {f.id for f in fs}:
            raise ProbeFailed(f"course {course()} has {len(shown)} forum(s) but Moodle lists none to the sync "
                              "user: grant the sync role mod/forum:viewdiscussion (system context)")
        return fs

    def feedbacks() -> Any:
        fbs = m.parse_feedbacks(client.call("mod_feedback_get_feedbacks_by_courses", courseids=[course()]))
        state["feedback"] = fbs[0].id if fbs else None
        # Moodle refuses an anonymous survey's non-respondents before it checks the capability: probe a named one
        state["named_feedback"] = next((f.id for f in fbs if f.anonymous != 1), None)
        return fbs

    def gradebook() -> Any:
        items = client.call("core_grades_get_gradeitems", courseid=course())
        state["gradebook"] = {str(i.get("id")): i.get("itemname") for i in (items or {}).get("gradeItems", [])}
        return items

    def seen_by_sync_user() -> Any:
        answer = client.call("gradereport_user_get_grade_items", courseid=course(), userid=state["user"])
        seen = {str(i.get("id")) for ug in answer.get("usergrades", []) for i in ug.get("gradeitems", [])}
        hidden = [name for gid, name in state.get("gradebook", {}).items() if gid not in seen]
        if hidden:
            kinds = ", ".join(f"mod/{k}:view" for k, (_, default) in MODULE_VIEW.items() if not default)
            raise ProbeFailed(
                f"the gradebook of course {course()} lists {', '.join(f'« {n} »' for n in hidden[:3])}, which "
                f"Moodle hides from the sync user (its activities would be missing from every report): grant "
                f"the sync role the :view capability of that activity's kind ({kinds}), and "
                "moodle/course:viewhiddenactivities, moodle/course:ignoreavailabilityrestrictions, "
                "moodle/grade:viewhidden")
        return answer

    def completion() -> Any:
        try:
            answer = client.call("core_completion_get_course_completion_status", courseid=course(),
                                 userid=state["user"])
        except errors.MoodleError as exc:
            if exc.errorcode == "cannotviewreport" and course() not in state["completion"]:
                return None  # completion is off in this course: nothing to tell
            raise
        check_criteria(answer, state, course())
        return answer

    def discussions() -> Any:
        found = m.parse_discussions(client.call("mod_forum_get_forum_discussions", forumid=state["forum"]))
        state["discussion"] = found[0].discussion if found else None
        return found

    def notes() -> Any:
        try:
            return client.call("core_notes_get_course_notes", courseid=course())
        except errors.MoodleError as exc:
            if exc.errorcode == "notesdisabled":
                raise ProbeFailed("notes are disabled on the site, so no follow-up trace of a learner at risk can "
                                  "be read (indicator 12): tick Site administration > General > Advanced features > "
                                  "Enable notes") from None
            raise

    course = lambda: state.get("course")
    return {
        "core_course_get_categories": lambda: state.__setitem__(
            "all_categories", m.parse_categories(client.call("core_course_get_categories"))),
        "core_course_get_courses_by_field": courses,
        "core_enrol_get_enrolled_users": lambda: state.get("courses") and enrolled(),
        "core_course_get_contents": lambda: course() and contents(),
        "core_completion_get_activities_completion_status": lambda: state.get("user") and client.call(
            "core_completion_get_activities_completion_status", courseid=course(), userid=state["user"]),
        "core_completion_get_course_completion_status": lambda: state.get("user") and completion(),
        "core_enrol_get_users_courses": lambda: state.get("user") and _users_courses_probe(client, state),
        "core_grades_get_gradeitems": lambda: course() and gradebook(),
        "gradereport_user_get_grade_items": lambda: state.get("user") and seen_by_sync_user(),
        "mod_feedback_get_feedbacks_by_courses": lambda: course() and feedbacks(),
        "mod_feedback_get_items": lambda: state.get("feedback") and client.call(
            "mod_feedback_get_items", feedbackid=state["feedback"]),
        "mod_feedback_get_responses_analysis": lambda: state.get("feedback") and client.call(
            "mod_feedback_get_responses_analysis", feedbackid=state["feedback"]),
        "mod_feedback_get_non_respondents": lambda: state.get("named_feedback") and client.call(
            "mod_feedback_get_non_respondents", feedbackid=state["named_feedback"]),
        "mod_forum_get_forums_by_courses": lambda: course() and forums(),
        "mod_forum_get_forum_discussions": lambda: state.get("forum") and discussions(),
        "mod_forum_get_discussion_posts": lambda: state.get("discussion") and client.call(
            "mod_forum_get_discussion_posts", discussionid=state["discussion"], sortby="created",
            sortdirection="ASC"),
        "mod_page_get_pages_by_courses": lambda: course() and client.call(
            "mod_page_get_pages_by_courses", courseids=[course()]),
        "core_notes_get_course_notes": lambda: course() and notes(),
    }


# course-level answers that prove the call was allowed (``cannotviewreport`` does not: it is a missing
# report/completion:view, and every completion would be lost)
_ALLOWED_ERRORS = {"nocriteriaset", "usernotenroled"}


_CRITERION = re.compile(r"/mod/(\w+)/view\.php\?id=(\d+)")


def check_criteria(answer: Any, state: dict[str, Any], course_id: int) -> None:
    """The course completion criteria name their activities whatever the sync user may view (Moodle 4.5,
    completion_criteria_activity::get_details): one that core_course_get_contents left out is hidden from the
    sync user. The only behavioural check of the kinds no other source lists (feedback, bigbluebuttonbn)."""
    shown = {mod.id for mod in state.get("modules", [])}
    completions = ((answer or {}).get("completionstatus") or {}).get("completions") or []
    hidden = []
    for c in completions:
        found = _CRITERION.search(str((c.get("details") or {}).get("criteria") or ""))
        if found:
            state.setdefault("criteria_kinds", set()).add(found[1])
            if int(found[2]) not in shown:
                hidden.append((found[1], plain_text(c["details"]["criteria"])))
    if hidden:
        kinds = ", ".join(sorted({f"mod/{k}:view" for k, _ in hidden}))
        names = ", ".join(f"« {n} » ({k})" for k, n in hidden[:3])
        raise ProbeFailed(f"the completion criteria of course {course_id} name {names}, which Moodle hides from the "
                          f"sync user (its activities would be missing from every report): grant the sync role "
                          f"{kinds} (system context), and moodle/course:viewhiddenactivities and "
                          "moodle/course:ignoreavailabilityrestrictions if the activity is hidden or restricted")


def _users_courses_probe(client: MoodleClient, state: dict[str, Any]) -> Any:
    """A learner's courses, as the sync reads them: completion and progress (without the report), whether
    courses have completion criteria."""
    got = m.parse_users_courses(client.call("core_enrol_get_users_courses", userid=state["user"], returnusercount=0))
    if any(c.enablecompletion and c.completed is None for c in got):
        raise ProbeFailed("a learner's courses come back without completion data: grant the sync role "
                          "report/completion:view (system context)")
    return got


def _report_probe(client: MoodleClient, report_id: int, tz: str) -> Callable[[], Any]:
    """Read the whole participants report, as the sync does, and check it is built as documented: headers
    (English or French), order, no condition, every word and date readable, dates consistent."""
    from zoneinfo import ZoneInfo

    from connector.moodle import report

    def page(n: int) -> Any:
        try:
            return report.parse_report_page(client.call(report.WSFUNCTION, reportid=report_id, page=n,
                                                        perpage=_REPORT_PAGE))
        except errors.MoodleError as exc:
            fix = report.access_fix(report_id, exc.errorcode)
            if fix:
                raise ProbeFailed(fix) from None
            raise

    def probe() -> Any:
        first = page(0)
        pages = max(1, -(-first.data.totalrowcount // _REPORT_PAGE))
        for n in range(pages):
            got = first if n == 0 else page(n)
            courses: dict[int, dict[int, report.Participant]] = {}
            report.merge_rows([r.get("columns", []) for r in got.data.rows], ZoneInfo(tz), courses)
            for people in courses.values():
                report.check_rows(people.values())
        return first

    return probe


_REPORT_PAGE = 2000


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


def _run_probe(name: str, run: Callable[[], Any]) -> tuple[str, str]:
    from connector.moodle.report import ReportError

    try:
        run()
        return "ok", ""
    except ProbeFailed as exc:
        return "failed", str(exc)
    except ReportError as exc:
        return "failed", f"{exc} (the recipe follows)"
    except errors.MoodleError as exc:
        if exc.errorcode in _ALLOWED_ERRORS:
            return "ok", ""
        if isinstance(exc, errors.AccessDeniedError) or exc.errorcode == "cannotviewreport":
            return "failed", f"{exc.errorcode}: {access_advice(name, exc.errorcode, exc.moodle_message)}"
        return "failed", str(exc)


def check_site(client: MoodleClient, features: set[str], report_id: int | None = None,
               report_tz: str = "Europe/Paris", quality_course_ids: list[int] | None = None,
               register_names: dict[str, str] | None = None, programmes: list | None = None,
               apart: set[int] | None = None) -> DoctorReport:
    """``report_id``: the participants custom report (fast path), checked when configured."""
    site = m.parse_site_info(client.call("core_webservice_get_site_info"))
    service = {f.name for f in site.functions}
    state: dict[str, Any] = {}
    probes = _probes(client, state)
    listed: dict[str, Any] = {}
    if quality_course_ids:
        features = features | {"registers"}
        probes |= _register_probes(client, quality_course_ids, listed)
    if report_id:
        features = features | {"report"}
        probes["core_reportbuilder_retrieve_report"] = _report_probe(client, report_id, report_tz)
    needed = required_functions(features)
    outcome: dict[str, tuple[str, str]] = {}
    wanted = {fn.name for fn in needed if fn.name in service and not fn.write}
    for name, run in probes.items():  # in the probes' order: each may use what the previous ones found
        if name in wanted:
            outcome[name] = _run_probe(name, run)
    checks = []
    for fn in needed:
        in_service = fn.name in service
        fix = "" if in_service else f"add {fn.name} to the external service (Site administration > Server > " \
                                    "Web services > External services > Functions)"
        probe = "not probed (write)" if fn.write else "skipped"
        if fn.name in outcome:
            probe, fix = outcome[fn.name]
        elif in_service and fn.name == "core_webservice_get_site_info":
            probe = "ok"
        checks.append(Check(fn.name, in_service, probe, fix))
    if quality_course_ids and register_names and all(
            c.in_service for c in checks if c.function.startswith("mod_data_")):
        checks += check_registers(client, quality_course_ids, register_names, listed.get("dbs"))
    unchecked = [k for k in UNPROBED_VIEW if k not in state.get("criteria_kinds", set())]
    notes = [(f"not checkable by behaviour here: {', '.join(f'mod/{k}:view' for k in unchecked)} — Moodle hides "
              "those activities (surveys for indicator 30, virtual classes) from every list the sync user can read; "
              "only a probed course's completion criteria name them, and none did: make sure the sync role has "
              "them (README, capability table)")] if unchecked else []
    return DoctorReport(site, checks, (*notes, *rule_notes(programmes or [], state, apart or set())))
