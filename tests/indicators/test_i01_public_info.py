"""Indicator 1: the programme's public information, item by item, from course custom fields and the evidence
register; a pass and a fail case per rule."""

from __future__ import annotations

from dataclasses import replace

from mappings.indicators import i01_public_info
from mappings.model import Evidence, Outcome, Status
from mappings.programmes import Programme
from mappings.status import assess
from tests.indicators.builders import good_course, inp

GENERAL = ("objectifs", "prerequis", "duree", "modalites_acces", "delais_acces", "tarifs", "contacts", "methodes",
           "modalites_evaluation", "accessibilite")
NOT_CERTIFYING = Programme("P", "Programme")


def filled(*items: str, **extra) -> dict[str, str]:
    return {**{f"info_{i}": "renseigné" for i in items}, **extra}


def judge(fields: dict, programme: Programme = NOT_CERTIFYING, evidence=(), **thresholds):
    base = inp(good_course(customfields=fields), programme=programme, **thresholds)
    return i01_public_info.evaluate(replace(base, evidence=evidence))


def test_every_item_filled_is_covered_and_a_missing_one_is_named():
    v = judge(filled(*GENERAL))
    assert v.outcome == Outcome.PASSED and v.figures["informations_renseignees"] == 10
    v = judge(filled(*[i for i in GENERAL if i != "tarifs"]))
    assert v.outcome == Outcome.WARN and v.figures["informations_manquantes"] == "tarifs"
    assert v.findings[0].what == "1 information publique à compléter" and "tarifs" in v.findings[0].why
    assert assess(v, "mineure_ou_majeure", 0.8)[0] == Status.A_CONSOLIDER


def test_a_certifying_programme_also_owes_results_blocs_and_outlets():
    certifying = Programme("BTS", "BTS", rncp="RNCP38362")
    v = judge(filled(*GENERAL), certifying)
    assert v.outcome == Outcome.WARN and v.figures["informations_attendues"] == 16
    assert v.figures["informations_manquantes"] == ("résultats obtenus, blocs de compétences, équivalences, "
                                                     "passerelles, suites de parcours, débouchés")


def test_declared_duration_renamed_fields_and_register_entries_count():
    no_duration = [i for i in GENERAL if i != "duree"]
    assert judge(filled(*no_duration)).figures["informations_manquantes"] == "durée"
    assert judge(filled(*no_duration), Programme("P", "P", duration_hours=7)).outcome == Outcome.PASSED
    renamed = filled(*[i for i in GENERAL if i != "tarifs"], prix="1 200 € HT")
    assert judge(renamed, public_info_fields=["tarifs=prix"]).outcome == Outcome.PASSED
    cgv = Evidence("Tarifs et conditions générales de vente 2026", source="register", indicators=(1,),
                   scope="organisme")
    assert judge(filled(*[i for i in GENERAL if i != "tarifs"]), evidence=(cgv,)).outcome == Outcome.PASSED
    other = replace(cgv, programme="AUTRE")  # another programme's entry does not count here
    assert judge(filled(*[i for i in GENERAL if i != "tarifs"]), evidence=(other,)).outcome == Outcome.WARN


def test_nothing_item_by_item_falls_back_on_the_evidence_for_1():
    v = judge({})
    assert v.outcome == Outcome.FAILED and v.missing  # à fournir
    site = Evidence("Site web — programmes", source="register", indicators=(1,), scope="organisme")
    v = judge({}, evidence=(site,))
    assert v.outcome == Outcome.WARN and not v.missing
    assert v.findings[0].what == "Informations publiques non vérifiables une à une"
    assert "info_objectifs" in v.findings[0].fix
