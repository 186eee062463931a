"""`doctor` cannot be fooled: every capability whose absence Moodle hides (empty lists, missing keys,
left-out modules) is found by behaviour, and each fix names the capability that is really missing.

The world is the demo bundle (recorded answers, and answers derived from the ground truth); each test
replaces one answer with what Moodle 4.5 gives without one capability, as recorded in
``../shared/moodle/RECORDINGS-2.md`` ("Capabilities seen on the same Moodle"): the error bodies are the
recorded ones (``error__capability_missing__debug.json`` with the recorded description of the capability),
the silent omissions are the recorded answers with the items Moodle leaves out removed.
"""

from __future__ import annotations

import copy
import json
from importlib import resources

import pytest

from connector import errors
from connector.doctor import check_site
from connector.moodle import MoodleClient
from connector.moodle.client import error_from_body
from connector.moodle.replay import ReplayTransport
from tests.conftest import load_fixture

C1 = "2"  # the probe course: the first with completion enabled and a learner
STUDENT = "3"


def _entries() -> list[dict]:
    text = resources.files("connector").joinpath("demo/bundle.json").read_text("utf-8")
    return copy.deepcopy(json.loads(text)["entries"])


def _nopermissions(description: str) -> dict:
    body = dict(load_fixture("error__capability_missing__debug.json")["response"])
    body["message"] = f"Sorry, but you do not currently have permissions to do that ({description})."
    body.pop("debuginfo", None)
    return body


def _doctor(entries: list[dict], **kw):
    client = MoodleClient("http://127.0.0.1:8080", "x", transport=ReplayTransport(entries))
    report = check_site(client, {"sync"}, quality_course_ids=[10], **kw)
    return report, {c.function: c for c in report.checks}


def _replace(entries: list[dict], wsfunction: str, match, response) -> None:
    hit = [e for e in entries if e["wsfunction"] == wsfunction and match(e["params"])]
    assert hit, f"no {wsfunction} answer to replace"
    for e in hit:
        e["response"] = response(e["response"]) if callable(response) else response


def test_the_demo_world_passes_every_probe():
    report, checks = _doctor(_entries())
    assert report.ok, [(c.function, c.fix) for c in report.checks if c.probe == "failed"]
    assert checks["gradereport_user_get_grade_items"].probe == "ok"
    assert checks["core_enrol_get_enrolled_users"].probe == "ok"


def test_without_enrolreview_the_onlyactive_call_fails_and_the_fix_names_it():
    entries = _entries()
    _replace(entries, "core_enrol_get_enrolled_users",
             lambda p: p.get("courseid") == C1 and "options[0][name]" in p, _nopermissions("Review course enrolments"))
    report, checks = _doctor(entries)
    assert not report.ok
    fix = checks["core_enrol_get_enrolled_users"].fix
    assert "moodle/course:enrolreview" in fix and "viewparticipants" not in fix


def test_without_viewalldetails_users_come_back_without_username_and_doctor_says_so():
    entries = _entries()

    def strip(users):
        return [{k: v for k, v in u.items() if k not in ("username", "idnumber")} for u in users]

    _replace(entries, "core_enrol_get_enrolled_users", lambda p: p == {"courseid": C1}, strip)
    report, checks = _doctor(entries)
    assert report.ok is False
    assert checks["core_enrol_get_enrolled_users"].probe == "failed"
    assert "moodle/user:viewalldetails" in checks["core_enrol_get_enrolled_users"].fix


def test_without_report_completion_view_cannotviewreport_in_a_course_with_completion_is_a_failure():
    entries = _entries()
    refused = load_fixture("core_completion_get_course_completion_status__C3_completion_disabled.json")["response"]
    _replace(entries, "core_completion_get_course_completion_status", lambda p: p.get("courseid") == C1, refused)
    report, checks = _doctor(entries)
    assert report.ok is False
    check = checks["core_completion_get_course_completion_status"]
    assert check.probe == "failed" and "report/completion:view" in check.fix


