from dataclasses import replace as rep

from mappings.indicators import evaluate_programme, evidence
from mappings.model import DAY, ModuleSnap, Outcome, SectionSnap
from mappings.programmes import Programme
from tests.indicators.builders import NOW, good_course, inp


def with_module(name, stamp=None):
    return good_course(sections=(SectionSnap(1, "Qualité", "<p>x</p>", True,
                                             (ModuleSnap(50, "resource", name, None, True, 0, None, stamp),)),))


def test_present_missing_stale():
    assert evidence.evaluate_evidence(23, inp(with_module("Plan de veille [QUALIOPI-I23]"))).outcome == Outcome.PASSED
    missing = evidence.evaluate_evidence(23, inp(good_course()))
    assert missing.outcome == Outcome.FAILED and "QUALIOPI-I23" in missing.findings[0].why
    old = evidence.evaluate_evidence(23, inp(with_module("Veille QUALIOPI-I23", NOW - 400 * DAY)))
    assert old.outcome == Outcome.WARN


def test_custom_field_evidence():
    c = good_course(customfields={"modalite": "1", "qualiopi_i04": "Analyse du besoin : entretien préalable"})
    assert evidence.evaluate_evidence(4, inp(c)).outcome == Outcome.PASSED


def test_all_32_and_applicability():
    short = Programme("EX", "Excel", duration_days=1)
    verdicts = evaluate_programme(inp(good_course(), programme=short))
    assert [v.indicator for v in verdicts] == list(range(1, 33))
    na = {v.indicator for v in verdicts if v.outcome == Outcome.NOT_APPLICABLE}
    assert {3, 7, 16, 12, 13, 14, 15, 20, 29} <= na  # not certifying, ≤ 2 days, not alternance/apprentissage
    bts = Programme("BTS", "BTS", action_category="apprentissage", alternance=True, rncp="RNCP38362")
    na = {v.indicator for v in evaluate_programme(inp(good_course(), programme=bts))
          if v.outcome == Outcome.NOT_APPLICABLE}
    assert not {3, 7, 12, 13, 14, 15, 16, 20} & na


def test_new_entrant_softens_result_indicators_only():
    course = good_course()
    plain = {v.indicator: v for v in evaluate_programme(inp(course))}
    new = {v.indicator: v for v in evaluate_programme(inp(course, programme=Programme("P", "P", rncp="RNCP38362",
                                                                                        new_entrant=True)))}
    assert plain[2].outcome == Outcome.FAILED and new[2].outcome == Outcome.WARN  # guide: adapted audit
    assert "Nouveaux entrants" in new[2].summary and new[2].figures["regle_nouvel_entrant"] == "appliquée"
    assert plain[4].outcome == new[4].outcome == Outcome.FAILED  # 4 has no new-entrant adaptation


def test_result_figures_per_programme_and_session():
    autumn = good_course()  # 10 active learners, 5 completed
    spring = rep(good_course(id=3, shortname="B", startdate=autumn.startdate + 150 * DAY),
                 learners=tuple(rep(x, completed=x.user_id < 104) for x in autumn.learners[:6]))
    v = evidence.evaluate_evidence(3, inp(autumn, spring))
    assert v.figures["taux_achevement"] == round(9 / 16, 3)
    assert v.figures["taux_reussite_parcours"] == 0.4  # 0–3 completed both courses, 4 only autumn
    sessions = {k: val for k, val in v.figures.items() if k.startswith("session ")}
    assert len(sessions) == 2
    assert next(iter(sessions.values())) == "10 apprenant(s), achèvement 50 %, parcours complet 5/10"
