"""RNCP/RS open data: reading the real France compétences samples, the check of indicators 7 and 16, import."""

from __future__ import annotations

import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from connector import app
from connector.cli import cli
from connector.errors import InputError
from connector.rncp import read_export
from connector.store.evidence import load_rncp
from connector.store.models import RncpFiche
from mappings.indicators import evaluate_programme
from mappings.model import Document, ModuleSnap, Outcome, SectionSnap
from mappings.programmes import Programme
from mappings.rncp import check_code
from tests.conftest import NOW
from tests.indicators.builders import good_course, inp

DATA = Path(__file__).parent / "data" / "rncp"
ZIP = DATA / "export-fiches-csv-2024-02-22.zip"
XML_RNCP = DATA / "export_fiches_RNCP_V4_1_sample.xml"
XML_RS = DATA / "export_fiches_RS_V4_1_sample.xml"


def by_numero(paths):
    return {f.numero: f for f in read_export(paths)}


def test_csv_zip_of_the_real_export():
    f = by_numero([ZIP])
    assert len(f) == 9
    assert f["RS6117"].actif and f["RS6117"].date_fin == "2025-09-29" and f["RS6117"].export_date == "2024-02-22"
    assert f["RS6117"].certificateurs == ("CONFEDE. NATIONALE BOULANGERS PATISSIERS",
                                          "INSTITUT NATIONAL BOULANGERIE PATISSERIE")
    assert not f["RNCP509"].actif and f["RNCP509"].remplacee_par == ("RNCP38228",)
    assert f["RNCP509"].niveau == "NIV3"


def test_csv_files_give_the_same_fiches_as_the_zip():
    files = [DATA / "export_fiches_CSV_Standard_2024_02_22.csv", DATA / "export_fiches_CSV_Certificateurs_2024_02_22.csv"]
    assert {k: v.actif for k, v in by_numero(files).items()} == {k: v.actif for k, v in by_numero([ZIP]).items()}


def test_xml_export_streams_fiches_and_reads_direct_children_only():
    f = by_numero([XML_RNCP, XML_RS])
    assert f["RNCP37488"].actif and f["RNCP37488"].date_fin == "2028-08-31" and f["RNCP37488"].niveau == "NIV4"
    old = f["RNCP35419"]  # inactive, although its SI_JURY_*/ACTIF children say Oui
    assert not old.actif and old.remplacee_par == ("RNCP42147",)
    assert not f["RS5000"].actif  # active in the 2024 CSV, inactive in the 2026 XML


def test_check_code_outcomes():
    fiches = by_numero([XML_RNCP, XML_RS])
    assert check_code("RNCP37488", fiches, NOW).outcome == Outcome.PASSED
    inactive = check_code("rncp35419", fiches, NOW)
    assert inactive.outcome == Outcome.FAILED and "RNCP42147" in inactive.findings[0].why
    assert inactive.findings[0].where.url == "https://www.francecompetences.fr/recherche/rncp/35419/"
    missing = check_code("RNCP99999", fiches, NOW)
    assert missing.outcome == Outcome.FAILED and "introuvable" in missing.findings[0].what
    assert check_code("RNCP37488", None, NOW).outcome == Outcome.NOT_EVALUATED
    assert check_code(None, fiches, NOW).outcome == Outcome.FAILED
    # active flag but registration ended before "now"
    assert check_code("RS6117", by_numero([ZIP]), NOW).outcome == Outcome.FAILED


def test_indicators_7_and_16_use_the_check():
    fiches = by_numero([XML_RNCP])
    proof = SectionSnap(2, "Qualité", "", True, (
        ModuleSnap(90, "resource", "Adéquation [QUALIOPI-I07] [QUALIOPI-I16]", None, True, 0, None, NOW, NOW,
                   (Document("adequation.pdf", size=1000),)),))
    course = good_course(sections=(*good_course().sections, proof))
    for code, expected in (("RNCP37488", Outcome.PASSED), ("RNCP35419", Outcome.FAILED)):
        covered = {b: ("GOOD",) for b, _ in fiches[code].blocs}  # every bloc prepared by the course (crosswalk)
        base = inp(course, programme=Programme("P", "P", rncp=code, blocs=covered))
        verdicts = {v.indicator: v for v in evaluate_programme(replace(base, rncp=fiches))}
        assert verdicts[7].outcome == expected and verdicts[16].outcome == expected, verdicts[7]
        assert verdicts[7].figures["code_rncp"] == code
    verdicts = {v.indicator: v for v in evaluate_programme(inp(course, programme=Programme("P", "P", rncp="RNCP37488")))}
    assert verdicts[7].outcome == Outcome.NOT_EVALUATED and "rncp import" in verdicts[7].missing_data


