"""`contracts import`: bad lines reported with their number, nothing half-imported (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from connector import app
from connector.errors import InputError
from connector.store.contracts import import_contracts
from connector.store.db import transaction
from connector.store.models import Contract
from tests.conftest import NOW
from tests.test_sync import settings_for, transport

GOOD = "apprentice;company;tutor;start;end\nSTU001;Carrefour Market;M. Petit;2025-09-01;2027-08-31\n" \
       "student02;Fnac;Mme Roux;01/09/2025;31/08/2027\n"


def test_import_then_bad_file_keeps_previous(store_url, tmp_path):
    assert app.sync(settings_for(store_url), transport=transport(), now=NOW).status == "ok"
    store = app.open_store(store_url, migrate=False)
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    with transaction(store.sessions) as s:
        assert import_contracts(s, good) == 2
    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD + "nobody;X;Y;2025-01-01;2026-01-01\nSTU003;;Z;2025-13-01;2024-01-01\n"
                   "STU004;Boulanger;T;2026-01-01;2025-01-01\n", encoding="utf-8")
    with pytest.raises(InputError) as info, transaction(store.sessions) as s:
        import_contracts(s, bad)
    details = info.value.details
    assert [d.split(" :")[0] for d in details] == ["ligne 4", "ligne 5", "ligne 6"]
    assert "inconnu" in details[0] and "company vide" in details[1] and "invalide" in details[1]
    assert "fin avant le début" in details[2]
    with store.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Contract)) == 2  # the previous import is intact
        assert {c.user_id for c in s.scalars(select(Contract))} == {3, 4}


def test_missing_columns(store_url, tmp_path):
    store = app.open_store(store_url)
    f = tmp_path / "c.csv"
    f.write_text("apprentice,company\nSTU001,X\n", encoding="utf-8")
    with pytest.raises(InputError) as info, transaction(store.sessions) as s:
        import_contracts(s, f)
    assert info.value.details[0].startswith("ligne 1 : colonne(s) obligatoire(s) absente(s) : tutor, start, end")


def test_cli_reports_each_line(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from connector.cli import cli

    db = tmp_path / "s.db"
    cfg = tmp_path / "q.toml"
    cfg.write_text(f'[moodle]\nurl = "http://x.test"\ntoken = "x"\n[store]\nurl = "sqlite:///{db}"\n')
    f = tmp_path / "c.csv"
    f.write_text("apprentice;company;tutor;start;end\nX;A;B;2025-01-01;2026-01-01\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(cfg), "contracts", "import", str(f)])
    assert result.exit_code == 2
    assert "1 ligne(s) en erreur, rien n’est importé" in result.stderr and "ligne 2 :" in result.stderr


def _cli(tmp_path, csv_path):
    from click.testing import CliRunner

    from connector.cli import cli

    cfg = tmp_path / "q.toml"
    cfg.write_text(f'[moodle]\nurl = "http://x.test"\ntoken = "x"\n[store]\nurl = "sqlite:///{tmp_path}/s.db"\n')
    return CliRunner().invoke(cli, ["--config", str(cfg), "contracts", "import", str(csv_path)])


def test_a_tab_separated_file_is_read_not_a_traceback(store_url, tmp_path):
    assert app.sync(settings_for(store_url), transport=transport(), now=NOW).status == "ok"
    store = app.open_store(store_url, migrate=False)
    f = tmp_path / "c.tsv"
    f.write_text(GOOD.replace(";", "\t"), encoding="utf-8")
    with transaction(store.sessions) as s:
        assert import_contracts(s, f) == 2


def test_a_huge_file_is_refused_unread_and_the_printed_errors_are_capped(tmp_path):
    from connector.cli_common import MAX_DETAILS
    from connector.store import contracts as mod

    huge = tmp_path / "huge.csv"
    with huge.open("w") as fh:
        fh.write("apprentice;company;tutor;start;end\n")
        fh.write("X;A;B;2025-01-01;2026-01-01\n" * 400_000)  # 11 MB
    result = _cli(tmp_path, huge)
    assert result.exit_code == 2 and "limite 10 Mo" in result.stderr and "Traceback" not in result.output
    many = tmp_path / "many.csv"
    many.write_text("apprentice;company;tutor;start;end\n" + "X;A;B;2025-01-01;2026-01-01\n" * 300, encoding="utf-8")
    result = _cli(tmp_path, many)
    lines = result.stderr.splitlines()
    assert "300 ligne(s) en erreur" in lines[0] and len(lines) == 1 + MAX_DETAILS + 1
    assert lines[-1] == "  … et 250 autre(s) ligne(s) non affichée(s)"
    assert mod.MAX_BYTES == 10 * 1024 * 1024


def test_the_optional_contract_type_is_kept_and_a_wrong_one_is_a_bad_line(store_url, tmp_path):
    from connector.store.evidence import load_contracts

    assert app.sync(settings_for(store_url), transport=transport(), now=NOW).status == "ok"
    store = app.open_store(store_url, migrate=False)
    typed = ("apprentice;company;tutor;start;end;type\n"
             "STU001;Carrefour Market;M. Petit;2025-09-01;2027-08-31;Contrat d'apprentissage\n"
             "student02;Fnac;Mme Roux;01/09/2025;31/08/2027;professionnalisation\n")
    f = tmp_path / "typed.csv"
    f.write_text(typed, encoding="utf-8")
    with transaction(store.sessions) as s:
        assert import_contracts(s, f) == 2
    with store.sessions() as s:
        kinds = sorted(k.kind for ks in load_contracts(s).values() for k in ks)
    assert kinds == ["apprentissage", "professionnalisation"]
    f.write_text(typed.replace("professionnalisation", "stage"), encoding="utf-8")
    with pytest.raises(InputError) as info, transaction(store.sessions) as s:
        import_contracts(s, f)
    assert info.value.details == ["ligne 3 : type « stage » inconnu (apprentissage ou professionnalisation)"]
    with store.sessions() as s:  # the last good list is kept
        assert len(load_contracts(s)) == 2
    store.engine.dispose()
