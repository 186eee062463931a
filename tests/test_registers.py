"""The quality course and its registers, on the second recording set (its own world: course 10 QUALITE,
databases 1–3, the sync user 37), synced into SQLite and PostgreSQL and judged as evidence.

Every answer replayed here is recorded (../shared/moodle, RECORDINGS-2.md). The only rewrite: the
recorded ``mod_data_get_entries`` calls ask for every entry without paging; the sync pages (page 0,
200 per page), and the recorded unpaged answer is what Moodle gives for page 0 when the register holds
fewer than 200 entries. Paging itself is checked on the recorded page-1 answer.
"""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func, select

from connector import app
from connector.moodle import MoodleClient
from connector.moodle.replay import ReplayTransport
from connector.store.evidence import load_courses
from connector.store.models import Course, Module, RegisterDatabase, RegisterEntry
from connector.store.registers import (
    load_actions,
    load_complaints,
    load_register_evidence,
    unknown_programme_codes,
)
from connector.sync.context import SyncContext
from connector.sync.resources import catalog, registers
from mappings.indicators import evidence as ev_rules
from mappings.indicators.base import EvalInput
from mappings.model import Outcome
from mappings.programmes import Programme
from mappings.thresholds import merged
from tests.conftest import FIXTURES, TOKEN

T0 = 1796277458  # the recording's clock (2026-12-02)
QUALITE = 10
NAMES = {"preuves": "Registre des preuves Qualiopi", "reclamations": "Registre des réclamations",
         "amelioration": "Plan d'amélioration continue"}


def recorded(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text("utf-8"))


def entries(*names: str, paged: dict[str, dict] | None = None) -> list[dict]:
    out = [recorded(n) for n in names]
    for e in out:
        if e["wsfunction"] == "mod_data_get_entries" and "page" not in e["params"]:
            e["params"] = {**e["params"], "page": "0", "perpage": str(registers.PER_PAGE)}
    return out


SET2 = ("core_course_get_contents__QUALITE.json", "mod_page_get_pages_by_courses__QUALITE.json",
        "mod_data_get_databases_by_courses__QUALITE.json", "mod_data_get_fields__db1_preuves.json",
        "mod_data_get_fields__db2_reclamations.json", "mod_data_get_fields__db3_plan_amelioration.json",
        "mod_data_get_entries__db1_preuves_returncontents.json",
        "mod_data_get_entries__db2_reclamations_returncontents.json",
        "mod_data_get_entries__db3_plan_amelioration_returncontents.json")


@pytest.fixture
def store(store_url):
    s = app.open_store(store_url)
    with s.sessions.begin() as session:
        session.add(Course(id=QUALITE, shortname="QUALITE", fullname="Espace qualité — Qualiopi", category_id=1,
                           format="topics", record_hash="x"))
    yield s
    s.engine.dispose()


def no_update_and_counts(answers: list[dict], since: str = "*", counts: dict[int, int] | None = None) -> list[dict]:
    """What an incremental run asks besides the recordings: Moodle's "no update" answer (recorded, for the
    first set's course) and each register's entry count (the recorded full answer, cut to one entry)."""
    none = recorded("core_course_get_updates_since__BTSMCO-DRC_before_edit.json")
    out = [*answers, {**none, "params": {"courseid": str(QUALITE), "since": since}}]
    for name, dataid in (("db1_preuves", 1), ("db2_reclamations", 2), ("db3_plan_amelioration", 3)):
        full = recorded(f"mod_data_get_entries__{name}_returncontents.json")
        total = (counts or {}).get(dataid, full["response"]["totalcount"])
        out.append({"wsfunction": "mod_data_get_entries", "params": {"databaseid": str(dataid), "returncontents": "0",
                                                                       "page": "0", "perpage": "1"},
                    "response": {**full["response"], "entries": full["response"]["entries"][:1], "totalcount": total}})
    return out


