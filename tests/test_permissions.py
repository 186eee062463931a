"""Readable by the right people only, whatever the umask; no planted link followed; the token never follows a
redirect; no link but http(s)/mailto reaches a report."""

from __future__ import annotations

import os
import stat
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from connector import app, errors
from connector.demo import DEMO_PROGRAMMES
from connector.evaluate import run_evaluation
from connector.moodle.client import MoodleClient
from connector.render import render_reports
from tests.conftest import NOW, TOKEN
from tests.test_sync import settings_for, transport


def synced_demo_store(tmp_path: Path, name: str = "store.db"):
    """(settings, store) of the demo world synced into a SQLite file under ``tmp_path``."""
    store_url = f"sqlite:///{tmp_path / name}"
    settings = settings_for(store_url).model_copy(update={"programmes": DEMO_PROGRAMMES})
    assert app.sync(settings, transport=transport(), now=NOW).status == "ok"
    return settings, app.open_store(store_url, migrate=False)


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.lstat().st_mode)


@pytest.fixture
def umask_000():
    old = os.umask(0)
    yield
    os.umask(old)


def test_store_and_every_output_keep_their_modes_under_umask_000(tmp_path, umask_000):
    settings, store = synced_demo_store(tmp_path)
    assert _mode(tmp_path / "store.db") == 0o600  # names, usernames, idnumbers, named answers
    for extra in ("store.db-wal", "store.db-shm"):
        if (tmp_path / extra).exists():
            assert _mode(tmp_path / extra) & 0o077 == 0
    out = tmp_path / "out"
    render_reports(run_evaluation(settings, store.sessions, NOW), store.sessions, out, "OF", None, now=NOW)
    published = [p for p in out.rglob("*") if "dossier" not in p.relative_to(out).parts]
    assert published
    for p in published:  # the quality site and the digests: owner rw, group r, others nothing
        assert _mode(p) == (0o750 if p.is_dir() else 0o640), p
    for p in (out / "dossier").rglob("*"):  # the auditor's dossier: owner only, always
        assert _mode(p) == (0o700 if p.is_dir() else 0o600), p
    assert _mode(out / "dossier") == 0o700


def test_the_published_part_goes_to_the_web_servers_group_the_dossier_never(tmp_path):
    import grp

    from connector.config import ReportsConfig

    group = grp.getgrgid(os.getgid()).gr_name if os.getgid() else "nogroup"
    gid = grp.getgrnam(group).gr_gid
    settings, store = synced_demo_store(tmp_path)
    out = tmp_path / "out"
    render_reports(run_evaluation(settings, store.sessions, NOW), store.sessions, out, "OF", None, now=NOW,
                   group=group)
    assert (out / "index.html").stat().st_gid == gid and (out / "pdf").stat().st_gid == gid
    assert all(p.stat().st_gid == gid for p in (out / "formateurs").iterdir())
    with pytest.raises(ValueError, match="no group named"):
        ReportsConfig(group="no-such-group-qs")


def test_teacher_digests_have_unguessable_stable_names_and_old_ones_are_removed(tmp_path):
    settings, store = synced_demo_store(tmp_path)
    out = tmp_path / "out"
    (out / "formateurs").mkdir(parents=True)
    (out / "formateurs" / "formateur-43.html").write_text("old, guessable address")
    ev = run_evaluation(settings, store.sessions, NOW)
    first = render_reports(ev, store.sessions, out, "OF", None, now=NOW)
    names = sorted(p.name for p in (out / "formateurs").iterdir())
    assert "formateur-43.html" not in names and len(names) == len(first.digests) == 5
    import re

    assert all(re.fullmatch(r"formateur-[0-9a-f]{24}", d.slug) for d in first.digests)
    again = render_reports(ev, store.sessions, out, "OF", None, now=NOW + 60, force=True)
    assert [d.slug for d in again.digests] == [d.slug for d in first.digests]  # stable: links in old messages work
    s2, st2 = synced_demo_store(tmp_path, "other.db")  # another store (another provider): other names
    third = render_reports(run_evaluation(s2, st2.sessions, NOW), st2.sessions, tmp_path / "out2", "OF", None, now=NOW)
    assert {d.slug for d in third.digests}.isdisjoint({d.slug for d in first.digests})


