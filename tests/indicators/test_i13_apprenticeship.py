from dataclasses import replace

from mappings.indicators import i13_apprenticeship
from mappings.indicators.base import EvalInput
from mappings.model import DAY, ContractSnap, ModuleSnap, Outcome, SectionSnap
from tests.indicators.builders import NOW, good_course, inp


def with_checkpoint(done: bool):
    c = good_course()
    cp = ModuleSnap(90, "assign", "ALT-1 Visite en entreprise", None, True, 2, None, NOW - 5 * DAY)
    learners = tuple(replace(x, done_cmids=frozenset({90}) if done else frozenset()) for x in c.learners)
    return replace(c, sections=(*c.sections, SectionSnap(2, "Alternance", "<p>x</p>", True, (cp,))), learners=learners)


def contracts_for(course, tutor="M. Dupont"):
    return {x.user_id: (ContractSnap(x.user_id, NOW - 100 * DAY, NOW + 300 * DAY, "Carrefour", tutor),)
            for x in course.learners}


def with_contracts(course, contracts):
    base = inp(course)
    return EvalInput(**{**base.__dict__, "contracts": contracts})


def test_pass():
    c = with_checkpoint(done=True)
    v = i13_apprenticeship.evaluate(with_contracts(c, contracts_for(c)))
    assert v.outcome == Outcome.PASSED, v.findings
    assert v.figures["alternants"] == 10 and v.figures["points_de_coordination"] == 1
    assert v.summary.startswith("10 alternants sur 10")  # contract type not said, not an apprenticeship programme


def test_fail_missing_contract_and_tutor_warn_late_checkpoint():
    c = with_checkpoint(done=False)
    contracts = contracts_for(c)
    del contracts[100]
    contracts[101] = (replace(contracts[101][0], tutor=""),)
    v = i13_apprenticeship.evaluate(with_contracts(c, contracts))
    assert v.outcome == Outcome.FAILED
    whats = [(f.what, f.where.learner) for f in v.findings]
    assert ("Alternant sans contrat en cours", "Apprenant 0") in whats
    assert ("Tuteur en entreprise non renseigné", "Apprenant 1") in whats
    assert sum(w == "Point de coordination non réalisé" for w, _ in whats) == 10


def test_not_evaluated_without_import_and_no_checkpoint_fails():
    assert i13_apprenticeship.evaluate(inp(good_course())).outcome == Outcome.NOT_EVALUATED
    c = good_course()
    v = i13_apprenticeship.evaluate(with_contracts(c, contracts_for(c)))
    assert v.outcome == Outcome.FAILED and v.findings[0].what == "Aucun point de coordination centre-entreprise"


def test_apprenti_only_for_an_apprenticeship_contract():
    from mappings.programmes import Programme

    c = with_checkpoint(done=False)
    contracts = contracts_for(c, tutor="")
    apprenticeship = {u: (replace(k[0], kind="apprentissage"),) for u, k in contracts.items()}
    v = i13_apprenticeship.evaluate(with_contracts(c, apprenticeship))
    assert v.summary == "0 apprenti sur 10 avec contrat, tuteur et suivi à jour."
    assert {f.what for f in v.findings if "tuteur" in f.why} == {"Maître d’apprentissage non renseigné"}
    assert "avec l’apprenti et l’entreprise" in next(f.fix for f in v.findings if f.what.startswith("Point"))
    pro = {u: (replace(k[0], kind="professionnalisation"),) for u, k in contracts.items()}
    v = i13_apprenticeship.evaluate(with_contracts(c, pro))
    assert "apprenti" not in v.summary and not any("apprenti" in f.what + f.fix for f in v.findings)
    assert {f.what for f in v.findings if "tuteur" in f.why} == {"Tuteur en entreprise non renseigné"}
    # the import does not say: an apprenticeship programme's learners are apprentices
    unsaid = EvalInput(**{**inp(c, programme=Programme("BTS", "BTS", action_category="apprentissage")).__dict__,
                          "contracts": contracts})
    assert "apprenti" in i13_apprenticeship.evaluate(unsaid).summary