def ctx_for(store, answers: list[dict], **kw) -> SyncContext:
    client = MoodleClient("http://127.0.0.1:8080", TOKEN, transport=ReplayTransport(answers), backoff=0)
    return SyncContext(client=client, sessions=store.sessions, now=T0, course_ids=frozenset({QUALITE}),
                       quality_course_ids=(QUALITE,), register_names=dict(NAMES), **kw)


def sync_all(store, answers=None, **kw):
    ctx = ctx_for(store, no_update_and_counts(answers or entries(*SET2)), **kw)
    return catalog.sync_contents(ctx, 1) + registers.sync_registers(ctx, 1)


def test_quality_course_contents_keep_content_time_files_targets_and_page_text(store):
    sync_all(store)
    with store.sessions() as s:
        mods = {m.id: m for m in s.scalars(select(Module))}
    assert mods[27].files[0]["name"] == "livret_accueil_2026.pdf" and mods[27].content_time == 1796277264
    assert "token" not in mods[27].files[0]["url"]
    assert [f["path"] for f in mods[28].files] == ["/", "/archives/"]  # folder files, sub-folder kept
    assert mods[29].text_chars and mods[29].text_chars > 100  # the veille page has text
    assert mods[31].text_chars == 0 and mods[31].visible is False  # hidden, empty draft
    assert mods[30].target == "https://cfd.example.fr/nos-formations" and mods[30].files == []
    assert mods[32].content_time == 1761717264  # the 400-day-old file, dated by its content
    assert mods[33].files == [] and mods[33].content_time is None  # a database: no contents


def test_registers_synced_with_normalised_values(store):
    counts = sync_all(store)
    assert counts["inserted"] > 0
    with store.sessions() as s:
        dbs = {d.kind: d for d in s.scalars(select(RegisterDatabase))}
        rows = {(r.kind, r.ref): r for r in s.scalars(select(RegisterEntry))}
    assert {k: d.id for k, d in dbs.items()} == {"preuves": 1, "reclamations": 2, "amelioration": 3}
    assert [f["name"] for f in dbs["preuves"].fields][:3] == ["indicateurs", "titre", "nature"]
    fields = {f["name"]: f for f in dbs["reclamations"].fields}  # a menu keeps its options, a text field none
    assert fields["statut"]["options"] == ["reçue", "en analyse", "répondue", "close"]
    assert fields["programme"]["options"] == [] and fields["statut"]["type"] == "menu"
    assert len([k for k in rows if k[0] == "preuves"]) == 5
    assert len([k for k in rows if k[0] == "reclamations"]) == 4
    assert len([k for k in rows if k[0] == "amelioration"]) == 5
    livret = rows[("preuves", "2")].fields
    assert livret["indicateurs"] == ["9"] and livret["date_document"] == 1785888000
    assert livret["emplacement"] == {"url": "https://cfd.example.fr/livret", "text": "Livret en ligne"}
    assert livret["fichier"] == "livret_accueil_v3.pdf"
    assert rows[("preuves", "2")].files[0]["size"] == 68297
    assert rows[("preuves", "3")].fields["emplacement"]["url"] == "http://cfd.example.fr/qualite/procedures"
    assert rows[("preuves", "4")].fields["commentaire"] is None  # never filled
    assert rows[("preuves", "5")].fields["commentaire"] == ""  # submitted empty
    assert rows[("preuves", "1")].url == "http://127.0.0.1:8080/mod/data/view.php?d=1&rid=1"


def test_rerun_writes_nothing_and_a_deleted_entry_disappears(store):
    sync_all(store)
    again = sync_all(store)
    assert sum(again.values()) == 0
    answers = entries(*SET2)
    db1 = next(a for a in answers if a["wsfunction"] == "mod_data_get_entries" and a["params"]["databaseid"] == "1")
    db1["response"] = copy.deepcopy(db1["response"])
    db1["response"]["entries"] = [e for e in db1["response"]["entries"] if e["id"] != 5]
    db1["response"]["totalcount"] = 4
    # Moodle reports no update for a deletion: the entry count tells (4 where the store holds 5)
    ctx = ctx_for(store, no_update_and_counts(answers, counts={1: 4}))
    counts = registers.sync_registers(ctx, 2)
    assert counts["deleted"] == 1
    assert ctx.client.calls["mod_data_get_fields"] == 1  # only the register whose count moved is re-read
    with store.sessions() as s:
        refs = set(s.scalars(select(RegisterEntry.ref).where(RegisterEntry.kind == "preuves")))
    assert refs == {"1", "2", "3", "4"}