def test_a_link_planted_where_a_report_is_written_is_not_followed(tmp_path):
    from reports.render import _write

    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html.tmp").symlink_to(victim)  # the old, guessable temporary name
    _write(tmp_path / "site" / "index.html", "<p>rapport</p>")
    assert victim.read_text() == "keep me" and (tmp_path / "site" / "index.html").read_text() == "<p>rapport</p>"
    assert not [p for p in (tmp_path / "site").iterdir() if p.name.startswith(".tmp-")]  # no leftover


def test_a_lock_file_planted_as_a_link_is_refused_and_its_target_untouched(tmp_path):
    from connector.store.db import make_engine
    from connector.store.lock import run_lock

    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    lock = tmp_path / "store.db.lock"
    lock.symlink_to(victim)
    engine = make_engine(f"sqlite:///{tmp_path}/store.db")
    with pytest.raises(errors.ConfigError, match="symbolic link") as info, run_lock(engine, lock):
        pass
    assert info.value.exit_code == errors.EXIT_CONFIG  # not « busy » (5): no later run could open it either
    assert victim.read_text() == "keep me"
    engine.dispose()


class _Redirect(BaseHTTPRequestHandler):
    target = ""

    def log_message(self, *a):
        pass

    def do_POST(self):
        self.send_response(307)
        self.send_header("Location", _Redirect.target)
        self.send_header("Content-Length", "0")
        self.end_headers()


class _Elsewhere(BaseHTTPRequestHandler):
    hits: list[bytes] = []

    def log_message(self, *a):
        pass

    def do_POST(self):
        _Elsewhere.hits.append(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")


def test_a_web_service_call_redirected_elsewhere_is_refused_and_the_token_not_sent(tmp_path):
    """HTTP 307/308 keep the POST body — the token — when followed: never followed, the error names where."""
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), h) for h in (_Redirect, _Elsewhere)]
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    _Elsewhere.hits = []
    _Redirect.target = f"http://127.0.0.1:{servers[1].server_address[1]}/steal"
    try:
        client = MoodleClient(f"http://127.0.0.1:{servers[0].server_address[1]}", TOKEN, backoff=0, retries=1)
        with pytest.raises(errors.TransportError) as info:
            client.call("core_webservice_get_site_info")
        assert "redirect (HTTP 307)" in str(info.value) and "/steal" in str(info.value)
        assert "[moodle] url" in str(info.value) and TOKEN not in str(info.value)
        assert _Elsewhere.hits == []
    finally:
        for s in servers:
            s.shutdown()
            s.server_close()


def test_no_javascript_link_reaches_a_page_or_a_pdf(tmp_path):
    """Every dynamic href of the pages (and so of the PDFs, rendered from the same templates) goes through
    safe_url: a module URL, a course URL or an evidence URL from Moodle with another scheme becomes "#"."""
    from mappings.model import Evidence, Finding, Outcome, Risk, Status, Verdict, Where
    from reports.env import environment
    from reports.format import safe_url

    for bad in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x", "vbscript:x", "file:///etc"):
        assert safe_url(bad) == "#"
    assert safe_url("https://moodle.example/course/view.php?id=2") == "https://moodle.example/course/view.php?id=2"
    evil = "javascript:alert(document.cookie)"
    v = Verdict(6, "BTS", Outcome.WARN, "résumé", findings=(
        Finding("Section sans titre", Where(course="C1", url=evil), "why", "fix", Outcome.WARN, "quality"),),
        evidence=(Evidence("Charte", url=evil, indicators=(6,)),), status=Status.A_CONSOLIDER, risk=Risk.MINEURE)
    html = environment().from_string('{% from "_macros.html" import indicator %}{{ indicator(v) }}').render(v=v)
    assert "javascript:" not in html and html.count('href="#"') == 2
    import re

    for name in ("_macros.html", "digest.html", "programme.html", "dossier.html", "index.html", "report_pdf.html"):
        text = (Path(__file__).resolve().parents[1] / "reports" / "templates" / name).read_text()
        for href in re.findall(r'href="\{\{([^}]*)\}\}', text):  # every href taken whole from data is filtered
            assert "safe_url" in href or href.strip() == "copy.path", (name, href)  # a path the dossier made