def test_cli_import_then_bad_file_keeps_the_store(tmp_path, store_url, monkeypatch):
    cfg = tmp_path / "q.toml"
    cfg.write_text(f'[moodle]\nurl = "http://127.0.0.1:8080"\ntoken = "x"\n[store]\nurl = "{store_url}"\n')
    run = lambda *a: CliRunner().invoke(cli, ["--config", str(cfg), "rncp", "import", *map(str, a)])
    ok = run(ZIP)
    assert ok.exit_code == 0 and "9 fiche(s) read: +9" in ok.output
    assert run(ZIP).output.endswith("+0 ~0 -0\n")  # rerun writes nothing
    bad_zip = tmp_path / "export-fiches-csv-2026-11-01.zip"
    with zipfile.ZipFile(bad_zip, "w") as z:
        z.writestr("export_fiches_CSV_Standard_2026_11_01.csv", '"Numero_Fiche";"Intitule"\r\n"RNCP1";"X"\r\n')
    for bad in (bad_zip, tmp_path / "nothing.txt"):
        if not bad.exists():
            bad.write_text("hello")
        res = run(bad)
        assert res.exit_code == 2 and res.output.count("\n") == 1 and "Traceback" not in res.output, res.output
    assert "missing column(s) Actif" in run(bad_zip).output
    store = app.open_store(store_url, migrate=False)
    with store.sessions() as s:
        assert len(s.scalars(select(RncpFiche)).all()) == 9
        assert load_rncp(s)["RNCP509"].remplacee_par == ("RNCP38228",)
    run(XML_RS)  # RS fiches replaced by the XML's, RNCP ones kept
    with store.sessions() as s:
        fiches = load_rncp(s)
    assert not fiches["RS5000"].actif and "RS6117" not in fiches and "RNCP509" in fiches


def test_truncated_xml_is_one_error(tmp_path):
    p = tmp_path / "export.xml"
    p.write_text("<FICHES><FICHE><NUMERO_FICHE>RNCP1</NUMERO")
    with pytest.raises(InputError, match="export.xml: not a readable XML export"):
        read_export([p])


def test_registration_must_last_until_the_programme_ends_and_the_level_is_shown():
    fiches = by_numero([XML_RNCP])
    ok = check_code("RNCP37488", fiches, NOW, programme_end=NOW + 100 * 86400)
    assert ok.outcome == Outcome.PASSED
    assert ok.figures["niveau_certification"] == "niveau 4" and ok.figures["intitule_certification"].startswith("Cyber")
    from datetime import UTC, datetime

    end = int(datetime(2028, 9, 5, 12, tzinfo=UTC).timestamp())  # after the registration's 31/08/2028
    late = check_code("RNCP37488", fiches, NOW, programme_end=end)
    assert late.outcome == Outcome.FAILED and "non valide jusqu’à la fin du programme" in late.findings[0].what
    assert "31/08/2028" in late.findings[0].why and late.figures["fin_programme"] == "05/09/2028"


def test_declared_certifying_programme_without_code_is_flagged():
    course = good_course(customfields={"modalite": "1", "rncp": ""})
    prog = Programme("EXCEL", "Excel", declared_certifying=True)
    verdicts = {v.indicator: v for v in evaluate_programme(inp(course, programme=prog))}
    assert verdicts[3].outcome == Outcome.FAILED and verdicts[3].status.value == "a_fournir"  # applies
    for n in (7, 16):
        assert verdicts[n].outcome == Outcome.FAILED
        assert any(f.what == "Code RNCP/RS absent" for f in verdicts[n].findings)
    assert any(f.what == "Champ « rncp » non renseigné" for f in verdicts[6].findings)
    plain = {v.indicator: v for v in evaluate_programme(inp(course, programme=Programme("EXCEL", "Excel")))}
    assert {plain[n].outcome for n in (3, 7, 16)} == {Outcome.NOT_APPLICABLE}