@pytest.mark.parametrize("lookback", [0, 3600])
def test_only_registers_moodle_reports_as_changed_are_read_again(store, lookback):
    """Recorded after the quality manager edited complaint 8 and added proof 15: modules 33 and 34 changed.
    Moodle is asked for the changes since the last run less lookback_hours (the recorded call: since = T0)."""
    sync_all(store)
    answers = no_update_and_counts(entries(*SET2))
    answers = [a for a in answers if a["wsfunction"] != "core_course_get_updates_since"]
    changes = recorded("core_course_get_updates_since__QUALITE_after_entries.json")
    answers.append({**changes, "params": {**changes["params"], "since": str(T0 - lookback)}})
    ctx = ctx_for(store, answers, lookback=lookback)
    ctx.now = T0 + 600
    registers.sync_registers(ctx, 2)
    assert ctx.client.calls["core_course_get_updates_since"] == 1
    assert ctx.client.calls["mod_data_get_fields"] == 2  # registers 1 and 2 are read again, 3 is not
    assert ctx.client.calls["mod_data_get_entries"] == 3  # 2 full reads + the count of register 3
    full = ctx_for(store, entries(*SET2), full=True)
    registers.sync_registers(full, 3)
    assert full.client.calls["mod_data_get_fields"] == 3 and "core_course_get_updates_since" not in full.client.calls


def test_entries_are_read_page_by_page(store, monkeypatch):
    """Recorded: page 1 of 2 per page holds entries 8 and 9, totalcount 4."""
    monkeypatch.setattr(registers, "PER_PAGE", 2)
    page1 = recorded("mod_data_get_entries__db2_reclamations_page1_perpage2.json")
    full = recorded("mod_data_get_entries__db2_reclamations_returncontents.json")
    page0 = copy.deepcopy(full)
    page0["params"] = {**full["params"], "page": "0", "perpage": "2"}
    page0["response"]["entries"] = [e for e in full["response"]["entries"] if e["id"] not in (8, 9)]
    page1["params"] = {**page1["params"], "returncontents": "1"}
    ctx = ctx_for(store, [page0, page1])
    got = registers.fetch_entries(ctx, 2)
    assert sorted(e.id for e in got) == [6, 7, 8, 9]


def test_registers_need_a_quality_course(store):
    ctx = ctx_for(store, [])
    ctx.quality_course_ids = ()
    assert registers.sync_registers(ctx, 1) == {}
    with store.sessions() as s:
        assert s.scalar(select(func.count()).select_from(RegisterEntry)) == 0


def judged(store, programme: Programme) -> dict[int, object]:
    with store.sessions() as s:
        quality = tuple(load_courses(s, [QUALITE], "http://127.0.0.1:8080"))
        found = load_register_evidence(s, T0)
    inp = EvalInput(programme, (), T0, merged(), quality, evidence=found)
    return {n: ev_rules.evaluate_evidence(n, inp) for n in (1, 9, 11, 17, 21, 22, 23, 32)}