def test_cannotviewreport_in_a_course_without_completion_is_not_a_failure():
    """Moodle answers cannotviewreport too where completion is off (recorded for C3): not a capability."""
    entries = _entries()
    refused = load_fixture("core_completion_get_course_completion_status__C3_completion_disabled.json")["response"]

    def completion_off(answer):
        return {**answer, "courses": [{**c, "enablecompletion": 0} for c in answer["courses"]]}

    _replace(entries, "core_course_get_courses_by_field", lambda p: p == {}, completion_off)
    _replace(entries, "core_completion_get_course_completion_status", lambda p: p.get("courseid") == C1, refused)
    report, checks = _doctor(entries)
    assert report.ok is True
    assert checks["core_completion_get_course_completion_status"].probe == "ok"


def test_without_forum_viewdiscussion_the_empty_forum_list_is_caught():
    entries = _entries()
    _replace(entries, "mod_forum_get_forums_by_courses", lambda p: p == {"courseids[0]": C1}, [])
    report, checks = _doctor(entries)
    assert report.ok is False
    check = checks["mod_forum_get_forums_by_courses"]
    assert check.probe == "failed" and "mod/forum:viewdiscussion" in check.fix


@pytest.mark.parametrize("kind", ["quiz", "assign"])
def test_without_a_module_view_capability_the_activity_missing_from_contents_is_caught_against_the_gradebook(kind):
    """core_course_get_contents and the grade report leave the activity out for the sync user; the gradebook
    (core_grades_get_gradeitems, no capability needed) still lists it."""
    entries = _entries()

    def no_quiz(sections):
        return [{**s, "modules": [m for m in s["modules"] if m["modname"] != kind]} for s in sections]

    _replace(entries, "core_course_get_contents", lambda p: p == {"courseid": C1}, no_quiz)
    quiz_names = {m["name"] for s in next(e for e in _entries() if e["wsfunction"] == "core_course_get_contents"
                                          and e["params"] == {"courseid": C1})["response"]
                  for m in s["modules"] if m["modname"] == kind}
    assert quiz_names

    def hide(answer):
        out = copy.deepcopy(answer)
        for ug in out["usergrades"]:
            ug["gradeitems"] = [i for i in ug["gradeitems"] if i.get("itemmodule") != kind]
        return out

    _replace(entries, "gradereport_user_get_grade_items", lambda p: p.get("courseid") == C1, hide)
    report, checks = _doctor(entries)
    assert report.ok is False
    check = checks["gradereport_user_get_grade_items"]
    assert check.probe == "failed" and f"mod/{kind}:view" in check.fix
    assert all(f"« {n} »" in check.fix for n in sorted(quiz_names)[:3])


@pytest.mark.parametrize("fixture, capability", [
    ("gradereport_user_get_grade_items__error_without_grade_viewall.json", "moodle/grade:viewall"),
    ("gradereport_user_get_grade_items__error_without_gradereport_user_view.json", "gradereport/user:view"),
])
def test_the_recorded_grade_refusals_name_their_capability(fixture, capability):
    entries = _entries()
    _replace(entries, "gradereport_user_get_grade_items", lambda p: True, load_fixture(fixture)["response"])
    report, checks = _doctor(entries)
    assert report.ok is False
    assert capability in checks["gradereport_user_get_grade_items"].fix


@pytest.mark.parametrize("fixture, capability", [
    ("mod_data_get_fields__error_without_viewentry.json", "mod/data:viewentry"),
    ("mod_data_get_entries__error_without_viewentry.json", "mod/data:viewentry"),
    ("gradereport_user_get_grade_items__error_without_grade_viewall.json", "moodle/grade:viewall"),
    ("core_notes_get_course_notes__error_without_notes_view.json", "moodle/notes:view"),
])
def test_every_recorded_refusal_names_the_capability_moodle_describes(fixture, capability):
    """The function's own list is not the fix: Moodle names the missing one by its description."""
    d = load_fixture(fixture)
    exc = error_from_body(d["wsfunction"], d["response"])
    assert f"grant the sync user's role {capability} (system context)" in str(exc)
    assert "glossary" not in str(exc)