def test_older_export_is_refused_and_url_download_works(tmp_path, store_url):
    import http.server
    import threading

    cfg = tmp_path / "q.toml"
    cfg.write_text(f'[moodle]\nurl = "http://127.0.0.1:8080"\ntoken = "x"\n[store]\nurl = "{store_url}"\n')
    run = lambda *a: CliRunner().invoke(cli, ["--config", str(cfg), "rncp", "import", *map(str, a)])
    newer = tmp_path / "export-fiches-csv-2025-01-10.zip"
    newer.write_bytes(ZIP.read_bytes())
    assert run("--file", newer).exit_code == 0
    older = run("--file", ZIP)
    assert older.exit_code == 2 and "older than the one in the store (2025-01-10)" in older.output
    assert older.output.count("\n") == 1

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path != "/fr/datasets/r/abc":
                self.send_error(404)
                return
            body = ZIP.read_bytes()
            self.send_response(200)
            self.send_header("Content-Disposition", 'attachment; filename="export-fiches-csv-2025-02-01.zip"')
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        got = run("--url", f"{base}/fr/datasets/r/abc")
        assert got.exit_code == 0 and "9 fiche(s) read: +0 ~9 -0" in got.output, got.output  # newer date
        missing = run("--url", f"{base}/nothing")
        assert missing.exit_code == 2 and "HTTP 404" in missing.output
    finally:
        server.shutdown()
    store = app.open_store(store_url, migrate=False)
    with store.sessions() as s:
        assert {f.export_date for f in load_rncp(s).values()} == {"2025-02-01"}
    assert run().exit_code == 2


def test_an_export_dated_in_the_future_or_on_an_impossible_date_is_refused(tmp_path):
    """A future date would make every real export look older than the stored one; an impossible date in the
    name gave a traceback."""
    import shutil

    future = tmp_path / "export-fiches-csv-2999-01-01.zip"
    shutil.copy(ZIP, future)
    with pytest.raises(InputError, match="dated 2999-01-01, after today"):
        read_export([future])
    impossible = tmp_path / "export-fiches-csv-2024-13-45.zip"
    shutil.copy(ZIP, impossible)
    with pytest.raises(InputError, match=r"2024-13-45\) is not a real date"):
        read_export([impossible])
    from datetime import date

    from connector.rncp import export_date

    assert export_date("export-fiches-csv-2026-12-04.zip", 0, today=date(2026, 12, 3)) == "2026-12-04"  # a day ahead
    with pytest.raises(InputError):
        export_date("export-fiches-csv-2026-12-05.zip", 0, today=date(2026, 12, 3))


def test_a_corrupted_zip_member_or_a_zip_bomb_is_one_error(tmp_path):
    data = ZIP.read_bytes()
    with zipfile.ZipFile(ZIP) as z:
        info = next(i for i in z.infolist() if "Standard" in i.filename)
    start = data.find(info.filename.encode()) + len(info.filename) + 200  # inside the member's compressed bytes
    broken = tmp_path / "export-fiches-csv-2024-02-22.zip"
    broken.write_bytes(data[:start] + bytes(b ^ 0x5A for b in data[start:start + 64]) + data[start + 64:])
    with pytest.raises(InputError, match="cannot read"):
        read_export([broken])
    bomb = tmp_path / "export-fiches-csv-2024-02-23.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("export_fiches_CSV_Standard_2024_02_23.csv", b"Numero_Fiche;Intitule\n" + b" " * 50_000_000)
    # the bomb: 50 MB of spaces in about 50 KB
    with pytest.raises(InputError, match="expands to 47 MB.*refused unread"):
        read_export([bomb])


# ---------------------------------------------------------------- délivrance limit and habilitation (7, 16)
def test_partners_certifier_sirets_and_de_droit_are_read_from_both_exports():
    csv = by_numero([ZIP])
    assert csv["RS5000"].partenaires[0] == ("82815245400033", "HABILITATION_ORGA_FORM", None)  # the TAB stripped
    assert csv["RNCP509"].certificateurs_siret == ("11004301500012",) and csv["RNCP509"].de_droit
    assert csv["RS5000"].source == "csv" and csv["RS5000"].date_limite_delivrance is None
    xml = by_numero([XML_RNCP, XML_RS])
    assert [p[0] for p in xml["RNCP35419"].partenaires] == ["80875076400025", "88877726500016", "44321186700025"]
    assert {p[2] for p in xml["RNCP35419"].partenaires} == {"Actif"}
    assert xml["RNCP37488"].partenaires == () and xml["RNCP37488"].de_droit and xml["RNCP37488"].source == "xml"