def test_evidence_from_the_quality_course_and_the_register(store):
    sync_all(store)
    v = judged(store, Programme("BTS-MCO-2025", "BTS MCO", action_category="apprentissage"))
    # 9: the welcome booklet file (cm 27) and register entry 2, with its attachment
    assert v[9].outcome == Outcome.PASSED
    sources = {(e.source, e.label) for e in v[9].evidence}
    assert ("moodle", "Livret d'accueil [QUALIOPI-I09]") in sources
    assert ("register", "Livret d'accueil apprenant v3") in sources
    entry = next(e for e in v[9].evidence if e.source == "register")
    assert entry.documents[0].name == "livret_accueil_v3.pdf" and entry.owner == "Nadia Qualité-Responsable"
    assert entry.ref == "Registre des preuves Qualiopi, fiche 2" and entry.text.startswith("Remis à chaque")
    moodle = next(e for e in v[9].evidence if e.source == "moodle")
    assert moodle.owner == "non disponible via Moodle" and moodle.timestamp == 1796277264
    assert v[1].outcome == Outcome.PASSED and len(v[1].evidence) == 3  # folder, URL, register entry 1
    assert v[23].outcome == Outcome.PASSED  # the veille page has text
    # 21: the hidden, empty draft page counts for nothing (a staff page may be hidden, not empty)
    assert v[21].outcome == Outcome.FAILED and v[21].missing
    assert any(f.what == "Preuve vide : Brouillon [QUALIOPI-I21]" for f in v[21].findings)
    # 22: the trainers' plan file is 400 days old: stale, partial
    assert v[22].outcome == Outcome.WARN and not v[22].missing
    # 32: only the complaints procedure entry, past its review date (2026-09-09)
    assert v[32].outcome == Outcome.WARN and "date de revue dépassée" in v[32].findings[0].why
    # 11: the dropout tracking sheet is declared for this programme; its monthly review fell due that morning
    assert v[11].outcome == Outcome.WARN and v[11].evidence[0].review_date == 1796256000
    # 17: entry 5 names programme TP-DWWM-2025, not this one
    assert v[17].outcome == Outcome.FAILED


def test_entry_for_another_programme_counts_there_and_unknown_codes_are_reported(store):
    sync_all(store)
    v = judged(store, Programme("TP-DWWM-2025", "DWWM"))
    assert v[17].outcome == Outcome.PASSED and v[11].outcome == Outcome.FAILED and v[11].missing
    with store.sessions() as s:
        unknown = unknown_programme_codes(s, {"bts-mco-2025"})
    assert ("Registre des preuves Qualiopi, fiche 5", "TP-DWWM-2025") in unknown
    assert ("Registre des réclamations, fiche 7", "TP-DWWM-2025") in unknown  # complaints name programmes too
    assert not any(code == "BTS-MCO-2025" for _, code in unknown)


# ---------------------------------------------------------------- spreadsheets and presets
def _import(store, path, kind=None):
    from connector.registers.imports import import_register

    with store.sessions.begin() as s:
        return import_register(s, path, kind)


CSV_OK = (
    "Indicateurs;Titre;Nature;Emplacement;Date document;Date revue;Responsable;Périmètre;Programme;Commentaire\n"
    "1, 2;Catalogue 2026;support d'information;cfd.example.fr/catalogue;05/01/2026;05/01/2027;Nadia;organisme;;"
    "Publié sur le site\n"
    ";;;;;;;;;\n"
    "26;Réseau handicap;compte rendu;;2026-03-01;;Karim;programme;BTS-MCO;\n"
)


def test_register_import_csv_replaces_the_previous_import_only(store, tmp_path):
    sync_all(store)  # Moodle entries exist too
    f = tmp_path / "preuves.csv"
    f.write_text(CSV_OK, encoding="utf-8")
    assert _import(store, f) == ("preuves", 2)
    with store.sessions() as s:
        rows = {r.ref: r for r in s.scalars(select(RegisterEntry).where(RegisterEntry.source == "spreadsheet"))}
        moodle = s.scalar(select(func.count()).select_from(RegisterEntry).where(RegisterEntry.source == "moodle"))
    assert set(rows) == {"2", "4"} and moodle == 14  # lines 2 and 4 (3 is blank); Moodle's untouched
    assert rows["2"].fields["indicateurs"] == ["1", "2"] and rows["2"].fields["date_document"] == 1767571200
    assert rows["2"].fields["emplacement"] == {"url": "http://cfd.example.fr/catalogue", "text": None}
    assert rows["4"].fields["perimetre"] == "programme" and rows["4"].origin == "preuves.csv"
    f.write_text(CSV_OK.split("\n")[0] + "\n3;Organigramme;procédure;;;;;organisme;;\n", encoding="utf-8")
    assert _import(store, f) == ("preuves", 1)
    with store.sessions() as s:
        assert set(s.scalars(select(RegisterEntry.ref).where(RegisterEntry.source == "spreadsheet"))) == {"2"}
    with store.sessions() as s:
        found = [e for e in load_register_evidence(s, T0) if e.source == "spreadsheet"]
    assert found[0].ref == "preuves.csv, ligne 2" and found[0].indicators == (3,)


