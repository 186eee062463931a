"""Evaluation of the recorded data set through the store (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import func, select

from connector import app
from connector.demo import DEMO_PROGRAMMES
from connector.evaluate import run_evaluation
from connector.store.models import Evaluation, VerdictRow
from mappings.model import Outcome
from tests.conftest import NOW
from tests.test_sync import settings_for, transport


def setup(store_url):
    settings = settings_for(store_url).model_copy(update={"programmes": DEMO_PROGRAMMES})
    assert app.sync(settings, transport=transport(), now=NOW).status == "ok"
    return settings, app.open_store(store_url, migrate=False)


def test_recorded_data_verdicts(store_url):
    settings, store = setup(store_url)
    ev = run_evaluation(settings, store.sessions, NOW)
    progs = {p.code: (p, {v.indicator: v for v in vs}) for p, vs in ev.programmes}
    assert ev.unmapped == []
    bts, v = progs["BTS-MCO"]
    assert bts.rncp == "RNCP38362"  # from the course custom field
    i6 = v[6]
    c3 = next(c for c in i6.courses if c.shortname == "BTSMCO-CEJM")
    assert c3.outcome == Outcome.FAILED
    assert any(f.where.course == "BTSMCO-CEJM" and f.what == "Section sans nom" for f in i6.findings)
    assert v[13].outcome != Outcome.NOT_APPLICABLE  # alternance
    assert v[10].outcome == Outcome.FAILED  # C3 completion disabled
    c2 = next(f for f in v[10].findings if f.where.course == "BTSMCO-GOPS")
    assert c2.what == "Pas de critères d’achèvement du cours"
    i12 = v[12].figures
    assert i12["inscrits_actifs"] == 40 - 1 and i12["jamais_connectes"] == 2  # C1 15+C2 15+C3 10, 14 suspended
    assert v[30].figures["reponses"] == 13 and v[30].figures["satisfaction_sur_5"] > 3
    i31 = v[31]  # no forum named like a complaints channel in the data set; C1's survey holds a complaint
    assert i31.outcome == Outcome.FAILED and i31.findings[0].what == "Aucun canal de réclamation"
    assert any("salle était trop froide" in f.why for f in i31.findings)
    assert v[7].outcome == Outcome.FAILED  # no evidence QUALIOPI-I07; RNCP link not checked without the export
    assert v[7].figures["code_rncp"] == "RNCP38362" and "non vérifié" in v[7].summary
    _, ex = progs["EXCEL"]
    assert ex[3].outcome == Outcome.NOT_APPLICABLE  # not certifying (rncp empty)
    with store.sessions() as s:
        assert s.scalar(select(func.count()).select_from(VerdictRow)) == 3 * 32


def test_verdicts_kept_per_evaluation_with_trend(store_url):
    settings, store = setup(store_url)
    run_evaluation(settings, store.sessions, NOW)
    ev2 = run_evaluation(settings, store.sessions, NOW + 86400)
    bts = {v.indicator: v for v in ev2.programmes[0][1]}
    assert "taux_abandon_precedent" in bts[12].figures
    with store.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Evaluation)) == 2