def test_the_provider_is_habilitated_by_its_siret_and_a_fiche_without_partners_says_so():
    xml = by_numero([XML_RNCP, XML_RS])
    no_siret = check_code("RNCP37488", xml, NOW)
    assert no_siret.outcome == Outcome.PASSED and "non vérifiée" in no_siret.figures["habilitation"]
    de_droit = check_code("RNCP37488", xml, NOW, siret="123 456 789 00012")
    assert de_droit.outcome == Outcome.PASSED and de_droit.findings == ()
    assert de_droit.figures["habilitation"] == ("fiche sans partenaire publié (enregistrement de droit) : habilitation "
                                                "non lisible dans l’export")
    certifier = check_code("RNCP37488", xml, NOW, siret="11004301500012")
    assert certifier.figures["habilitation"] == "le prestataire est certificateur de la fiche"
    active = replace(xml["RNCP35419"], actif=True, date_fin="2030-01-01")
    partner = check_code("RNCP35419", {**xml, "RNCP35419": active}, NOW, siret="88877726500016")
    assert partner.outcome == Outcome.PASSED
    assert partner.figures["habilitation"] == "habilité à former et à organiser l’évaluation (actif)"
    stranger = check_code("RNCP35419", {**xml, "RNCP35419": active}, NOW, siret="99999999900019")
    assert stranger.outcome == Outcome.FAILED
    assert stranger.findings[0].what == "SIRET du prestataire absent des partenaires de la fiche"
    revoked = replace(active, partenaires=(("88877726500016", "HABILITATION_ORGA_FORM", "Inactif"),))
    assert check_code("RNCP35419", {"RNCP35419": revoked}, NOW, siret="88877726500016").outcome == Outcome.FAILED
    evaluator = replace(active, partenaires=(("88877726500016", "HABILITATION_ORGANISER", "Actif"),))
    v = check_code("RNCP35419", {"RNCP35419": evaluator}, NOW, siret="88877726500016")
    assert v.outcome == Outcome.FAILED and v.findings[0].what == "Habilitation à former absente"


def test_registration_ending_before_the_programme_is_to_consolidate_when_still_delivered(tmp_path):
    """The sample XML holds no DATE_LIMITE_DELIVRANCE: one is written into a copy of the real fiche
    RNCP37488 (registered until 31/08/2028), as the full export carries it."""
    from datetime import UTC, datetime

    text = XML_RNCP.read_text("utf-8").replace(
        "<DATE_FIN_ENREGISTREMENT>31/08/2028</DATE_FIN_ENREGISTREMENT>",
        "<DATE_FIN_ENREGISTREMENT>31/08/2028</DATE_FIN_ENREGISTREMENT>\n"
        "    <DATE_LIMITE_DELIVRANCE>31/12/2028</DATE_LIMITE_DELIVRANCE>")
    derived = tmp_path / "export_fiches_RNCP_V4_1_2026_11_01.xml"
    derived.write_text(text, "utf-8")
    fiches = by_numero([derived])
    assert fiches["RNCP37488"].date_limite_delivrance == "2028-12-31"
    end = int(datetime(2028, 9, 5, 12, tzinfo=UTC).timestamp())  # after the registration, before the limit
    still = check_code("RNCP37488", fiches, NOW, programme_end=end)
    assert still.outcome == Outcome.WARN and "les apprenants pourront être certifiés" in still.findings[0].why
    assert still.figures["limite_delivrance"] == "31/12/2028"
    beyond = int(datetime(2029, 2, 1, tzinfo=UTC).timestamp())
    assert check_code("RNCP37488", fiches, NOW, programme_end=beyond).outcome == Outcome.FAILED
    # the CSV export cannot tell: the finding says the date was not available
    csv = replace(fiches["RNCP37488"], date_limite_delivrance=None, source="csv")
    unknown = check_code("RNCP37488", {"RNCP37488": csv}, NOW, programme_end=end)
    assert unknown.outcome == Outcome.FAILED and "non disponible dans l’export CSV" in unknown.findings[0].why
    # registration already over, still delivered: à consolider, not inactive
    now_2029 = int(datetime(2028, 10, 1, tzinfo=UTC).timestamp())
    over = check_code("RNCP37488", {"RNCP37488": replace(fiches["RNCP37488"], actif=False)}, now_2029)
    assert over.outcome == Outcome.WARN and over.findings[0].what == "Certification RNCP37488 en fin de délivrance"


