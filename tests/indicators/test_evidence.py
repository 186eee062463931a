from dataclasses import replace as rep

from mappings.indicators import evaluate_programme, evidence
from mappings.model import DAY, Document, Evidence, ModuleSnap, Outcome, SectionSnap
from mappings.programmes import Programme
from tests.indicators.builders import NOW, good_course, inp

PDF = (Document("plan.pdf", "http://m/webservice/pluginfile.php/1/mod_resource/content/0/plan.pdf", 1000,
               NOW - 10 * DAY, "application/pdf"),)


def with_module(name, stamp=None, *, modname="resource", files=PDF, visible=True, content_time=None,
                text_chars=None, target=None, section_visible=True):
    m = ModuleSnap(50, modname, name, None, visible, 0, None, stamp, content_time, files, target, text_chars)
    return good_course(sections=(SectionSnap(1, "Qualité", "<p>x</p>", section_visible, (m,)),))


def quality(course):
    return rep(course, id=99, shortname="QUALITE")


def ev(n, *courses, quality_courses=(), evidence_=(), programme=None):
    base = inp(*courses, programme=programme)
    return evidence.evaluate_evidence(n, rep(base, quality_courses=tuple(quality_courses), evidence=tuple(evidence_)))


def test_present_missing_stale():
    assert ev(23, with_module("Plan de veille [QUALIOPI-I23]")).outcome == Outcome.PASSED
    missing = ev(23, good_course())
    assert missing.outcome == Outcome.FAILED and missing.missing and "QUALIOPI-I23" in missing.findings[0].why
    old = ev(23, with_module("Veille QUALIOPI-I23", content_time=NOW - 400 * DAY))
    assert old.outcome == Outcome.WARN and not old.missing and "Preuve à revoir" in old.findings[0].what


def test_dated_by_content_time_never_by_a_due_date():
    """An assignment's due date long past (timemodified) does not make evidence stale; its content does."""
    recent_content = with_module("Veille QUALIOPI-I23", NOW - 900 * DAY, content_time=NOW - 5 * DAY)
    assert ev(23, recent_content).outcome == Outcome.PASSED
    assert ev(23, recent_content).evidence[0].timestamp == NOW - 5 * DAY
    at_limit = with_module("Veille QUALIOPI-I23", content_time=NOW - 365 * DAY)  # exactly the max age: kept
    assert ev(23, at_limit).outcome == Outcome.PASSED
    past = with_module("Veille QUALIOPI-I23", content_time=NOW - 365 * DAY - 1)
    assert ev(23, past).outcome == Outcome.WARN


def test_empty_content_is_reported_not_counted():
    for kw in ({"files": ()}, {"modname": "folder", "files": ()}, {"modname": "page", "files": (), "text_chars": 0},
               {"modname": "url", "files": (), "target": ""}):
        v = ev(21, with_module("Brouillon [QUALIOPI-I21]", **kw))
        assert v.outcome == Outcome.FAILED and v.missing, kw
        assert any(f.what == "Preuve vide : Brouillon [QUALIOPI-I21]" for f in v.findings), kw
    full = ({"modname": "page", "files": (), "text_chars": 241}, {"modname": "url", "files": (), "target": "https://x"})
    for kw in full:
        assert ev(21, with_module("Veille [QUALIOPI-I21]", **kw)).outcome == Outcome.PASSED, kw


def test_hidden_in_a_programme_course_is_not_counted_in_the_quality_course_it_is():
    hidden = with_module("Procédure [QUALIOPI-I04]", visible=False)
    v = ev(4, hidden)
    assert v.outcome == Outcome.FAILED and any(f.what.startswith("Preuve masquée") for f in v.findings)
    assert ev(4, with_module("Procédure [QUALIOPI-I04]", section_visible=False)).outcome == Outcome.FAILED
    staff_only = ev(4, good_course(), quality_courses=[quality(hidden)])
    assert staff_only.outcome == Outcome.PASSED and staff_only.evidence[0].programme is None


def register(indicators=(9,), *, programme=None, category=None, review=None, state="ok"):
    return Evidence("Livret d’accueil", None, NOW - 30 * DAY, "https://of.example/livret", "register",
                    tuple(indicators), programme, category, review_date=review, owner="Nadia",
                    ref="Registre des preuves Qualiopi, fiche 2", state=state)


def test_register_entry_counts_for_its_indicator_and_programme():
    assert ev(9, good_course(), evidence_=[register()]).outcome == Outcome.PASSED  # provider-wide
    assert ev(9, good_course(), evidence_=[register(programme="P")]).outcome == Outcome.PASSED
    other = ev(9, good_course(), evidence_=[register(programme="AUTRE")])
    assert other.outcome == Outcome.FAILED and other.missing
    assert ev(10 - 1, good_course(), evidence_=[register(indicators=(8,))]).missing  # another indicator


def test_register_entry_by_action_category():
    bts = Programme("BTS", "BTS", action_category="apprentissage")
    assert ev(9, good_course(), evidence_=[register(category="apprentissage")], programme=bts).outcome == \
        Outcome.PASSED
    assert ev(9, good_course(), evidence_=[register(category="vae")], programme=bts).missing


def test_register_entry_past_its_review_is_partial():
    v = ev(9, good_course(), evidence_=[register(review=NOW - DAY, state="stale")])
    assert v.outcome == Outcome.WARN and "date de revue dépassée" in v.findings[0].why
    both = ev(9, good_course(), evidence_=[register(review=NOW - DAY, state="stale"), register(review=NOW + DAY)])
    assert both.outcome == Outcome.PASSED  # one fresh piece covers it; the stale one is a point of attention


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


def test_result_figures_per_programme_and_session():
    autumn = good_course()  # 10 active learners, 5 completed
    spring = rep(good_course(id=3, shortname="B", startdate=autumn.startdate + 150 * DAY),
                 learners=tuple(rep(x, completed=x.user_id < 104) for x in autumn.learners[:6]))
    v = evidence.evaluate_evidence(3, inp(autumn, spring))
    assert v.figures["taux_achevement"] == round(9 / 16, 3)
    assert v.figures["taux_reussite_parcours"] == 0.4  # 0–3 completed both courses, 4 only autumn
    cohorts = {k: val for k, val in v.figures.items() if k.startswith("cohorte ")}
    # in start order, named by the month Moodle's start date falls in (16 Aug 2026, 13 Jan 2027)
    assert list(cohorts) == ["cohorte août 2026 (mois de début)", "cohorte janvier 2027 (mois de début)"]
    assert next(iter(cohorts.values())) == "10 apprenants, achèvement Moodle 50\u00a0%, parcours complet 5 sur 10"
    assert "ce n’est pas un taux de réussite" in v.figures["definition"]
    untracked = evidence.evaluate_evidence(3, inp(autumn, rep(spring, enablecompletion=False)))
    assert "taux_reussite_parcours" not in untracked.figures  # one course does not report completion
    assert all("parcours complet" not in str(val) for k, val in untracked.figures.items() if k.startswith("cohorte"))
