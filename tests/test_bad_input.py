"""Bad input never gives a traceback or a half-written store: one line naming the key, exit 2; a run
always ends as ok or failed; evaluate refuses an empty store."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from connector import app, errors
from connector.cli import cli
from connector.config import load_settings
from connector.store.models import SyncRun
from tests.test_sync import settings_for, transport

BASE = '[moodle]\nurl = "https://moodle.example.fr"\ntoken = "x"\n'
RULE = 'rules = [{ prefix = "BTS" }]\n'


def _toml(tmp_path, text: str):
    cfg = tmp_path / "q.toml"
    cfg.write_text(BASE + text, encoding="utf-8")
    return cfg


def _programme(code: str, extra: str = "") -> str:
    return f'[[programmes]]\ncode = "{code}"\ntitle = "Programme"\n{RULE}{extra}'


@pytest.mark.parametrize("programmes, words", [
    (_programme(""), "[[programmes]] n°1 code: a programme code must not be empty"),
    (_programme("X" * 250), "[[programmes]] n°1 code: a programme code is at most 64 characters (this one has 250)"),
    (_programme("BTS") + _programme("BTS"), "« BTS » is given twice"),
    (_programme("BTS MCO") + _programme("BTS_MCO"), "« BTS_MCO » and « BTS MCO » would write the same report"),
    (_programme("BTS/MCO"), "[[programmes]] n°1 code: a programme code holds no control character, '/'"),
    (_programme("bts-mco") + _programme("BTS-MCO"), "would write the same report files"),
])
def test_programme_codes_are_checked_at_load(tmp_path, programmes, words):
    with pytest.raises(errors.ConfigError) as info:
        load_settings(_toml(tmp_path, programmes))
    assert words in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("table, words", [
    ('inactive_days = "trente"', "inactive_days: a number is expected (got 'trente')"),
    ("inactive_days = -5", "inactive_days: must not be negative"),
    ("inactiv_days = 30", "inactiv_days: unknown threshold (did you mean inactive_days?)"),
    ('complaints_pattern = "r[ée"', "complaints_pattern: not a valid regular expression"),
    ('evidence_pattern = "QUALIOPI-I{x}"', "evidence_pattern: not a valid pattern"),
    ("response_rate_warn = 20", "response_rate_warn: a share between 0 and 1 is expected"),
    ("satisfaction_min = 7", "satisfaction_min: a score between 1 and 5"),
    ('satisfaction_items = "q_global"', "satisfaction_items: a list of names is expected"),
])
def test_thresholds_are_checked_at_load_globally_and_per_programme(tmp_path, table, words):
    with pytest.raises(errors.ConfigError) as info:
        load_settings(_toml(tmp_path, f"[thresholds]\n{table}\n"))
    assert f"[thresholds] {words}" in str(info.value)
    with pytest.raises(errors.ConfigError) as info:
        load_settings(_toml(tmp_path, _programme("BTS", f"thresholds = {{ {table} }}\n")))
    assert f"[[programmes]] n°1 (BTS) thresholds.{words}" in str(info.value)



@pytest.mark.parametrize("text, line", [
    ("[sync]\nbogus = 1\n", "[sync] bogus: unknown key (see config.example.toml for the valid keys)"),
    ("[colours]\nred = 1\n", "[colours]: unknown table (see config.example.toml for the valid tables)"),
    # appended at the end of the file, a key lands in the last table: the message says which
    ('[[schedule.jobs]]\nname = "nightly"\ncron = "30 5 * * *"\ncommand = "run"\nquality_course_ids = [9]\n',
     "[[schedule.jobs]] n°1 (nightly) quality_course_ids: unknown key"),
    (_programme("BTS") + _programme("TP", "rules = [{ prefix = \"TP\", colour = 1 }]\n").replace(RULE, "", 1)
     .replace(RULE, "", 1).replace('code = "BTS"\ntitle = "Programme"\n', 'code = "BTS"\ntitle = "Programme"\n' + RULE),
     "[[programmes]] n°2 (TP) rules n°1 colour: unknown key"),
    ("[moodle]\nconcurrency = 0\n", None),  # a table given twice is TOML's error, with its line
])
def test_a_bad_key_is_named_as_the_file_writes_it(tmp_path, text, line):
    with pytest.raises(errors.ConfigError) as info:
        load_settings(_toml(tmp_path, text))
    message = str(info.value)
    assert "\n" not in message and "programmes.0" not in message and "moodle." not in message
    assert (line in message) if line else "not valid TOML" in message

def test_good_thresholds_still_load(tmp_path):
    s = load_settings(_toml(tmp_path, '[thresholds]\ninactive_days = 45\ncomplaints_pattern = "plainte"\n'
                                      "response_rate_warn = 0.25\n"))
    assert s.thresholds["inactive_days"] == 45


def test_a_bad_threshold_through_the_cli_is_one_line_and_exit_2(tmp_path):
    cfg = _toml(tmp_path, '[thresholds]\ncomplaints_pattern = "("\n')
    result = CliRunner().invoke(cli, ["--config", str(cfg), "evaluate"])
    assert result.exit_code == errors.EXIT_CONFIG
    assert "Traceback" not in result.output and "complaints_pattern" in result.output


def test_no_config_file_says_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for key in [k for k in __import__("os").environ if k.upper().startswith("QUALIOPI_")]:
        monkeypatch.delenv(key)
    result = CliRunner().invoke(cli, ["evaluate"])
    assert result.exit_code == errors.EXIT_CONFIG
    assert "no configuration file" in result.output and "config.example.toml" in result.output
    assert "required key is missing" not in result.output
    status = CliRunner().invoke(cli, ["status"])  # reads only the store: says how to name it
    assert status.exit_code == errors.EXIT_CONFIG and "no configuration file" in status.output


def test_evaluate_on_an_empty_store_says_sync_first(tmp_path):
    cfg = _toml(tmp_path, f'[store]\nurl = "sqlite:///{tmp_path}/s.db"\n' + _programme("BTS"))
    result = CliRunner().invoke(cli, ["--config", str(cfg), "evaluate"])
    assert result.exit_code == errors.EXIT_CONFIG
    assert "nothing synced yet: run `qualiopi-sync sync` first" in result.output
    assert "BTS" not in result.output.split("nothing synced")[0]  # no matrix printed


def test_a_bug_inside_a_sync_ends_the_run_as_failed_and_a_killed_run_is_closed_by_the_next(store_url,
                                                                                          monkeypatch):
    from connector.sync.resources import catalog

    def broken(*a, **k):
        raise ValueError("a bug")

    monkeypatch.setattr(catalog, "fetch_contents", broken)
    with pytest.raises(ValueError):
        app.sync(settings_for(store_url), transport=transport(), full=True, now=1795502500)
    store = app.open_store(store_url, migrate=False)
    with store.sessions() as s:
        runs = s.scalars(select(SyncRun).order_by(SyncRun.id)).all()
        assert [r.status for r in runs] == ["failed"] and "ValueError" in runs[0].error
        assert runs[0].finished_at is not None
    with store.sessions() as s:  # a run killed -9 stays "running"; the next run (under the lock) closes it
        s.add(SyncRun(started_at=runs[0].started_at, status="running", full=False, calls={}, rows={}))
        s.commit()
    monkeypatch.undo()
    assert app.sync(settings_for(store_url), transport=transport(), now=1795502600).status == "ok"
    with store.sessions() as s:
        statuses = [r.status for r in s.scalars(select(SyncRun).order_by(SyncRun.id))]
        assert statuses == ["failed", "failed", "ok"]
        assert "interrupted" in s.scalars(select(SyncRun.error).where(SyncRun.id == 2)).one()


def test_control_and_bidi_characters_never_reach_the_terminal_or_the_log(tmp_path):
    import logging

    from connector.safe_text import SafeFormatter, terminal_safe

    evil = "Cours\x1b[2J\x1b]0;pwned\x07 \u202eelif\u202c\x9b31m"
    assert terminal_safe(evil) == "Cours[2J]0;pwned elif31m"
    assert terminal_safe("ligne 1\n\tligne 2") == "ligne 1\n\tligne 2"
    record = logging.LogRecord("x", logging.INFO, "f", 1, "course %s synced", (evil,), None)
    assert "\x1b" not in SafeFormatter("%(message)s").format(record)
    cfg = _toml(tmp_path, f'[store]\nurl = "sqlite:///{tmp_path}/s.db"\n')
    bad = tmp_path / "contrats\x1b[2J\u202e.csv"
    bad.write_text("apprentice;company\nX;Y\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(cfg), "contracts", "import", str(bad)])
    assert result.exit_code == errors.EXIT_CONFIG and "contrats[2J.csv" in result.stderr
    assert "\x1b" not in result.output and "\u202e" not in result.output


def test_an_output_folder_that_cannot_be_made_is_one_line_and_the_run_says_why(tmp_path, store_url, monkeypatch):
    """A snapshot or report folder the command cannot make (here: under a file; in production, a relative path
    taken from / or a folder the service user cannot write) is one line naming it, exit 2, no traceback; the sync
    run is recorded as failed with that reason. A relative path is told as such, with the folder it was taken from."""
    from bench.moodle_sim import SimMoodle
    from connector.files import os_error_line
    from tests.conftest import TOKEN

    monkeypatch.delenv("QUALIOPI_DOSSIER__SNAPSHOT_DIR")  # the tests' own (conftest) would override the TOML's
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    def config(snapshots: Path, out: Path) -> str:
        path = tmp_path / f"{snapshots.name}-{out.name}.toml"
        path.write_text(f'[moodle]\nurl = "{sim.url}"\ntoken = "{TOKEN}"\nbackoff = 0\n[store]\nurl = "{store_url}"\n'
                        f'lock_file = "{tmp_path}/run.lock"\n[dossier]\nsnapshot_dir = "{snapshots}"\n'
                        f'[reports]\nout_dir = "{out}"\n' + _programme("BTS"), encoding="utf-8")
        return str(path)

    with SimMoodle() as sim:
        good = config(tmp_path / "snapshots", tmp_path / "out")
        assert CliRunner().invoke(cli, ["--config", good, "sync"]).exit_code == 0
        rendered = CliRunner().invoke(cli, ["--config", config(tmp_path / "snapshots", blocker / "out"), "render"])
        assert rendered.exit_code == errors.EXIT_CONFIG and "Traceback" not in rendered.output
        assert rendered.output.strip().splitlines() == [f"error: Not a directory: {blocker}/out"]
        bad = config(blocker / "snapshots", tmp_path / "out")
        synced = CliRunner().invoke(cli, ["--config", bad, "sync"])
    assert synced.exit_code == errors.EXIT_CONFIG and "Traceback" not in synced.output
    assert f"error: [dossier] snapshot_dir: cannot make the folder: Not a directory: {blocker}/snapshots" in synced.output
    status = CliRunner().invoke(cli, ["--config", bad, "status"])
    assert " failed " in status.output.splitlines()[0] and "snapshot_dir: cannot make the folder" in status.output
    line = os_error_line(PermissionError(13, "Permission denied", "snapshots"))
    assert line.startswith("Permission denied: snapshots (a relative path, taken from the folder the command runs in")
    assert "absolute" in line and os_error_line(OSError(28, "No space left on device")) == "[Errno 28] No space left on device"


def test_a_bad_value_from_the_environment_names_the_variable_not_the_file(tmp_path, monkeypatch):
    """The environment beats the file: a sysadmin looking in the file for the key would not find the value."""
    monkeypatch.setenv("QUALIOPI_MOODLE__CONCURRENCY", "0")
    with pytest.raises(errors.ConfigError) as info:
        load_settings(_toml(tmp_path, ""))
    assert str(info.value).startswith("config error in the environment: QUALIOPI_MOODLE__CONCURRENCY: ")
    monkeypatch.delenv("QUALIOPI_MOODLE__CONCURRENCY")
    cfg = tmp_path / "q.toml"
    cfg.write_text(BASE.replace('token = "x"\n', 'token = "x"\nconcurrency = 0\n'), encoding="utf-8")
    with pytest.raises(errors.ConfigError) as info:  # the same value in the file: the file and the key
        load_settings(cfg)
    assert str(info.value).startswith(f"config error in {cfg}: [moodle] concurrency: ")
    monkeypatch.setenv("QUALIOPI_SCHEDULE__JOBS", '[{"name": "nightly", "cron": "30 5 * * *", "command": "bogus"}]')
    with pytest.raises(errors.ConfigError) as info:  # a list given as JSON in one variable: the place inside it
        load_settings(_toml(tmp_path, ""))
    assert str(info.value).startswith("config error in the environment: QUALIOPI_SCHEDULE__JOBS n°1 command: ")
