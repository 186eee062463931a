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
    assert [d.split(":")[0] for d in details] == ["line 4", "line 5", "line 6"]
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
    assert info.value.details[0].startswith("line 1: missing column(s) tutor, start, end")


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
    assert "1 bad line(s), nothing imported" in result.stderr and "line 2:" in result.stderr