def test_register_import_reports_every_bad_line_and_imports_nothing(store, tmp_path):
    from connector.errors import InputError

    f = tmp_path / "preuves.csv"
    f.write_text(CSV_OK.split("\n")[0] + "\n"
                 "33;Hors référentiel;procédure;;;;;organisme;;\n"
                 "4;;procédure;;;;;organisme;;\n"
                 "5;Analyse;fiche;;31/02/2026;;;organisme;;\n"
                 "6;Bon;procédure;;;;;organisme;;\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        _import(store, f)
    assert "3 ligne(s) en erreur, rien n’a été importé" in str(err.value)
    details = err.value.details
    assert details[0].startswith("ligne 2 : indicateurs : « 33 » hors de la liste")
    assert details[1] == "ligne 3 : titre vide"
    assert details[2].startswith("ligne 4 : nature : « fiche » n’est pas un choix possible")
    assert "date « 31/02/2026 » invalide" in details[2]
    with store.sessions() as s:
        assert s.scalar(select(func.count()).select_from(RegisterEntry)) == 0


def test_register_import_xlsx_and_kind_from_columns(store, tmp_path):
    from datetime import datetime

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["date_reception", "canal", "type_plaignant", "programme", "objet", "description",
               "date_accuse_reception", "date_analyse", "date_reponse", "reponse", "action_corrective", "statut"])
    ws.append([datetime(2026, 10, 1), "Courriel", "apprenant", "BTS-MCO", "Salle trop petite", None,
               datetime(2026, 10, 2), None, datetime(2026, 10, 9), "Changement de salle", None, "répondue"])
    f = tmp_path / "reclamations.xlsx"
    wb.save(f)
    assert _import(store, f) == ("reclamations", 1)
    with store.sessions() as s:
        row = s.scalar(select(RegisterEntry).where(RegisterEntry.kind == "reclamations"))
    assert row.fields["date_reception"] == 1790812800 and row.fields["canal"] == "courriel"
    assert row.fields["date_reponse"] - row.fields["date_reception"] == 8 * 86400


def test_register_import_unknown_columns_and_broken_files(store, tmp_path):
    from connector.errors import InputError

    f = tmp_path / "x.csv"
    f.write_text("nom;prenom\nDurand;Camille\n", encoding="utf-8")
    with pytest.raises(InputError, match="colonnes non reconnues"):
        _import(store, f)
    bad = tmp_path / "y.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(InputError, match="classeur XLSX illisible"):
        _import(store, bad)
    latin = tmp_path / "z.csv"
    latin.write_bytes("indicateurs;titre\n1;Procédure\n".encode("latin-1"))
    with pytest.raises(InputError, match="UTF-8"):
        _import(store, latin)


def test_presets_hold_the_fields_the_sync_expects():
    import io
    import xml.etree.ElementTree as ET
    import zipfile

    from connector.registers import SCHEMAS, missing_fields
    from connector.registers.presets import TEMPLATES, build_preset

    for kind in SCHEMAS:
        z = zipfile.ZipFile(io.BytesIO(build_preset(kind)))
        assert set(z.namelist()) == {"preset.xml", *TEMPLATES}  # what Moodle's importer requires
        root = ET.fromstring(z.read("preset.xml"))
        fields = [{"name": f.findtext("name"), "type": f.findtext("type")} for f in root.iter("field")]
        assert missing_fields(kind, fields) == [], kind
        assert root.find("settings/intro") is not None


def test_the_shipped_preset_zips_are_the_built_ones():
    from importlib import resources

    from connector.registers.presets import FILENAMES, build_preset

    for kind, name in FILENAMES.items():
        shipped = resources.files("connector").joinpath(f"registers/zips/{name}").read_bytes()
        assert shipped == build_preset(kind), f"{name}: run python -m connector.registers.presets"