# ---------------------------------------------------------------- the participants report, checked by doctor
def _with_report(payload_or_error) -> tuple:
    entries = _entries()
    entries.append({"wsfunction": "core_reportbuilder_retrieve_report", "source": "test",
                    "params": {"reportid": "1", "page": "0", "perpage": "2000"}, "response": payload_or_error})
    for e in entries:
        if e["wsfunction"] == "core_webservice_get_site_info":
            e["response"]["functions"].append({"name": "core_reportbuilder_retrieve_report", "version": "1"})
    return _doctor(entries, report_id=1)


def test_the_recorded_reports_pass_doctor_in_english_and_in_french():
    for lang in ("en", "fr"):
        payload = load_fixture(f"core_reportbuilder_retrieve_report__report1_participants_{lang}.json")["response"]
        _, checks = _with_report(payload)
        assert checks["core_reportbuilder_retrieve_report"].probe == "ok", checks[
            "core_reportbuilder_retrieve_report"].fix


def test_a_report_that_does_not_exist_or_has_no_audience_gets_the_right_fix():
    missing = {"exception": "dml_missing_record_exception", "errorcode": "invalidrecord",
               "message": "Can't find data record in database table reportbuilder_report."}
    _, checks = _with_report(missing)
    assert "no such custom report" in checks["core_reportbuilder_retrieve_report"].fix
    no_audience = {"exception": "core_reportbuilder\\exception\\report_access_exception",
                   "errorcode": "errorreportview", "message": "You cannot view this report"}
    _, checks = _with_report(no_audience)
    fix = checks["core_reportbuilder_retrieve_report"].fix
    assert "Audience" in fix and "grant moodle/reportbuilder:view" not in fix


def test_a_misbuilt_report_fails_doctor_with_the_column_to_fix():
    payload = copy.deepcopy(load_fixture("core_reportbuilder_retrieve_report__report1_participants_fr.json")
                            ["response"])
    payload["details"]["conditiondata"] = '{"enrol:status_operator":"1","enrol:status_value":"0"}'
    _, checks = _with_report(payload)
    assert "enrol:status" in checks["core_reportbuilder_retrieve_report"].fix
    payload["details"]["conditiondata"] = None
    payload["data"]["rows"][-1]["columns"][6] = "Gesperrt"  # a word of neither language pack, in the last rows
    _, checks = _with_report(payload)
    assert "« Gesperrt » in column 7" in checks["core_reportbuilder_retrieve_report"].fix


def test_the_sync_error_without_enrolreview_names_it():
    d = load_fixture("error__capability_missing__debug.json")
    exc = error_from_body("core_enrol_get_enrolled_users", _nopermissions("Review course enrolments"))
    assert d["response"]["errorcode"] == exc.errorcode == "nopermissions"
    assert "grant the sync user's role moodle/course:enrolreview (system context)" in str(exc)
    assert "viewparticipants" not in str(exc) and exc.exit_code == 3


def test_the_readme_lists_every_capability_of_the_registry():
    from connector.moodle.capabilities import markdown_table
    from tests.test_readme import README

    assert markdown_table() in README
    for cap in ("moodle/course:enrolreview", "moodle/user:viewalldetails", "report/completion:view",
                "mod/forum:viewdiscussion", "mod/quiz:view", "mod/assign:view", "mod/data:view"):
        assert f"`{cap}`" in markdown_table()


def test_without_course_update_the_records_carry_no_cache_revision_and_doctor_fails():
    """Without moodle/course:update the course records come back without cacherev (as recorded in
    core_course_get_courses_by_field__all.json): activity-only edits would wait for `sync --full`, so the data
    would not be complete every night, and doctor fails naming the capability; with it, the check passes."""
    entries = _entries()
    _replace(entries, "core_course_get_courses_by_field", lambda p: p == {},
             lambda a: {**a, "courses": [{k: v for k, v in c.items() if k != "cacherev"} for c in a["courses"]]})
    report, checks = _doctor(entries)
    check = checks["core_course_get_courses_by_field"]
    assert not report.ok and check.probe == "failed" and "moodle/course:update" in check.fix
    # the other probes still ran on what the course list gave
    assert checks["gradereport_user_get_grade_items"].probe == "ok"
    report, checks = _doctor(_entries())
    assert report.ok and checks["core_course_get_courses_by_field"].probe == "ok"


