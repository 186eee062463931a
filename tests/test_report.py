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
    for empty in ("", None, "Never", "Jamais"):
        assert rb.parse_time(empty, PARIS) is None
    with pytest.raises(rb.ReportError, match="language to English or French"):
        rb.parse_time("Dienstag, 24. Nebelmond 2026", PARIS)


def test_percentages_in_english_and_french():
    assert rb.parse_percent("50.0%") == 50.0
    assert rb.parse_percent("33,3\u00a0%") == 33.3
    assert rb.parse_percent("") is None
    with pytest.raises(rb.ReportError, match="Progress"):
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


def test_page_shape_and_column_count():
    page = {"details": {"id": 7}, "data": {"headers": ["a"] * 13, "rows": [{"columns": row()}], "totalrowcount": 1},
            "warnings": []}
    assert rb.parse_report_page(page).data.totalrowcount == 1
    with pytest.raises(rb.ReportError, match="13 expected"):
        rb.parse_report_page({**page, "data": {**page["data"], "headers": ["a"] * 3}})
    with pytest.raises(rb.UnexpectedPayloadError, match="unexpected shape"):
        rb.parse_report_page([])
    assert "Course participants" in "\n".join(rb.recipe()) and len(rb.COLUMNS) == 13
