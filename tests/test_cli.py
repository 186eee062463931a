"""The command line: one-line errors with documented exit codes, demo, doctor, status."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import responses
from click.testing import CliRunner

from connector.cli import cli
from connector.errors import EXIT_AUTH, EXIT_CONFIG, EXIT_LOCKED, EXIT_TRANSIENT, ConfigError
from connector.store.db import make_engine
from connector.store.lock import run_lock
from tests.conftest import TOKEN, checkout_env, load_fixture


def write_config(tmp_path, body: str):
    p = tmp_path / "q.toml"
    p.write_text(body, encoding="utf-8")
    return p


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.parametrize(
    "body, key",
    [
        ('[moodle]\nurl = "https://m.example"\ntoken = "x"\ncolour = "blue"\n', "[moodle] colour: unknown key"),
        ('[moodle]\nurl = "ftp://m.example"\ntoken = "x"\n', "[moodle] url:"),
        ('[moodle]\nurl = "https://m.example"\ntoken = "x"\nconcurrency = 0\n', "[moodle] concurrency:"),
        ('[moodle]\ntoken = "x"\n', "[moodle] url: required key is missing"),
        ('[moodle]\nurl = "https://m.example"\n[sync]\nfeatures = ["mail"]\n', "[sync] features n°1: Input should be"),
        ("[moodle\nurl=", "not valid TOML"),
    ],
)
def test_bad_config_is_one_line_and_exit_2(tmp_path, body, key):
    cfg = write_config(tmp_path, body)
    result = run("--config", str(cfg), "sync")
    assert result.exit_code == EXIT_CONFIG
    assert result.stderr.count("\n") == 1 and key in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_missing_token_file_is_a_config_error(tmp_path):
    cfg = write_config(tmp_path, f'[moodle]\nurl = "https://m.example"\ntoken_file = "{tmp_path}/nope"\n')
    result = run("--config", str(cfg), "sync")
    assert result.exit_code == EXIT_CONFIG and "[moodle] token_file" in result.stderr


def test_env_overrides_the_file(tmp_path, monkeypatch):
    from connector.config import load_settings

    cfg = write_config(tmp_path, '[moodle]\nurl = "https://a.example"\ntoken = "x"\n')
    monkeypatch.setenv("QUALIOPI_MOODLE__URL", "https://b.example")
    assert load_settings(cfg).moodle.url == "https://b.example"



def test_a_container_without_a_file_is_configured_by_the_environment_alone(tmp_path, monkeypatch):
    """No file at the default path: QUALIOPI_MOODLE__* variables are the configuration; a --config that names a
    missing file is still an error (a typo must not silently fall back to the environment)."""
    from connector.config import load_settings

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QUALIOPI_MOODLE__URL", "https://b.example")
    monkeypatch.setenv("QUALIOPI_MOODLE__TOKEN", "x")
    assert load_settings(None).moodle.url == "https://b.example"
    with pytest.raises(ConfigError, match="no configuration file"):
        load_settings(tmp_path / "typo.toml")
    monkeypatch.delenv("QUALIOPI_MOODLE__URL")
    monkeypatch.delenv("QUALIOPI_MOODLE__TOKEN")
    with pytest.raises(ConfigError, match="no configuration file"):
        load_settings(None)


@pytest.mark.parametrize("value, ok", [(0, False), (1, True), (32, True), (33, False)])
def test_concurrency_is_between_1_and_32(tmp_path, value, ok):
    from connector.config import load_settings

    cfg = write_config(tmp_path, f'[moodle]\nurl = "https://a.example"\ntoken = "x"\nconcurrency = {value}\n')
    if ok:
        assert load_settings(cfg).moodle.concurrency == value
    else:
        with pytest.raises(ConfigError, match=r"\[moodle\] concurrency: "):
            load_settings(cfg)

def test_token_from_file_never_printed(tmp_path):
    (tmp_path / "token").write_text(TOKEN + "\n")
    db = tmp_path / "s.db"
    cfg = write_config(tmp_path, f'[moodle]\nurl = "http://moodle.test"\ntoken_file = "{tmp_path}/token"\n'
                                 f'retries = 1\n[store]\nurl = "sqlite:///{db}"\n')
    with responses.RequestsMock() as rsps:
        echo = dict(load_fixture("error__invalid_token__debug.json")["response"])
        echo["debuginfo"] = f"token {TOKEN} rejected"
        rsps.post("http://moodle.test/webservice/rest/server.php", json=echo)
        result = run("--config", str(cfg), "-v", "sync")
    assert result.exit_code == EXIT_AUTH
    assert TOKEN not in result.output + result.stderr
    assert "invalidtoken" in result.stderr


def test_moodle_down_is_transient(tmp_path):
    db = tmp_path / "s.db"
    cfg = write_config(tmp_path, f'[moodle]\nurl = "http://moodle.test"\ntoken = "{TOKEN}"\nretries = 1\n'
                                 f'[store]\nurl = "sqlite:///{db}"\n')
    with responses.RequestsMock() as rsps:
        rsps.post("http://moodle.test/webservice/rest/server.php", body="<html>502</html>", status=502)
        result = run("--config", str(cfg), "sync")
    assert result.exit_code == EXIT_TRANSIENT and "HTTP 502" in result.stderr
    status = run("--config", str(cfg), "status")
    assert status.exit_code == 0 and "failed" in status.output and "HTTP 502" in status.output


@pytest.mark.parametrize("command", [["sync"], ["contracts", "import"], ["results", "import"]])
def test_locked_store_exit_5(tmp_path, command):
    """Every command that writes the store waits for no run: a sync in progress makes it exit 5."""
    db = tmp_path / "s.db"
    cfg = write_config(tmp_path, f'[moodle]\nurl = "http://moodle.test"\ntoken = "x"\n[store]\nurl = "sqlite:///{db}"\n')
    data = tmp_path / "in.csv"
    data.write_text("apprentice;company;tutor;start;end\n", encoding="utf-8")
    args = [*command, str(data)] if command[-1] == "import" else command
    with run_lock(make_engine(f"sqlite:///{db}")):
        result = run("--config", str(cfg), *args)
    assert result.exit_code == EXIT_LOCKED and "another qualiopi-sync run" in result.stderr


def test_demo_doctor_status_end_to_end(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    demo = subprocess.run([sys.executable, "-m", "connector.cli", "demo"], capture_output=True, text=True,
                          env=checkout_env(), timeout=300)
    assert demo.returncode == 0, demo.stderr
    assert "BTSMCO-DRC" in demo.stdout and "programmes: 3" in demo.stdout and "learners: 40" in demo.stdout
    assert "(hidden)" in demo.stdout
    doctor = run("doctor", "--demo")
    assert doctor.exit_code == 0
    assert doctor.output.count("✔") == 26 and "skipped" not in doctor.output and "✘" not in doctor.output
    # status reads the store only: no [moodle] section, no token
    cfg = write_config(tmp_path, f'[store]\nurl = "sqlite:///{tmp_path}/qualiopi-demo/demo.db"\n')
    status = run("--config", str(cfg), "status")
    assert status.exit_code == 0 and " ok " in status.output and "calls    136" in status.output
    assert run("status", "--store", f"sqlite:///{tmp_path}/qualiopi-demo/demo.db").output == status.output
    monkeypatch.setenv("QUALIOPI_STORE__URL", f"sqlite:///{tmp_path}/qualiopi-demo/demo.db")
    assert run("status").output == status.output
    index = tmp_path / "qualiopi-demo" / "index.html"
    assert demo.stdout.rstrip().endswith(f"open: {index}") and index.exists()
    assert (tmp_path / "qualiopi-demo" / "pdf" / "qualiopi-BTS-MCO.pdf").read_bytes().startswith(b"%PDF")
    assert "moodle_message → 43: bilan formateur de Sophie Martin" in demo.stdout  # dry run: nothing sent
    again = subprocess.run([sys.executable, "-m", "connector.cli", "demo"], capture_output=True, text=True,
                           env=checkout_env(), timeout=300)
    # same data, same judgement: nothing re-rendered (the previous run's rate is a comparison, not a change)
    assert "reports: 0 programme(s) rendered, 3 unchanged; 0 teacher digest(s) rendered" in again.stdout
    programmes = ('[[programmes]]\ncode = "EXCEL"\ntitle = "Excel"\nrules = [{ category = 4 }]\n'
                  f'[reports]\nout_dir = "{tmp_path}/out"\n')
    cfg.write_text('[moodle]\nurl = "http://x.test"\ntoken = "x"\n' + cfg.read_text() + programmes)
    dry = run("--config", str(cfg), "run", "--no-sync", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "would send: moodle_message → 46" in dry.output and "push: 0 sent" in dry.output
    assert (tmp_path / "out" / "index.html").exists()


def test_doctor_reports_missing_function_and_capability_with_fix():
    import copy
    import json
    from importlib import resources

    from connector.doctor import check_site
    from connector.moodle import MoodleClient
    from connector.moodle.replay import ReplayTransport

    entries = json.loads(resources.files("connector").joinpath("demo/bundle.json").read_text())["entries"]
    entries = copy.deepcopy(entries)
    for e in entries:
        if e["wsfunction"] == "core_webservice_get_site_info":
            e["response"]["functions"] = [f for f in e["response"]["functions"]
                                          if f["name"] != "mod_feedback_get_items"]
        if e["wsfunction"] == "core_course_get_contents" and e["params"] == {"courseid": "2"}:
            e["response"] = load_fixture("error__capability_missing_create_courses.json")["response"]
    report = check_site(MoodleClient("http://127.0.0.1:8080", "x", transport=ReplayTransport(entries)), {"sync"},
                        quality_course_ids=[10])
    assert not report.ok
    by_name = {c.function: c for c in report.checks}
    assert not by_name["mod_feedback_get_items"].in_service
    assert "add mod_feedback_get_items to the external service" in by_name["mod_feedback_get_items"].fix
    contents = by_name["core_course_get_contents"]
    assert contents.probe == "failed" and "moodle/course:viewhiddensections" in contents.fix
    assert by_name["core_course_get_categories"].probe == "ok"


def test_help_lists_commands_and_exit_codes():
    result = run("--help")
    for word in ("doctor", "seed", "sync", "status", "demo", "migrate", "Exit codes"):
        assert word in result.output


def test_progress_only_on_a_terminal(monkeypatch, capsys):
    from connector import cli as cli_module

    monkeypatch.setattr(sys.stdout, "isatty", lambda: False)
    cli_module._progress()("courses: fetching")
    assert capsys.readouterr().out == ""  # cron: log lines only
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    cli_module._progress()("courses: fetching")
    assert "\rcourses: fetching" in capsys.readouterr().out.replace("\x1b[K", "")


def test_version_and_status_without_a_store_setting(tmp_path, monkeypatch):
    from importlib.metadata import version

    got = run("--version")
    assert got.exit_code == 0 and got.output == f"qualiopi-sync {version('qualiopi-sync')}\n"
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QUALIOPI_STORE__URL", raising=False)
    missing = CliRunner().invoke(cli, ["status"])
    assert missing.exit_code == EXIT_CONFIG and "--store URL" in missing.output
    bad = write_config(tmp_path, '[store]\nurl = 3\n')
    wrong = CliRunner().invoke(cli, ["--config", str(bad), "status"])
    assert wrong.exit_code == EXIT_CONFIG and "[store] url" in wrong.output and len(wrong.output.splitlines()) == 1


@pytest.mark.parametrize("status, code", [(404, EXIT_CONFIG), (403, EXIT_AUTH)])
def test_a_url_that_is_no_moodle_web_service_stops_at_the_first_call_with_what_to_fix(tmp_path, status, code):
    cfg = write_config(tmp_path, f'[moodle]\nurl = "http://moodle.test/moodle"\ntoken = "{TOKEN}"\nretries = 3\n'
                                 f'backoff = 0\n[store]\nurl = "sqlite:///{tmp_path}/s.db"\n')
    with responses.RequestsMock() as rsps:
        rsps.post("http://moodle.test/moodle/webservice/rest/server.php", body="<html>no</html>", status=status)
        doctor = run("--config", str(cfg), "doctor")
        sync = run("--config", str(cfg), "sync")
        assert len(rsps.calls) == 2  # one call each: not retried
    for result in (doctor, sync):
        assert result.exit_code == code, result.output
        assert f"HTTP {status} from Moodle" in result.stderr and "Traceback" not in result.output + result.stderr


def test_every_exit_code_is_in_the_help_and_the_readme():
    """A new exit code documented where a sysadmin looks: ``--help`` and the README's table."""
    from connector import errors as errs

    codes = sorted({v for k, v in vars(errs).items() if k.startswith("EXIT_")})
    help_text = " ".join(run("--help").output.split())
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for code in codes:
        assert f"{code} " in help_text.split("Exit codes:")[1].split("Options:")[0], code
        assert f"\n| {code} | " in readme, code


def test_status_before_any_sync_says_so_and_makes_nothing(tmp_path, store_url):
    """`status` only reads: a SQLite file that is not there is not created (nor its folder), an empty database is
    « no sync run yet », exit 0; a store behind the code is still refused (migrate)."""
    missing = tmp_path / "var" / "store.db"
    for url in (f"sqlite:///{missing}", store_url):
        result = run("status", "--store", url)
        assert result.exit_code == 0 and result.output == "no sync run yet: run `qualiopi-sync sync` (it creates the store)\n"
    assert not (tmp_path / "var").exists()
    engine = make_engine(store_url)
    from connector.store import db

    db.upgrade(engine, "0017")
    engine.dispose()
    behind = run("status", "--store", store_url)
    assert behind.exit_code == 1 and "0017" in behind.output and "qualiopi-sync migrate" in behind.output