def _without_feedback(entries: list[dict]) -> None:
    """mod/feedback:view missing: the survey is gone from the contents and from the survey list alike (both
    filter on what the sync user may view), so those two never disagree."""
    _replace(entries, "mod_feedback_get_feedbacks_by_courses", lambda p: True,
             lambda a: {**a, "feedbacks": []} if isinstance(a, dict) and "feedbacks" in a else a)
    _replace(entries, "core_course_get_contents", lambda p: True,
             lambda secs: [{**s, "modules": [m for m in s["modules"] if m["modname"] != "feedback"]} for s in secs]
             if isinstance(secs, list) else secs)


def _criteria(entries: list[dict], change) -> None:
    def edit(answer):
        out = copy.deepcopy(answer)
        out["completionstatus"]["completions"] = change(out["completionstatus"]["completions"])
        return out

    _replace(entries, "core_completion_get_course_completion_status",
             lambda p: p == {"courseid": C1, "userid": STUDENT}, edit)


def test_without_feedback_view_the_survey_named_by_the_completion_criteria_is_caught():
    """The recorded completion status of student01 in C1 names the survey among its criteria (Moodle lists
    criteria whatever the sync user may view): missing from the contents, it is hidden from the sync user."""
    entries = _entries()
    _without_feedback(entries)
    report, checks = _doctor(entries)
    assert report.ok is False
    check = checks["core_completion_get_course_completion_status"]
    assert check.probe == "failed" and "mod/feedback:view" in check.fix
    assert "« Questionnaire de satisfaction à chaud » (feedback)" in check.fix


def test_a_virtual_class_among_the_criteria_and_hidden_is_caught_too():
    entries = _entries()
    bbb = {"type": 4, "title": "Activity completion", "status": "No", "complete": False, "timecompleted": None,
           "details": {"type": "Activity completion", "criteria": '<a href="http://127.0.0.1:8080/mod/'
                       'bigbluebuttonbn/view.php?id=99">Classe virtuelle</a>', "requirement": "", "status": ""}}
    _criteria(entries, lambda cs: [*cs, bbb])
    report, checks = _doctor(entries)
    check = checks["core_completion_get_course_completion_status"]
    assert report.ok is False and check.probe == "failed" and "mod/bigbluebuttonbn:view" in check.fix
    assert not any("mod/bigbluebuttonbn:view" in n for n in report.notes)  # checked: no "not checkable" note


def test_doctor_says_which_capabilities_no_probed_criterion_let_it_check():
    """Where no probed course's completion criteria name a survey, a missing mod/feedback:view cannot be seen
    by behaviour: doctor passes and says so; in the demo world the survey is a criterion, so only the
    virtual classes are left to the note."""
    report, _ = _doctor(_entries())
    assert report.ok and any("mod/bigbluebuttonbn:view" in n and "feedback" not in n.split("—")[0]
                             for n in report.notes)
    entries = _entries()
    _without_feedback(entries)
    _criteria(entries, lambda cs: [c for c in cs if "/mod/feedback/" not in c["details"]["criteria"]])
    report, _ = _doctor(entries)
    assert report.ok
    assert any("mod/feedback:view" in n and "not checkable by behaviour" in n for n in report.notes)


def test_without_notes_view_doctor_fails_naming_it_and_notes_disabled_is_said():
    entries = _entries()
    _replace(entries, "core_notes_get_course_notes", lambda p: p == {"courseid": C1},
             load_fixture("core_notes_get_course_notes__error_without_notes_view.json")["response"])
    report, checks = _doctor(entries)
    assert not report.ok and "moodle/notes:view" in checks["core_notes_get_course_notes"].fix
    entries = _entries()
    _replace(entries, "core_notes_get_course_notes", lambda p: p == {"courseid": C1},
             {"exception": "moodle_exception", "errorcode": "notesdisabled", "message": "Notes are disabled."})
    report, checks = _doctor(entries)
    assert not report.ok and "Enable notes" in checks["core_notes_get_course_notes"].fix


