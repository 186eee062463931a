"""Audit profile: new-entrant rules by audit type and date, the subcontractor role, specific obligations."""

from __future__ import annotations

from dataclasses import replace

from mappings.audit import DEFERRED, PROCESS, PUT_IN_PLACE, AuditProfile
from mappings.indicators import evaluate_programme
from mappings.model import DAY, Evidence, Outcome, Status
from mappings.obligations import obligations_for, parse_obligations
from mappings.programmes import Programme
from mappings.referentiel import load_referentiel
from tests.indicators.builders import NOW, good_course, inp

INITIAL_NEW = AuditProfile(audit_type="initial", new_entrant_since="2026-02-01")


def judged(programme=None, profile=None, evidence=()):
    base = inp(good_course(), programme=programme or Programme("P", "P", rncp="RNCP38362"))
    full = replace(base, profile=profile or AuditProfile(), evidence=tuple(evidence))
    return {v.indicator: v for v in evaluate_programme(full)}


def proof(n, nature="procédure", **kw):
    return Evidence(f"Preuve {n}", None, NOW - DAY, None, "register", (n,), None, nature=nature,
                    ref=f"Registre des preuves, fiche {n}", **kw)


def test_the_rule_table_follows_the_referentiel():
    ref = load_referentiel()
    assert DEFERRED | PROCESS | PUT_IN_PLACE == set(ref.rules["new_entrants_adapted_indicators"])
    for n in DEFERRED:  # "audité(e) lors de l'audit de surveillance / à l'audit de surveillance"
        assert "surveillance" in ref.indicator(n).new_entrants
    for n in PROCESS:
        assert "formalisé" in ref.indicator(n).new_entrants
    for n in PUT_IN_PLACE:
        assert any(w in ref.indicator(n).new_entrants for w in ("démontrer", "Démontrer"))


def test_deferred_indicators_are_marked_audited_in_surveillance_at_the_initial_audit():
    v = judged(profile=INITIAL_NEW)
    for n in (2, 3, 22, 32):
        assert v[n].status == Status.NON_APPLICABLE and v[n].summary.startswith("Audité en surveillance"), n
        assert "01/02/2026" in v[n].summary
    assert v[4].status == Status.A_FOURNIR  # 4 has no adapted rule: audited at once, no blanket softening


def test_no_adaptation_at_a_surveillance_audit_or_for_an_established_provider():
    for profile in (AuditProfile(audit_type="surveillance", new_entrant_since="2026-02-01"),
                    AuditProfile(audit_type="initial")):
        v = judged(profile=profile)
        assert v[22].status == Status.A_FOURNIR and v[32].status == Status.A_FOURNIR


def test_new_entrant_only_within_the_first_year_at_the_audit_date():
    within = AuditProfile(audit_type="initial", audit_date="2027-01-31", new_entrant_since="2026-02-01")
    boundary = AuditProfile(audit_type="initial", audit_date="2027-02-01", new_entrant_since="2026-02-01")
    after = AuditProfile(audit_type="initial", audit_date="2027-02-02", new_entrant_since="2026-02-01")
    assert judged(profile=within)[22].status == Status.NON_APPLICABLE
    assert judged(profile=boundary)[22].status == Status.NON_APPLICABLE  # 365 days: still the first year
    assert judged(profile=after)[22].status == Status.A_FOURNIR


def test_a_new_action_category_only_adapts_that_category():
    profile = AuditProfile(audit_type="initial", new_entrant_categories={"apprentissage": "2026-09-01"})
    bts = Programme("BTS", "BTS", action_category="apprentissage", alternance=True, rncp="RNCP38362")
    assert judged(bts, profile)[22].status == Status.NON_APPLICABLE
    assert judged(Programme("P", "P"), profile)[22].status == Status.A_FOURNIR


