"""The participants custom report: reading Moodle's formatted cells, merging rows, refusing a misbuilt report."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from connector.moodle import report as rb

PARIS = ZoneInfo("Europe/Paris")
LINK_C = '<a href="http://moodle.example.fr/course/view.php?id=12">BTS-DRC</a>'
LINK_U = '<a href="http://moodle.example.fr/user/profile.php?id=345">Emma Dubois</a>'


def row(**kw) -> list[str]:
    cells = {"course": LINK_C, "user": LINK_U, "username": "edubois", "idnumber": "STU001", "role": "student",
             "group": "Groupe A", "status": "Active", "start": "Monday, 1 September 2025, 9:00 AM", "end": "",
             "access": "Tuesday, 24 November 2026, 10:05 AM", "completed": "No", "timecompleted": "",
             "progress": "50.0%"}
    cells.update(kw)
    return list(cells.values())


def test_dates_in_english_and_french_to_the_minute_in_the_users_timezone():
    t = rb.parse_time("Tuesday, 24 November 2026, 10:05 AM", PARIS)
    assert datetime.fromtimestamp(t, UTC) == datetime(2026, 11, 24, 9, 5, tzinfo=UTC)  # 10:05 in Paris (UTC+1)
    assert rb.parse_time("mardi 24 novembre 2026, 10:05", PARIS) == t
    assert rb.parse_time("Sunday, 5 July 2026, 12:30 PM", ZoneInfo("UTC")) == int(
        datetime(2026, 7, 5, 12, 30, tzinfo=UTC).timestamp())
    assert rb.parse_time("Sunday, 5 July 2026, 12:30 AM", ZoneInfo("UTC")) == int(
        datetime(2026, 7, 5, 0, 30, tzinfo=UTC).timestamp())
    assert rb.parse_time("Tuesday, 24 November 2026", ZoneInfo("UTC")) == int(  # a date alone: midnight
        datetime(2026, 11, 24, tzinfo=UTC).timestamp())
    for empty in ("", None, "Never", "Jamais"):
        assert rb.parse_time(empty, PARIS) is None
    with pytest.raises(rb.ReportError, match="language to English or French"):
        rb.parse_time("Dienstag, 24. Nebelmond 2026", PARIS)
    with pytest.raises(rb.ReportError, match="'Dienstag, 24 Dezember 2026, 10:05'.*English or French"):
        rb.parse_time("Dienstag, 24 Dezember 2026, 10:05", PARIS)  # a date's shape, a month of no known language


def test_percentages_in_english_and_french():
    assert rb.parse_percent("50.0%") == 50.0
    assert rb.parse_percent("33,3\u00a0%") == 33.3
    assert rb.parse_percent("") is None
    with pytest.raises(rb.ReportError, match="Student progress"):
        rb.parse_percent("Yes")


def test_rows_of_one_enrolment_merge_roles_groups_and_any_active_method():
    people: dict = {}
    rb.merge_row(row(status="Suspended"), PARIS, people)
    rb.merge_row(row(group="Groupe B"), PARIS, people)  # a second group, the manual method active
    rb.merge_row(row(role="teacher", status="Suspended", group=""), PARIS, people)
    p = people[345]
    assert (p.course_id, p.user_id, p.fullname, p.username, p.idnumber) == (12, 345, "Emma Dubois", "edubois", "STU001")
    assert p.roles == {"student", "teacher"} and p.groups == {"Groupe A", "Groupe B"} and p.status == "active"
    assert p.progress == 50.0 and p.completed is False and p.timecompleted is None and p.timeend is None
    done: dict = {}
    rb.merge_row(row(completed="Yes", timecompleted="Friday, 13 November 2026, 3:00 PM", status="Not current"),
                 PARIS, done)
    assert done[345].completed and done[345].timecompleted and done[345].status == "not_current"


def test_a_course_without_participants_adds_nobody():
    into: dict = {}
    rb.merge_rows([[LINK_C] + [""] * 12], PARIS, into)
    assert into == {12: {}}


@pytest.mark.parametrize("bad, words", [
    (dict(course="BTS-DRC"), "first column"),
    (dict(user="Emma Dubois"), "second column"),
    (dict(status="Yes"), "column 7"),
    (dict(completed="50.0%"), "column 11"),
])
def test_a_misbuilt_report_is_refused_with_the_column_to_fix(bad, words):
    with pytest.raises(rb.ReportError, match=words):
        rb.merge_rows([row(**bad)], PARIS, {})


def test_a_misbuilt_first_or_second_column_is_quoted_in_the_message():
    with pytest.raises(rb.ReportError, match="first column holds 'BTS-DRC', not a course link"):
        rb.merge_rows([row(course="BTS-DRC")], PARIS, {})
    with pytest.raises(rb.ReportError, match="second column holds 'Emma Dubois', not a user link"):
        rb.merge_rows([row(user="Emma Dubois")], PARIS, {})


EN = [c[2] for c in rb.COLUMNS]


def test_page_shape_and_column_count():
    page = {"details": {"id": 7}, "data": {"headers": EN, "rows": [{"columns": row()}], "totalrowcount": 1},
            "warnings": []}
    assert rb.parse_report_page(page).data.totalrowcount == 1
    with pytest.raises(rb.ReportError, match="13 expected"):
        rb.parse_report_page({**page, "data": {**page["data"], "headers": EN[:3]}})
    with pytest.raises(rb.UnexpectedPayloadError, match=r"unexpected shape at \(top level\)"):
        rb.parse_report_page([])
    with pytest.raises(rb.UnexpectedPayloadError, match="unexpected shape at data.headers: "):
        rb.parse_report_page({**page, "data": {**page["data"], "headers": None}})
    with pytest.raises(rb.ReportError, match="its columns must be, in order: Course short name with link, Full name with link, "):
        rb.parse_report_page({**page, "data": {**page["data"], "headers": EN[:3]}})
    assert "Course participants" in "\n".join(rb.recipe()) and len(rb.COLUMNS) == 13
    assert "Student progress" in "\n".join(rb.recipe())
    steps = rb.recipe()
    assert "   1. Course: Course short name with link  (course id (from the link) and short name)" in steps
    assert any(line.startswith("  13. Course completion: Student progress") for line in steps)


# ---------------------------------------------------------------- the recorded report, English and French
def _recorded(lang: str) -> dict:
    from tests.conftest import load_fixture

    return load_fixture(f"core_reportbuilder_retrieve_report__report1_participants_{lang}.json")["response"]


def _people(payload: dict) -> dict:
    page = rb.parse_report_page(payload)
    into: dict = {}
    rb.merge_rows([r["columns"] for r in page.data.rows], PARIS, into)
    for people in into.values():
        rb.check_rows(people.values())
    return into


def test_the_recorded_french_report_reads_to_the_same_participants_as_the_english_one():
    en, fr = _people(_recorded("en")), _people(_recorded("fr"))
    assert en == fr
    everyone = [p for people in en.values() for p in people.values()]
    # 96 rows: 17 enrolment methods without users, 79 user rows for 77 course × user (teacher 35 in two
    # groups of course 2; user 28 in course 9 by two methods, one suspended: the active one wins)
    assert len(en) == 9 and len(everyone) == 77
    assert en[2][35].groups == {"Groupe A", "Groupe B"} and en[9][28].status == "active"
    assert sum(p.status == "suspended" for p in everyone) == 4 and sum(p.status == "not_current" for p in everyone) == 1
    assert en[6][24].status == "not_current" and en[2][14].status == "suspended"
    assert sum(p.completed for p in everyone) == 11
    assert {p.progress for p in everyone} >= {0.0, 100.0, 33.3, 66.7, 16.7, 50.0, 60.0}
    assert sum(p.lastcourseaccess == 0 for p in everyone) == 9  # "Never" / "Jamais"


def test_the_recorded_headers_in_both_languages_are_the_documented_ones():
    assert _recorded("en")["data"]["headers"] == EN
    assert _recorded("fr")["data"]["headers"] == [c[3] for c in rb.COLUMNS]


def _variant(lang: str, **change) -> dict:
    import copy

    payload = copy.deepcopy(_recorded(lang))
    if "headers" in change:
        payload["data"]["headers"] = change["headers"]
    if "conditiondata" in change:
        payload["details"]["conditiondata"] = change["conditiondata"]
    if "swap" in change:
        i, j = change["swap"]
        payload["data"]["headers"][i], payload["data"]["headers"][j] = (payload["data"]["headers"][j],
                                                                          payload["data"]["headers"][i])
        for r in payload["data"]["rows"]:
            r["columns"][i], r["columns"][j] = r["columns"][j], r["columns"][i]
    return payload


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_report_with_the_two_date_columns_swapped_is_refused(lang):
    with pytest.raises(rb.ReportError, match="column 8 .* expected « (Time started|Horodatage de début) » "
                       r"\(Enrolment: Time started\) \(that is column 9's title: columns in the wrong order\)"):
        rb.parse_report_page(_variant(lang, swap=(7, 8)))


def test_a_report_with_conditions_it_cannot_read_is_refused():
    with pytest.raises(rb.ReportError, match=r"condition\(s\) \(unreadable\)"):
        rb.parse_report_page(_variant("en", conditiondata="{not json"))


@pytest.mark.parametrize("condition", [
    '{"enrol:status_operator":"1","enrol:status_value":"0"}',
    {"enrol:status_operator": 1, "enrol:status_value": 0},
    '{"role:name_values":["5"]}',
])
def test_a_report_with_a_condition_is_refused(condition):
    with pytest.raises(rb.ReportError, match="condition.*remove every condition"):
        rb.parse_report_page(_variant("en", conditiondata=condition))


@pytest.mark.parametrize("harmless", [None, "", "{}", '{"enrol:status_operator":"0","enrol:status_value":""}',
                                     # a value chosen, then the operator set back to "any value"
                                     '{"enrol:status_operator":"0","enrol:status_value":"1"}'])
def test_conditions_left_at_any_value_do_not_filter(harmless):
    assert rb.parse_report_page(_variant("en", conditiondata=harmless))


def test_completion_time_started_in_place_of_the_enrolment_start_is_refused():
    """Both are titled "Time started": column 8 empty for every learner at 0 % and set for the others."""
    import copy

    payload = copy.deepcopy(_recorded("en"))
    for r in payload["data"]["rows"]:
        c = r["columns"]
        if c[4] == "student":
            c[7] = c[11] if c[10] == "Yes" or c[12] not in ("0.0%", "") else ""
            if c[10] != "Yes" and c[12] not in ("0.0%", ""):
                c[7] = c[9]  # started: the first activity completed
    with pytest.raises(rb.ReportError, match="Course completion: Time started"):
        _people(payload)


def test_an_enrolment_ending_before_it_starts_or_a_completion_before_it_is_refused():
    with pytest.raises(rb.ReportError, match="ends before it starts"):
        rb.merge_rows([row(end="Sunday, 31 August 2025, 9:00 AM")], PARIS, {})
    with pytest.raises(rb.ReportError, match="before the enrolment started"):
        rb.merge_rows([row(completed="Yes", timecompleted="Sunday, 10 August 2025, 9:00 AM")], PARIS, {})
    # at the limits: an enrolment ending as it starts, a completion a whole day before the start (time zones)
    same = {}
    rb.merge_rows([row(end="Monday, 1 September 2025, 9:00 AM", completed="Yes",
                       timecompleted="Sunday, 31 August 2025, 9:00 AM")], PARIS, same)
    p = same[12][345]
    assert p.timeend == p.timestart and p.timecompleted == p.timestart - 86400
    with pytest.raises(rb.ReportError, match="before the enrolment started"):
        rb.merge_rows([row(completed="Yes", timecompleted="Sunday, 31 August 2025, 8:59 AM")], PARIS, {})


def _learner(uid: int, start: str, progress: str, completed: str = "No") -> list[str]:
    return row(user=LINK_U.replace("345", str(uid)), username=f"u{uid}", start=start, progress=progress,
               completed=completed)


@pytest.mark.parametrize(("idle", "refused"), [(2, False), (3, True)])
def test_column_8_read_from_completion_shows_from_three_idle_learners(idle, refused):
    """Three learners at 0 % without a start and every started learner with one: "Course completion: Time
    started" in place of the enrolment's. Two such learners may be a coincidence (enrolled without a date)."""
    rows = [_learner(1 + i, "", "0.0%") for i in range(idle)]
    rows += [_learner(50, "Monday, 1 September 2025, 9:00 AM", "50.0%"),
             _learner(51, "Monday, 1 September 2025, 9:00 AM", "", completed="Yes")]  # done: busy too
    into: dict = {}
    rb.merge_rows(rows, PARIS, into)
    if refused:
        with pytest.raises(rb.ReportError, match="Course completion: Time started"):
            rb.check_rows(into[12].values())
    else:
        rb.check_rows(into[12].values())
    teachers = [[*r[:4], "editingteacher", *r[5:]] for r in rows]  # only learners are looked at
    into = {}
    rb.merge_rows(teachers, PARIS, into)
    rb.check_rows(into[12].values())


def test_an_unknown_word_names_the_word_and_the_column():
    with pytest.raises(rb.ReportError, match="« Aktiv » in column 7.*Enrolment: Status"):
        rb.merge_rows([row(status="Aktiv")], PARIS, {})
    with pytest.raises(rb.ReportError, match="« Ja » in column 11.*Course completion: Completed"):
        rb.merge_rows([row(completed="Ja")], PARIS, {})
