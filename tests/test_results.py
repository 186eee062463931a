"""Exam results import (CSV and XLSX, all or nothing) and the figures of 2, 3 and 11 it gives, on SQLite and
PostgreSQL."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from connector import app
from connector.cli import cli
from connector.errors import InputError
from connector.store.db import transaction
from connector.store.models import ExamResult, User
from connector.store.results import import_results, load_results
from connector.store.retention import ANONYMOUS, purge
from mappings.indicators.base import EvalInput
from mappings.indicators.results import exam_figures, result_figures
from mappings.model import DAY
from mappings.programmes import Programme, Rule
from mappings.thresholds import merged

HEADER = "Programme;Session;Apprenant;Inscrit;Présenté;Résultat;Blocs;Date\n"
GOOD = HEADER + (
    "BTS-MCO-2025;S2025-A;STU001;oui;oui;admis;;15/06/2026\n"
    "BTS-MCO-2025;S2025-A;STU002;oui;oui;Ajourné;;15/06/2026\n"
    "BTS-MCO-2025;S2025-A;STU003;oui;non;absent;;15/06/2026\n"
    "BTS-MCO-2025;S2025-B;STU004;oui;oui;partiel;B1, B3;2026-07-01\n"
    "EXCEL-01;X1;inconnu.dans.moodle;oui;oui;admis;;\n")


@pytest.fixture
def store(store_url):
    s = app.open_store(store_url)
    with s.sessions.begin() as session:
        session.add(User(id=7, username="student05", fullname="Camille Durand", idnumber="STU001"))
    yield s
    s.engine.dispose()


def write(tmp_path, text: str, name: str = "resultats.csv"):
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    return f


def test_results_import_replaces_the_previous_list_and_links_known_learners(store, tmp_path):
    with transaction(store.sessions) as s:
        assert import_results(s, write(tmp_path, GOOD)) == 5
    with store.sessions() as s:
        rows = {r.learner: r for r in s.scalars(select(ExamResult))}
        results = load_results(s)
    assert rows["STU001"].user_id == 7 and rows["inconnu.dans.moodle"].user_id is None
    assert rows["STU002"].result == "ajourne" and rows["STU004"].blocs == ["B1", "B3"]
    assert rows["STU001"].exam_date == 1781481600 and rows["STU003"].presented is False
    assert len(results) == 5
    with transaction(store.sessions) as s:
        assert import_results(s, write(tmp_path, HEADER + "EXCEL-01;X1;STU009;oui;oui;admis;;\n")) == 1
    with store.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ExamResult)) == 1


def test_bad_lines_are_each_reported_and_nothing_is_imported(store, tmp_path):
    with transaction(store.sessions) as s:
        import_results(s, write(tmp_path, GOOD))
    bad = HEADER + (
        "BTS-MCO-2025;S1;STU001;oui;oui;admis;;\n"
        "BTS-MCO-2025;S1;STU002;peut-être;oui;admis;;\n"  # line 3
        "BTS-MCO-2025;S1;STU003;oui;non;admis;;\n"  # line 4: admitted without sitting
        "BTS-MCO-2025;S1;STU004;oui;oui;reçu;;31/02/2026\n"  # line 5
        ";S1;STU005;oui;oui;admis;;\n"  # line 6
        "BTS-MCO-2025;S1;STU001;oui;oui;admis;;\n")  # line 7: duplicate of line 2
    with pytest.raises(InputError) as info, transaction(store.sessions) as s:
        import_results(s, write(tmp_path, bad))
    details = info.value.details
    assert "5 ligne(s) en erreur, rien n’est importé" in str(info.value)
    assert [d.split(" :")[0] for d in details] == ["ligne 3", "ligne 4", "ligne 5", "ligne 6", "ligne 7"]
    assert "inscrit : « peut-être »" in details[0] and "non présenté" in details[1]
    assert "résultat « reçu » inconnu" in details[2] and "date « 31/02/2026 » invalide" in details[2]
    assert "programme vide" in details[3] and "en double" in details[4]
    with store.sessions() as s:  # the last good list is kept
        assert s.scalar(select(func.count()).select_from(ExamResult)) == 5
    with pytest.raises(InputError, match="colonne\\(s\\) obligatoire\\(s\\) absente\\(s\\) : presente, resultat"), \
            transaction(store.sessions) as s:
        import_results(s, write(tmp_path, "programme;session;apprenant;inscrit\nA;B;C;oui\n"))


def test_an_xlsx_file_is_read_like_a_csv(store, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    for line in GOOD.strip().split("\n"):
        wb.active.append(line.split(";"))
    wb.save(tmp_path / "resultats.xlsx")
    with transaction(store.sessions) as s:
        assert import_results(s, tmp_path / "resultats.xlsx") == 5


def test_the_cli_imports_and_reports_a_bad_file_in_one_line(tmp_path):
    cfg = tmp_path / "q.toml"
    cfg.write_text(f'[moodle]\nurl = "http://x.test"\ntoken = "x"\n[store]\nurl = "sqlite:///{tmp_path}/s.db"\n'
                   f'lock_file = "{tmp_path}/run.lock"\n')
    ok = CliRunner().invoke(cli, ["--config", str(cfg), "results", "import", str(write(tmp_path, GOOD))])
    assert ok.exit_code == 0, ok.output
    assert "5 résultat(s) d’examen importé(s)" in ok.output
    bad = CliRunner().invoke(cli, ["--config", str(cfg), "results", "import",
                                   str(write(tmp_path, HEADER + "A;S;X;oui;oui;reçu;;\n", "bad.csv"))])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
    assert "1 ligne(s) en erreur" in bad.stderr and "ligne 2 :" in bad.stderr


def test_exam_figures_set_the_pass_rate_against_the_presentation_rate(store, tmp_path):
    with transaction(store.sessions) as s:
        import_results(s, write(tmp_path, GOOD))
    with store.sessions() as s:
        results = load_results(s)
    bts = Programme("BTS-MCO", "BTS", rncp="RNCP38362", action_category="apprentissage",
                    rules=(Rule("customfield", "BTS-MCO-2025", field="programme_code"),))
    fig = exam_figures(EvalInput(bts, (), 0, merged(), results=results))
    assert (fig["candidats_inscrits"], fig["candidats_presentes"], fig["candidats_admis"]) == (4, 3, 1)
    assert fig["taux_presentation"] == 0.75 and fig["taux_reussite_examen"] == round(1 / 3, 3)
    assert fig["session S2025-A"] == "3 inscrits, 2 présentés (66,7\u00a0%), 1 admis (50\u00a0% des présentés)"
    assert fig["blocs_valides"] == "1 candidat avec des blocs validés (2 blocs)"
    full = result_figures(EvalInput(bts, (), 0, merged(), results=results))
    assert "InserJeunes" in full["obligation_inserjeunes"] and "taux de réussite : admis sur présentés" in \
        full["definition"]
    other = exam_figures(EvalInput(Programme("TP", "TP"), (), 0, merged(), results=results))
    assert other == {"resultats_examen": "aucun résultat importé pour ce programme"}
    assert exam_figures(EvalInput(bts, (), 0, merged())) == {}  # nothing imported: no figure
    assert "obligation_inserjeunes" not in result_figures(EvalInput(Programme("TP", "TP"), (), 0, merged()))


def test_results_past_retention_are_still_counted_but_no_longer_named(store, tmp_path):
    with transaction(store.sessions) as s:
        import_results(s, write(tmp_path, GOOD))
    june_16 = 1781481600 + DAY  # the day after the first session's exam
    with transaction(store.sessions) as s:
        r = purge(s, june_16)
    assert r.results_unlinked == 3  # S2025-A; S2025-B (July) and the undated line are kept as they are
    with store.sessions() as s:
        rows = {r.session: r for r in s.scalars(select(ExamResult).where(ExamResult.learner == ANONYMOUS))}
        assert set(rows) == {"S2025-A"} and all(r.user_id is None for r in rows.values())
        assert len(load_results(s)) == 5
    with transaction(store.sessions) as s:
        assert purge(s, june_16).results_unlinked == 0  # a rerun changes nothing