def test_a_group_the_user_is_not_in_is_refused_before_anything_is_written_and_doctor_says_so(tmp_path, monkeypatch):
    """Only a member (or root) may give files to a group: a service user outside the web server's group got a
    traceback after the whole render. Now: one ConfigError naming the fix, before any file; doctor's line too.
    The tests run as root, so the process is made a plain user here (its ids and groups)."""
    import grp

    from connector import errors
    from connector.doctor_local import folder_lines
    from connector.files import group_problem

    group = grp.getgrgid(0).gr_name  # root's group: the plain user below is not in it
    settings, store = synced_demo_store(tmp_path)
    result = run_evaluation(settings, store.sessions, NOW)
    monkeypatch.setattr(os, "geteuid", lambda: 4242)
    monkeypatch.setattr(os, "getegid", lambda: 4242)
    monkeypatch.setattr(os, "getgroups", lambda: [4242])
    out = tmp_path / "out"
    with pytest.raises(errors.ConfigError, match=f"not being a member .*usermod -aG {group} "):
        render_reports(result, store.sessions, out, "OF", None, now=NOW, group=group)
    assert not out.exists()
    assert folder_lines([], group) == [("✘", f"[reports] group {group}: {group_problem(group)}")]
    monkeypatch.setattr(os, "getgroups", lambda: [4242, 0])  # a member now
    assert group_problem(group) is None and folder_lines([], group)[0][0] == "✔"
    assert group_problem("no-such-group-qs") == "no group named 'no-such-group-qs' on this machine"


def test_a_store_and_a_lock_file_in_folders_not_made_yet_get_them_private_and_one_that_cannot_be_made_is_one_line(
        tmp_path):
    """What `doctor` calls « can be made » is made: the SQLite store's folder and the lock file's (0700, as the
    store names people); a folder under a file is refused in one line, exit 2, nothing written."""
    from click.testing import CliRunner

    from connector.cli import cli

    def migrate(store: Path, lock: Path):
        cfg = tmp_path / "q.toml"
        cfg.write_text(f'[moodle]\nurl = "https://moodle.example"\ntoken = "{"a" * 32}"\n'
                       f'[store]\nurl = "sqlite:///{store}"\nlock_file = "{lock}"\n', encoding="utf-8")
        return CliRunner().invoke(cli, ["--config", str(cfg), "migrate"])

    made = migrate(tmp_path / "var" / "db" / "store.db", tmp_path / "run" / "lock" / "run.lock")
    assert made.exit_code == 0, made.output
    assert stat.S_IMODE((tmp_path / "var" / "db").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "var" / "db" / "store.db").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "run" / "lock").stat().st_mode) == 0o700
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    refused = migrate(blocker / "db" / "store.db", tmp_path / "run.lock")
    assert refused.exit_code == errors.EXIT_CONFIG
    assert refused.output.strip().splitlines() == [
        f"error: [store] url: cannot make the folder {blocker}/db: Not a directory"], refused.output
    assert blocker.read_text() == "not a folder"
    locked_out = migrate(tmp_path / "store.db", blocker / "lock" / "run.lock")
    assert locked_out.exit_code == errors.EXIT_CONFIG and "[store] lock_file: cannot open" in locked_out.output
    assert "Not a directory" in locked_out.output and "symbolic link" not in locked_out.output  # no link involved