def test_process_indicators_need_a_formalised_process_not_results():
    v = judged(profile=INITIAL_NEW)
    assert v[11].status == Status.A_FOURNIR and "processus formalisé" in v[11].findings[0].fix
    assert "Nouvel entrant" in v[11].summary
    # a register entry of another nature does not count; a procedure does
    assert judged(profile=INITIAL_NEW, evidence=[proof(11, "compte rendu")])[11].status == Status.A_FOURNIR
    assert judged(profile=INITIAL_NEW, evidence=[proof(11)])[11].status == Status.COUVERT
    # without the adaptation, the same procedure is ordinary evidence (and 11 keeps its result figures)
    assert "taux_achevement" in judged(evidence=[proof(11)])[11].figures


def test_put_in_place_indicators_take_any_evidence_of_what_is_set_up():
    assert judged(profile=INITIAL_NEW)[24].status == Status.A_FOURNIR
    assert judged(profile=INITIAL_NEW, evidence=[proof(24, "compte rendu")])[24].status == Status.COUVERT


def test_a_programme_delivered_as_subcontractor():
    sub = Programme("ST", "Sous-traitance", rncp="RNCP38362", provider_is_subcontractor=True)
    v = judged(sub)
    for n in (1, 2, 3):
        assert v[n].status == Status.NON_APPLICABLE and "donneur d’ordres" in v[n].summary, n
    notes = dict(v[5].notes)
    assert "tient compte des objectifs définis par le donneur d’ordres" in notes["Prestation réalisée en sous-traitance"]
    own = judged(Programme("P", "P", rncp="RNCP38362"))
    assert own[1].status != Status.NON_APPLICABLE and not any("sous-traitance" in h for h, _ in own[5].notes)


def test_uses_subcontractors_is_indicator_27_not_the_subcontractor_role():
    v27 = judged(Programme("P", "P", uses_subcontractors=True))[27]
    assert v27.outcome == Outcome.FAILED and v27.status == Status.A_FOURNIR  # applies: its evidence is asked
    assert judged(Programme("P", "P", provider_is_subcontractor=True))[27].outcome == Outcome.NOT_APPLICABLE


def test_specific_obligations_per_category():
    ref = load_referentiel()
    two = parse_obligations(ref.indicator(2).specific_obligations)
    assert [o.audience for o in two] == ["apprentissage"] and "inserjeunes" in two[0].text.lower()
    cfa = Programme("BTS", "BTS", action_category="apprentissage", alternance=True, rncp="RNCP38362")
    short = Programme("EX", "Excel")
    assert [o.label for o in obligations_for(ref.indicator(2), cfa)] == ["CFA"]
    assert obligations_for(ref.indicator(2), short) == ()
    four = {o.label for o in obligations_for(ref.indicator(4), cfa)}
    assert four == {"accueil de personnes en situation de handicap", "CFA ou alternance"}
    assert "VAE" not in four
    vae = Programme("V", "VAE", action_category="vae")
    assert [o.label for o in obligations_for(ref.indicator(16), vae)] == ["VAE"]
    # bullets and follow-up paragraphs stay with their heading
    twelve = obligations_for(ref.indicator(12), cfa)
    assert "• d’orienter les apprentis" in twelve[0].text
    v = judged(cfa)
    assert dict(v[2].notes)["Obligation spécifique (CFA)"].startswith("les indicateurs de résultats obligatoires")


def test_certifying_obligations_only_for_certifying_programmes():
    ref = load_referentiel()
    assert any(o.audience == "certifiante" for o in obligations_for(ref.indicator(8), Programme("P", "P", rncp="RNCP1")))
    assert not obligations_for(ref.indicator(8), Programme("P", "P"))


def test_an_obligations_heading_ends_at_its_first_colon_and_the_body_keeps_its_own():
    """"Dans le cas où le prestataire accueille un public en situation de handicap : …" (4): the heading's words up
    to the first colon are the heading; a colon later in the body stays in the body."""
    four = parse_obligations(load_referentiel().indicator(4).specific_obligations)
    assert four[0].audience == "handicap"
    assert four[0].text.startswith("le prestataire démontre qu’il prend en compte les situations de handicap")
    made = parse_obligations("CFA : le prestataire démontre : a) ceci ; b) cela.\n\nVAE: sans espace")
    assert [(o.audience, o.text) for o in made] == [("apprentissage", "le prestataire démontre : a) ceci ; b) cela."),
                                                   ("vae", "sans espace")]