def test_recorded_registers_have_the_expected_fields():
    from connector.registers import missing_fields

    for kind, name in (("preuves", "db1_preuves"), ("reclamations", "db2_reclamations"),
                       ("amelioration", "db3_plan_amelioration")):
        fields = recorded(f"mod_data_get_fields__{name}.json")["response"]["fields"]
        assert missing_fields(kind, fields) == [], kind


# ---------------------------------------------------------------- doctor
def _doctor(answers):
    from connector.doctor import check_registers

    client = MoodleClient("http://127.0.0.1:8080", TOKEN, transport=ReplayTransport(answers), backoff=0)
    return check_registers(client, [QUALITE], dict(NAMES))


def test_doctor_passes_the_recorded_registers():
    checks = _doctor(entries(*SET2))
    assert [(c.function, c.probe) for c in checks] == [(f"register « {n} »", "ok") for n in NAMES.values()]


def test_doctor_flags_a_missing_or_renamed_field_with_the_fix():
    answers = entries(*SET2)
    db1 = next(a for a in answers if a["wsfunction"] == "mod_data_get_fields" and a["params"]["databaseid"] == "1")
    db1["response"] = copy.deepcopy(db1["response"])
    db1["response"]["fields"] = [f for f in db1["response"]["fields"] if f["name"] != "date_revue"]
    db1["response"]["fields"][0]["name"] = "indicateur"  # renamed
    bad = _doctor(answers)[0]
    assert bad.probe == "failed"
    assert "champ « date_revue » (date) absent" in bad.fix and "champ « indicateurs » (multimenu) absent" in bad.fix
    assert "Fields tab" in bad.fix


def test_doctor_flags_a_register_not_found_and_missing_capabilities():
    answers = entries(*SET2)
    dbs = next(a for a in answers if a["wsfunction"] == "mod_data_get_databases_by_courses")
    dbs["response"] = copy.deepcopy(dbs["response"])
    dbs["response"]["databases"] = dbs["response"]["databases"][1:]
    missing = _doctor(answers)[0]
    assert missing.probe == "failed" and "no Database activity named « Registre des preuves Qualiopi »" in missing.fix
    # without mod/data:view the recorded answer is an empty list, with no warning
    empty = recorded("mod_data_get_databases_by_courses__QUALITE_without_data_caps.json")
    checks = _doctor([empty])
    assert checks[0].probe == "failed" and "mod/data:view" in checks[0].fix
    # with view but without viewentry, Moodle 4.5.0 answers a coding error for the whole call
    broken = recorded("mod_data_get_databases_by_courses__QUALITE_view_only.json")
    checks = _doctor([broken])
    assert checks[0].probe == "failed" and "mod/data:viewentry" in checks[0].fix


def test_indicator_31_reads_the_recorded_complaints_register(store):
    """Set 2's register (its own world): entry 7 (TP-DWWM-2025) acknowledged after 5 days and answered 40 days
    after reception; entry 6 (BTS-MCO-2025) acknowledged the next day, answered in 4; entries 8 and 9 (EXCEL-01)
    still open at the recording's clock, within the 15 days."""
    from mappings.indicators import i31_complaints
    from mappings.programmes import Rule

    sync_all(store)
    with store.sessions() as s:
        complaints = load_complaints(s, NAMES["reclamations"])
        assert load_complaints(s, "Registre absent") is not None  # entries exist: the register is kept
    assert [c.ref for c in complaints] == [f"Registre des réclamations, fiche {n}" for n in (6, 7, 8, 9)]

    def judge(code: str, value: str):
        prog = Programme(code, code, rules=(Rule("customfield", value, field="programme_code"),))
        return i31_complaints.evaluate(EvalInput(prog, (), T0, merged(), (), complaints=complaints))

    dwwm = judge("TP-DWWM", "TP-DWWM-2025")
    assert dwwm.outcome == Outcome.WARN and dwwm.figures["reclamations_registre"] == 1
    whats = {f.what for f in dwwm.findings}
    assert whats == {"Accusé de réception tardif : « Attestations de présence transmises en retard »",
                     "Réclamation traitée hors délai : « Attestations de présence transmises en retard »"}, whats
    assert any("40 jours après la réception" in f.why for f in dwwm.findings)
    bts = judge("BTS-MCO", "BTS-MCO-2025")
    assert bts.outcome == Outcome.PASSED and bts.figures["registre_repondues"] == 1
    excel = judge("EXCEL", "EXCEL-01")
    assert excel.outcome == Outcome.PASSED and excel.figures["reclamations_registre"] == 2
    assert excel.figures["registre_repondues"] == 0 and excel.figures["registre_en_retard"] == 0
    later = i31_complaints.evaluate(EvalInput(Programme("EXCEL", "EXCEL", rules=(
        Rule("customfield", "EXCEL-01", field="programme_code"),)), (), T0 + 20 * 86400, merged(), (),
        complaints=complaints))
    assert later.outcome == Outcome.FAILED and later.figures["registre_en_retard"] == 2  # 20 days on: overdue