def test_rules_that_map_no_course_are_reported_not_passed_over():
    """The example's first idea, a category idnumber, against categories whose idnumber Moodle 4.5 hides from
    the sync user (the recorded answer has none); a prefix no course carries; the demo's working rules."""
    from connector.demo import DEMO_PROGRAMMES
    from connector.evaluate import to_programme
    from mappings.programmes import Programme, Rule

    programmes = [to_programme(p) for p in DEMO_PROGRAMMES] + [
        Programme("BTS-NDRC", "BTS NDRC", rules=(Rule("category", "PROG-BTS-NDRC"),)),
        Programme("PAIE", "Paie", rules=(Rule("prefix", "PAIE-"), Rule("category", "3")))]
    report, _ = _doctor(_entries(), programmes=programmes, apart={10})
    rules = [n for n in report.notes if n.startswith("programme ")]
    assert rules == [
        ('programme BTS-NDRC: rule category = "PROG-BTS-NDRC" names no category the sync user can see (Moodle 4.5 '
        "hides category idnumbers from it: write the category's id, shown in its page's address "
        "course/index.php?categoryid=…); its courses would be in no programme"),
        'programme PAIE: rule prefix = "PAIE-" matches no course; its courses would be in no programme']
    assert report.ok  # a note, not a failed check: a programme may not have started yet
    quiet, _ = _doctor(_entries(), programmes=[to_programme(p) for p in DEMO_PROGRAMMES], apart={10})
    assert not any(n.startswith("programme ") for n in quiet.notes)


def test_doctor_checks_the_folders_the_commands_write_on_this_machine(tmp_path, monkeypatch):
    """Against the simulated Moodle: writable folders pass; a relative one is named with the folder it is taken from
    (⚠: cron and systemd start in /); one that cannot be made (here under a file: root may write anywhere) is ✘,
    exit 2, with what to do. Nothing is created by the check."""
    from click.testing import CliRunner

    from bench.moodle_sim import SimMoodle
    from connector.cli import cli
    from connector.doctor_local import writable_problem
    from tests.conftest import TOKEN

    monkeypatch.delenv("QUALIOPI_DOSSIER__SNAPSHOT_DIR")  # the TOML's folders are the ones checked
    monkeypatch.chdir(tmp_path)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")

    def doctor(out: str, snapshots: str) -> tuple[int, list[str]]:
        cfg = tmp_path / "q.toml"
        cfg.write_text(f'[moodle]\nurl = "{sim.url}"\ntoken = "{TOKEN}"\nbackoff = 0\n\n'
                       f'[store]\nurl = "sqlite:///{tmp_path}/db/store.db"\nlock_file = "{tmp_path}/lock/run.lock"\n'
                       f'[reports]\nout_dir = "{out}"\n'
                       f'[dossier]\nsnapshot_dir = "{snapshots}"\n[quality]\ncourse_ids = [10]\n', encoding="utf-8")
        result = CliRunner().invoke(cli, ["--config", str(cfg), "doctor"])
        return result.exit_code, result.output.split("This machine, as ", 1)[1].splitlines()[1:5]

    with SimMoodle() as sim:
        code, lines = doctor(f"{tmp_path}/out", f"{tmp_path}/snapshots")
        assert code == 0 and lines == [f" ✔ [reports] out_dir {tmp_path}/out: writable",
                                       f" ✔ [dossier] snapshot_dir {tmp_path}/snapshots: writable",
                                       f" ✔ [store] url (its folder) {tmp_path}/db: writable",
                                       f" ✔ [store] lock_file (its folder) {tmp_path}/lock: writable"]
        code, lines = doctor("out", f"{blocker}/snapshots")
    assert code == errors.EXIT_CONFIG
    assert lines[0] == f" ⚠ [reports] out_dir out (relative: {tmp_path}/out here; cron and systemd start in /): writable"
    assert lines[1] == f" ✘ [dossier] snapshot_dir {blocker}/snapshots: {blocker} is not a folder"
    assert not any((tmp_path / name).exists() for name in ("out", "db", "lock"))
    assert writable_problem(blocker) == "exists and is not a folder"