def test_fiche_details_survive_the_store(store_url):
    store = app.open_store(store_url)
    from connector.store.db import transaction
    from connector.store.rncp import upsert_fiches

    fiches = list(by_numero([XML_RNCP, XML_RS]).values())
    with transaction(store.sessions) as s:
        upsert_fiches(s, fiches)
    with store.sessions() as s:
        loaded = load_rncp(s)
    assert loaded == {f.numero: f for f in fiches}
    store.engine.dispose()


def test_the_blocs_crosswalk_lists_a_bloc_no_course_covers():
    """RNCP35419's four real blocs (XML sample), made active: two matched by the section named after the bloc's
    title, one configured, one left without a course."""
    fiche = replace(by_numero([XML_RNCP])["RNCP35419"], actif=True, date_fin="2030-01-01")
    sections = (SectionSnap(1, "Gestion de la relation client en ingénierie du logiciel", "", True, ()),
                SectionSnap(2, "Bloc RNCP35419BC03 — industrialiser", "", True, ()))
    course = good_course(sections=(*good_course().sections, *sections))
    prog = Programme("P", "P", rncp="RNCP35419", blocs={"RNCP35419BC02": ("GOOD",)})
    v = {x.indicator: x for x in evaluate_programme(replace(inp(course, programme=prog),
                                                            rncp={"RNCP35419": fiche}))}[7]
    assert v.figures["blocs_couverts"] == "3 sur 4"
    assert [f.what for f in v.findings if f.what.startswith("Bloc")] == ["Bloc de compétences sans cours : RNCP35419BC04"]
    assert "RNCP35419BC01 : GOOD, section « Gestion de la relation client" in v.figures["correspondance_blocs"]
    assert "RNCP35419BC02 : GOOD ;" in v.figures["correspondance_blocs"]
    assert {f.severity for f in v.findings if f.what.startswith("Bloc")} == {Outcome.WARN}
    everything = replace(prog, blocs={b: ("GOOD",) for b, _ in fiche.blocs})
    v = {x.indicator: x for x in evaluate_programme(replace(inp(course, programme=everything),
                                                            rncp={"RNCP35419": fiche}))}[7]
    assert v.figures["blocs_couverts"] == "4 sur 4" and not [f for f in v.findings if f.what.startswith("Bloc")]


def test_exam_figures_are_sixteens_and_a_checked_code_is_never_nothing_found():
    """16 (conditions of presentation) shows the imported exam figures, 7 does not; an RNCP code checked in the
    open data is something found, so 7 and 16 are "à fournir" only without a code."""
    from mappings.model import ResultSnap
    fiches = by_numero([XML_RNCP])
    results = (ResultSnap("P", "S1", True, True, "admis"), ResultSnap("P", "S1", True, False, "absent"))
    base = replace(inp(good_course(), programme=Programme("P", "P", rncp="RNCP37488")), rncp=fiches, results=results)
    verdicts = {v.indicator: v for v in evaluate_programme(base)}
    assert (verdicts[16].figures["candidats_inscrits"], verdicts[16].figures["candidats_presentes"]) == (2, 1)
    assert "candidats_inscrits" not in verdicts[7].figures and "resultats_examen" not in verdicts[7].figures
    assert not verdicts[7].missing and not verdicts[16].missing  # no tagged document, but the code was checked
    no_code = {v.indicator: v for v in evaluate_programme(replace(base, programme=Programme(
        "P", "P", declared_certifying=True)))}
    assert no_code[16].missing


def test_a_fiche_without_blocs_has_no_crosswalk_and_the_general_section_covers_no_bloc():
    fiche = replace(by_numero([XML_RNCP])["RNCP35419"], actif=True, date_fin="2030-01-01")
    prog = Programme("P", "P", rncp="RNCP35419")
    no_blocs = {x.indicator: x for x in evaluate_programme(replace(
        inp(good_course(), programme=prog), rncp={"RNCP35419": replace(fiche, blocs=())}))}[7]
    assert "blocs_couverts" not in no_blocs.figures and not [f for f in no_blocs.findings if "Bloc" in f.what]
    # only numbered sections are places: section 0 is the course's general header (announcements, course
    # information); its name does not make it a bloc's preparation
    code = fiche.blocs[0][0]
    general = SectionSnap(0, f"Bloc {code}", "", True, ())
    course = good_course(sections=(general, *good_course().sections[1:]))
    v = {x.indicator: x for x in evaluate_programme(replace(inp(course, programme=prog),
                                                            rncp={"RNCP35419": fiche}))}[7]
    assert "section" not in v.figures["correspondance_blocs"]
    assert f"{code} : aucun cours" in v.figures["correspondance_blocs"]
