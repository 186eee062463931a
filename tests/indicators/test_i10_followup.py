from dataclasses import replace

from mappings.indicators import i10_followup
from mappings.model import DAY, Outcome, StaffSnap
from tests.indicators.builders import NOW, good_course, inp


def test_pass():
    assert i10_followup.evaluate(inp(good_course())).outcome == Outcome.PASSED


def test_fail_completion_disabled():
    v = i10_followup.evaluate(inp(good_course(enablecompletion=False)))
    assert v.outcome == Outcome.FAILED and v.findings[0].what == "Suivi d’achèvement inutilisé"


def test_warn_no_criteria_and_idle_teacher():
    c = good_course(has_completion_criteria=False,
                    staff=(StaffSnap(43, "Sophie Martin", "editingteacher", NOW - 90 * DAY),))
    v = i10_followup.evaluate(inp(c))
    assert v.outcome == Outcome.WARN
    assert {f.what for f in v.findings} == {"Pas de critères d’achèvement du cours", "Aucun formateur actif récemment"}


def test_groups_required():
    c = good_course()
    c = replace(c, learners=tuple(replace(x, groups=()) for x in c.learners))
    assert i10_followup.evaluate(inp(c)).outcome == Outcome.PASSED
    assert i10_followup.evaluate(inp(c, require_groups=1)).outcome == Outcome.FAILED


# ---------------------------------------------------------------- modality, ended courses, links
# the recorded select field (second set, course 8 EXCEL-FOND: one day, 7 h): Moodle displays the option, the
# raw value is its number
FACE_TO_FACE = {"customfields": {"modalite": "1", "duree_heures": "7"},
                "customfield_labels": {"modalite": "Présentiel", "duree_heures": "7,0 h"}}
REMOTE = {"customfields": {"modalite": "2"}, "customfield_labels": {"modalite": "Distanciel"}}


def test_a_face_to_face_short_course_is_not_failed_for_lacking_completion_tracking():
    bare = dict(enablecompletion=False, sections=())  # its Moodle space holds nothing to track or to hand in
    v = i10_followup.evaluate(inp(good_course(**bare, **FACE_TO_FACE)))
    assert v.outcome == Outcome.PASSED and v.findings == ()
    remote = i10_followup.evaluate(inp(good_course(**bare, **REMOTE)))
    assert {f.what for f in remote.findings} == {"Suivi d’achèvement inutilisé", "Aucune activité de suivi"}
    undeclared = i10_followup.evaluate(inp(good_course(**bare, customfields={}, customfield_labels={})))
    assert undeclared.outcome == Outcome.FAILED  # not declared face-to-face: judged as an online course
    assert i10_followup.evaluate(inp(good_course(**bare, **FACE_TO_FACE), modality_field="autre")).outcome == \
        Outcome.FAILED  # another field named: this one is not read


def test_a_recent_teacher_visit_is_asked_only_of_running_courses():
    idle = (StaffSnap(43, "Sophie Martin", "editingteacher", NOW - 90 * DAY),)
    running = i10_followup.evaluate(inp(good_course(staff=idle)))
    assert [f.what for f in running.findings] == ["Aucun formateur actif récemment"]
    ended = i10_followup.evaluate(inp(good_course(staff=idle, enddate=NOW - DAY)))
    assert ended.findings == ()


def test_each_finding_links_to_where_it_is_fixed_and_speaks_to_the_teacher():
    c = good_course(enablecompletion=False, url="https://moodle.example.fr/course/view.php?id=2")
    v = i10_followup.evaluate(inp(c))
    f = v.findings[0]
    assert f.where.url == "https://moodle.example.fr/course/edit.php?id=2"
    assert f.fix.startswith("Activez le suivi d’achèvement")
    criteria = i10_followup.evaluate(inp(replace(c, enablecompletion=True, has_completion_criteria=False)))
    assert criteria.findings[0].where.url == "https://moodle.example.fr/course/completion.php?id=2"
