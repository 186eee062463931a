"""The README stays true: the function list comes from the registry, the set-up commands are there."""

from pathlib import Path

from connector.moodle.functions import markdown_table

README = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")


def test_function_table_is_generated_from_the_registry():
    assert markdown_table() in README


def test_two_setup_commands():
    assert ".venv/bin/pip install -e . && .venv/bin/qualiopi-sync demo" in README
    assert ".venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest" in README


def test_the_demo_data_counts_are_the_bundles():
    import json
    import re

    entries = json.loads((Path(__file__).resolve().parents[1] / "connector" / "demo" / "bundle.json")
                         .read_text("utf-8"))["entries"]
    recorded = sum(e["source"].startswith("recorded:") for e in entries)
    m = re.search(r"(\d+) answers are copied verbatim.*?the other (\d+) answers are \*derived\*", README, re.DOTALL)
    assert m and (int(m[1]), int(m[2])) == (recorded, len(entries) - recorded)


def _sh_block(heading: str) -> str:
    """The first ```sh block after a heading of the README."""
    rest = README.split(heading, 1)[1]
    return rest.split("```sh\n", 1)[1].split("```", 1)[0]


def test_the_production_packages_are_the_ones_ci_installs():
    import re

    apt = next(line for line in _sh_block("## Installing for production").splitlines()
               if line.startswith("apt-get install"))
    ci = re.search(r'PKGS="([^"]+)"', (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text())[1]
    # CI also installs poppler-utils, for the tests that read the PDFs back, and systemd and logrotate (a Debian has
    # them) for the tests of the units and of the log rotation
    assert set(apt.split()[3:]) - {"python3-venv", "git"} == set(ci.split()) - {"poppler-utils", "systemd", "logrotate"}


def test_the_first_steps_run_as_written_against_the_simulated_moodle(tmp_path, monkeypatch):
    """config.example.toml with only the Moodle address, the token file and the store moved here; the demo
    world (recorded answers and their derivations) served over HTTP."""
    from click.testing import CliRunner

    from bench.moodle_sim import SimMoodle
    from connector.cli import cli
    from tests.conftest import TOKEN

    steps = [line.split("#")[0].split()[1:] for line in _sh_block("### First steps").splitlines()
             if line.startswith("$Q ")]
    assert [s[0] for s in steps] == ["doctor", "sync", "evaluate", "run", "status"]
    example = (Path(__file__).resolve().parents[1] / "config.example.toml").read_text("utf-8")
    monkeypatch.chdir(tmp_path)  # out_dir and snapshot_dir are relative in the example
    for key in [k for k in __import__("os").environ if k.upper().startswith("QUALIOPI_")]:
        monkeypatch.delenv(key)
    (tmp_path / "token").write_text(TOKEN + "\n")
    (tmp_path / "smtp-password").write_text("s3cret\n")
    with SimMoodle() as sim:
        cfg = example
        for old, new in (('url = "https://moodle.example.fr"', f'url = "{sim.url}"'),
                         ('token_file = "/etc/qualiopi-sync/token"', f'token_file = "{tmp_path}/token"'),
                         ('url = "sqlite:///qualiopi-sync.db"', f'url = "sqlite:///{tmp_path}/store.db"'),
                         ('password_file = "/etc/qualiopi-sync/smtp-password"',
                          f'password_file = "{tmp_path}/smtp-password"')):
            assert old in cfg
            cfg = cfg.replace(old, new)
        (tmp_path / "q.toml").write_text(cfg, "utf-8")
        for step in steps:
            result = CliRunner().invoke(cli, ["--config", str(tmp_path / "q.toml"), *step])
            assert result.exit_code == 0, (step, result.output[-2000:])
    assert (tmp_path / "out" / "index.html").exists() and " ok " in result.output


def test_the_production_commands_run_as_the_service_user_can():
    """What made a fresh Debian's walk-through fail: a venv from a ``python3`` the service user cannot run (pyenv's
    under /root), ``sudo`` (absent from a minimal Debian), and a cron line whose log the user cannot open (the
    line then does not run at all)."""
    import re

    install = _sh_block("## Installing for production").splitlines()
    venv = next(line for line in install if " -m venv " in line)
    assert venv.startswith("/usr/bin/python3 -m venv ")
    first = _sh_block("### First steps")
    assert first.startswith('Q="runuser -u qualiopi -- ') and "sudo" not in first
    cron = README.split("```cron\n", 1)[1].split("```", 1)[0].strip()
    fields = cron.split()
    user, log = fields[5], re.search(r">> (\S+) 2>&1$", cron)[1]
    assert f"install -o {user} -g {user} -m 0640 /dev/null {log}" in "\n".join(install)
    assert user == "qualiopi" and "/etc/cron.d/qualiopi-sync" in README


def test_the_readmes_systemd_units_are_valid(tmp_path):
    """``systemd-analyze verify`` on the README's units as written (ExecStart pointed at this venv's command, which
    it checks exists): any warning (an unknown key, a bad value, a calendar systemd cannot parse) fails."""
    import re
    import subprocess
    import sys

    blocks = re.findall(r"```ini\n(.*?)```", README, re.DOTALL)
    assert len(blocks) == 3 and "[Timer]" in blocks[1]
    here = str(Path(sys.executable).parent / "qualiopi-sync")
    names = ["qualiopi-sync.service", "qualiopi-sync.timer", "qualiopi-sync-serve.service"]
    for name, text in zip(names, blocks, strict=True):
        assert "/opt/qualiopi-sync/.venv/bin/qualiopi-sync" in text or "[Timer]" in text
        (tmp_path / name).write_text(text.replace("/opt/qualiopi-sync/.venv/bin/qualiopi-sync", here))
    done = subprocess.run(["systemd-analyze", "verify", *[str(tmp_path / n) for n in names]],
                          capture_output=True, text=True, cwd=tmp_path)
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def test_the_readmes_logrotate_rule_is_valid_and_keeps_the_log_the_users(tmp_path):
    """``logrotate --debug`` reads the README's rule (on a copy pointed at a temporary log) without an error, and
    the rotated log is created again for the cron line's user, who must be able to append to it."""
    import subprocess

    rule = README.split("```logrotate\n", 1)[1].split("```", 1)[0]
    cron_user = README.split("```cron\n", 1)[1].split()[5]
    # no ``su``: root rotates in root's /var/log (the user cannot rename files there: tried), then hands the new
    # log to the user
    assert f"create 0640 {cron_user} {cron_user}" in rule and "su " not in rule
    log = tmp_path / "qualiopi-sync.log"
    log.write_text("x\n")
    conf = tmp_path / "rule"
    conf.write_text(rule.replace("/var/log/qualiopi-sync.log", str(log))
                    .replace(f"create 0640 {cron_user} {cron_user}", "create 0640"))
    done = subprocess.run(["logrotate", "--debug", "--state", str(tmp_path / "state"), str(conf)],
                          capture_output=True, text=True)
    assert done.returncode == 0 and "error" not in (done.stdout + done.stderr).lower(), done.stderr