def test_indicator_32_reads_the_recorded_improvement_plan(store):
    """Set 2's plan (its own world), at the recording's clock (2026-12-02): action 13 « en cours » due
    2026-11-23 is late; 10 is done with its effectiveness; 14 is abandoned with its reason. Complaint 6
    (BTS-MCO-2025, close) names « Contrôle mensuel du chauffage », action 10 of the plan; complaint 7
    (TP-DWWM-2025, répondue) names an action the plan does not hold; 8 and 9 (EXCEL-01) are still open."""
    from mappings.indicators import i32_improvement
    from mappings.programmes import Rule
    from mappings.status import assess

    sync_all(store)
    with store.sessions() as s:
        actions = load_actions(s, NAMES["amelioration"])
        complaints = load_complaints(s, NAMES["reclamations"])
    assert [a.ref for a in actions] == [f"Plan d'amélioration continue, fiche {n}" for n in (10, 11, 12, 13, 14)]
    by_ref = {a.ref.rsplit(" ", 1)[1]: a for a in actions}
    assert by_ref["10"].effectiveness == "Aucune nouvelle réclamation depuis." and by_ref["10"].done == 1794096000
    assert by_ref["12"].indicators == (22, 26) and by_ref["13"].owner == "Sophie Martin"
    assert by_ref["11"].origin == "enquête de satisfaction" and by_ref["14"].status == "abandonnée"

    def judge(code: str, value: str):
        prog = Programme(code, code, rules=(Rule("customfield", value, field="programme_code"),))
        return i32_improvement.evaluate(EvalInput(prog, (), T0, merged(), (), complaints=complaints,
                                                  actions=actions))

    bts = judge("BTS-MCO", "BTS-MCO-2025")
    assert bts.outcome == Outcome.PASSED and bts.figures["reclamations_suivies"] == 1
    assert [f.what for f in bts.findings] == [("Action en retard : « Relance téléphonique systématique après "
                                               "deux absences »")]
    assert "échéance du 23/11/2026" in bts.findings[0].why
    assert assess(bts, "majeure_uniquement", 0.8)[0].label == "couvert"
    dwwm = judge("TP-DWWM", "TP-DWWM-2025")
    assert dwwm.outcome == Outcome.WARN
    assert dwwm.findings[0].what == "Action corrective absente du plan : « Envoi automatique mensuel des attestations »"
    excel = judge("EXCEL", "EXCEL-01")
    assert excel.outcome == Outcome.PASSED and excel.figures["reclamations_repondues"] == 0
    with store.sessions() as s:
        assert load_actions(s, "Plan absent") is not None  # entries exist: the plan is kept
    with store.sessions.begin() as s:
        s.query(RegisterEntry).filter(RegisterEntry.kind == "amelioration").delete()
        s.query(RegisterDatabase).filter(RegisterDatabase.name == NAMES["amelioration"]).delete()
    with store.sessions() as s:
        assert load_actions(s, NAMES["amelioration"]) is None  # neither entries nor the activity: not kept
