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
