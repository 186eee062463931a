"""Nothing sent twice, nothing sent every night: push keys on the report's judgement, records each attempt
before the call (at most once, even when the process is killed right after Moodle accepted), survives an
unexpected reply, and stops when the run lost its lock."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
import responses
from sqlalchemy import select

from connector import app
from connector.config import PushConfig
from connector.demo import DEMO_PROGRAMMES
from connector.evaluate import run_evaluation
from connector.moodle.client import MoodleClient
from connector.push import push_all
from connector.render import render_reports, report_key
from connector.store.models import PushRecord
from reports.model import ProgrammeReport
from tests.conftest import NOW, TOKEN, load_fixture
from tests.test_push import BASE, REST, client, moodle
from tests.test_sync import settings_for, transport

ROOT = Path(__file__).resolve().parents[1]


def _evaluated(store_url: str, now: int = NOW):
    settings = settings_for(store_url).model_copy(update={"programmes": DEMO_PROGRAMMES})
    assert app.sync(settings, transport=transport(), now=now).status == "ok"
    store = app.open_store(store_url, migrate=False)
    return store, run_evaluation(settings, store.sessions, now)


# ---------------------------------------------------------------- the report key
def _report(store_url) -> ProgrammeReport:
    from connector.render import build_programme_reports

    store, ev = _evaluated(store_url)
    return next(r for r in build_programme_reports(ev, store.sessions) if any(v.findings for v in r.verdicts))


def _with(rep: ProgrammeReport, **change) -> ProgrammeReport:
    v = next(v for v in rep.verdicts if v.findings)
    v2 = dataclasses.replace(v, **change) if change else v
    return dataclasses.replace(rep, verdicts=tuple(v2 if x is v else x for x in rep.verdicts))


def test_the_report_key_ignores_day_counters_and_small_moves_but_not_a_judgement(tmp_path):
    rep = _report(f"sqlite:///{tmp_path}/k.db")
    v = next(v for v in rep.verdicts if v.findings)
    key = report_key(rep)
    older = tuple(dataclasses.replace(f, why=f.why + " (depuis 65 jours)") for f in v.findings)
    assert report_key(_with(rep, findings=older)) == key  # a sentence's counter moved: same judgement
    assert report_key(_with(rep, summary=v.summary + " Il y a 65 jours.")) == key
    from mappings.model import Risk, Status

    other_status = Status.A_FOURNIR if v.status != Status.A_FOURNIR else Status.COUVERT
    assert report_key(_with(rep, status=other_status)) != key  # a deadline that changes a status is a change
    assert report_key(_with(rep, risk=Risk.MAJEURE if v.risk != Risk.MAJEURE else Risk.MINEURE)) != key
    assert report_key(_with(rep, findings=v.findings[1:])) != key  # a finding fixed
    rates = dict(v.figures) | {"taux_test": 0.501}
    base = report_key(_with(rep, figures=rates))
    assert report_key(_with(rep, figures=rates | {"taux_test": 0.503})) == base  # below the tolerance
    assert report_key(_with(rep, figures=rates | {"taux_test": 0.52})) != base
    assert report_key(_with(rep, figures=rates | {"taux_test": 0.52}), tolerance=0.05) == report_key(
        _with(rep, figures=rates), tolerance=0.05)


def test_render_force_then_push_sends_nothing_again(tmp_path, store_url):
    """The PDF bytes change with the generation time; the judgement does not: nothing is re-sent."""
    store, ev = _evaluated(store_url)
    first = render_reports(ev, store.sessions, tmp_path / "out", "OF", BASE, now=NOW)
    cfg = PushConfig(forum_id=3, private_files=True)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        moodle(rsps)
        sent = push_all(client(), store.sessions, cfg, None, first)
    assert len(sent.sent) == 5 + 3 + 3
    pdf = next(iter(first.pdfs.values()))
    before = pdf.read_bytes()
    again = render_reports(ev, store.sessions, tmp_path / "out", "OF", BASE, now=NOW + 86400, force=True)
    assert len(again.rendered) == 3 and pdf.read_bytes() != before  # re-rendered, new bytes
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        moodle(rsps)
        out = push_all(client(), store.sessions, cfg, None, again)
        assert len(rsps.calls) == 0
    assert not out.sent and len(out.skipped) == 11
    later = render_reports(run_evaluation(settings_for(store_url).model_copy(update={"programmes": DEMO_PROGRAMMES}),
                                          store.sessions, NOW + 3600), store.sessions, tmp_path / "out", "OF", BASE,
                           now=NOW + 3600)
    assert later.rendered == [] and later.reasons == {}  # an hour later, same judgement: nothing re-rendered
    # each re-render says why
    assert set(first.reasons.values()) == {"first report"} and set(again.reasons.values()) == {"forced (--force)"}
    pdf.unlink()
    missing = render_reports(ev, store.sessions, tmp_path / "out", "OF", BASE, now=NOW + 7200)
    assert list(missing.reasons.values()) == ["PDF missing"]
    changed = render_reports(run_evaluation(settings_for(store_url).model_copy(update={"programmes": [
        p.model_copy(update={"thresholds": {"inactive_days": 1}}) if p.code == "BTS-MCO" else p
        for p in DEMO_PROGRAMMES]}), store.sessions, NOW + 7200), store.sessions, tmp_path / "out", "OF", BASE,
        now=NOW + 7200)
    assert changed.reasons == {"BTS-MCO": "judgement changed"}


# ---------------------------------------------------------------- an unexpected reply
def test_an_unexpected_forum_reply_records_the_post_as_sent_and_the_other_sends_run(tmp_path, store_url):
    store, ev = _evaluated(store_url)
    res = render_reports(ev, store.sessions, tmp_path / "out", "OF", BASE, now=NOW)
    cfg = PushConfig(teachers=False, forum_id=3, private_files=True)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        def rest(request):
            fn = dict(parse_qsl(request.body))["wsfunction"]
            return 200, {"Content-Type": "application/json"}, json.dumps(
                ["unexpected"] if fn == "mod_forum_add_discussion" else None)

        rsps.add_callback(responses.POST, REST, callback=rest)
        rsps.add(responses.POST, f"{BASE}/webservice/upload.php",
                 json=load_fixture("upload__draft_html_report.json")["response"])
        out = push_all(client(), store.sessions, cfg, None, res)
    assert len(out.sent) == 6 and not out.failed  # 3 posts (recorded as made) and 3 private files
    with store.sessions() as s:
        posts = s.scalars(select(PushRecord).where(PushRecord.channel == "moodle_forum")).all()
    assert {p.status for p in posts} == {"sent"} and all("no discussion id" in p.detail for p in posts)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        moodle(rsps)
        assert len(push_all(client(), store.sessions, cfg, None, res).skipped) == 6 and len(rsps.calls) == 0


# ---------------------------------------------------------------- killed right after Moodle accepted
_CHILD = """
import sys
sys.path.insert(0, {root!r})
from connector import app
from connector.config import PushConfig
from connector.demo import DEMO_PROGRAMMES
from connector.evaluate import run_evaluation
from connector.moodle.client import MoodleClient
from connector.push import push_all
from connector.render import render_reports
from tests.test_sync import settings_for, transport
settings = settings_for({store!r}).model_copy(update={{"programmes": DEMO_PROGRAMMES}})
assert app.sync(settings, transport=transport(), now={now}).status == "ok"
store = app.open_store({store!r}, migrate=False)
res = render_reports(run_evaluation(settings, store.sessions, {now}), store.sessions, __import__("pathlib").Path(
    {out!r}), "OF", {url!r}, now={now})
print("rendered", flush=True)
push_all(MoodleClient({url!r}, {token!r}, backoff=0, concurrency=1), store.sessions, PushConfig(), None, res)
print("finished", flush=True)
"""


class _Moodle(BaseHTTPRequestHandler):
    """Accepts every message; on the first one, kills the pusher before answering (Moodle has it)."""

    accepted: list[str] = []
    victim: int | None = None

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = dict(parse_qsl(self.rfile.read(int(self.headers["Content-Length"])).decode()))
        _Moodle.accepted.append(body.get("messages[0][touserid]", ""))
        if len(_Moodle.accepted) == 1 and _Moodle.victim:
            os.kill(_Moodle.victim, signal.SIGKILL)
        answer = json.dumps(load_fixture("core_message_send_instant_messages__to_teacher1.json")["response"])
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer.encode())


@pytest.mark.timeout(300)
def test_killed_after_moodle_accepted_a_message_it_is_not_sent_again(tmp_path):
    store_url = f"sqlite:///{tmp_path}/s.db"
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Moodle)  # bound to port 0 and kept: no port race
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    _Moodle.accepted, _Moodle.victim = [], None
    try:
        code = _CHILD.format(root=str(ROOT), store=store_url, now=NOW, out=str(tmp_path / "out"), url=url,
                             token=TOKEN)
        child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True, cwd=ROOT)
        _Moodle.victim = child.pid
        out, err = child.communicate(timeout=280)
        assert child.returncode == -signal.SIGKILL, err
        assert "rendered" in out and "finished" not in out and len(_Moodle.accepted) == 1
        store = app.open_store(store_url, migrate=False)
        with store.sessions() as s:
            rows = s.scalars(select(PushRecord)).all()
        assert [(r.recipient, r.status) for r in rows] == [(_Moodle.accepted[0], "sending")]
        settings = settings_for(store_url).model_copy(update={"programmes": DEMO_PROGRAMMES})
        res = render_reports(run_evaluation(settings, store.sessions, NOW), store.sessions, tmp_path / "out", "OF",
                             url, now=NOW)
        again = push_all(MoodleClient(url, TOKEN, backoff=0, concurrency=1), store.sessions, PushConfig(), None, res)
        assert len(again.sent) == 4 and _Moodle.accepted.count(_Moodle.accepted[0]) == 1  # not sent twice
        assert any("outcome unknown" in line for line in again.skipped)
    finally:
        server.shutdown()
        server.server_close()


# ---------------------------------------------------------------- the lock lost
def test_a_run_that_lost_its_postgresql_lock_writes_and_sends_nothing(tmp_path):
    """pg_terminate_backend on the lock's connection (what an idle-session timeout or a network cut does):
    the next write and the next send stop with exit 5; nothing is written or sent."""
    from sqlalchemy import text

    from connector import errors
    from connector.store.db import make_engine, transaction
    from connector.store.lock import run_lock
    from tests.conftest import PG_SCHEMA, PG_URL

    schema = f"{PG_SCHEMA}_lost"
    base = make_engine(PG_URL)
    with base.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    try:
        store, ev = _evaluated(url)
        res = render_reports(ev, store.sessions, tmp_path / "out", "OF", BASE, now=NOW)
        with run_lock(store.engine):
            with base.begin() as conn:  # another session kills the lock's backend
                killed = conn.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                    "AND classid = 1366647148 AND pid <> pg_backend_pid() AND objid = "
                    f"hashtext(current_database() || '.{schema}')::oid")).scalars().all()
            assert killed == [True]
            with pytest.raises(errors.LockLostError) as info, transaction(store.sessions) as s:
                s.add(PushRecord(channel="x", recipient="y", what="z", content_hash="h", status="sent"))
            assert info.value.exit_code == errors.EXIT_LOCK_LOST
            with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
                moodle(rsps)
                with pytest.raises(errors.LockLostError):
                    push_all(client(), store.sessions, PushConfig(), None, res)
                assert len(rsps.calls) == 0
        with store.sessions() as s:
            assert s.scalars(select(PushRecord)).all() == []
        store.engine.dispose()
    finally:
        with base.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        base.dispose()


# ---------------------------------------------------------------- texts sent back are redacted
def test_a_moodle_reply_echoing_the_token_is_stored_and_printed_redacted(tmp_path, store_url):
    store, ev = _evaluated(store_url)
    res = render_reports(ev, store.sessions, tmp_path / "out", "OF", BASE, now=NOW)
    refusal = load_fixture("core_message_send_instant_messages__blocked_by_privacy.json")["response"]
    echoed = [dict(refusal[0], errormessage=f"{refusal[0].get('errormessage')} (token {TOKEN})")]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.POST, REST, json=echoed)
        out = push_all(client(), store.sessions, PushConfig(), None, res)
    assert out.failed and not any(TOKEN in line for line in out.failed)
    with store.sessions() as s:
        details = [r.detail for r in s.scalars(select(PushRecord))]
    assert details and all(TOKEN not in d and "***" in d for d in details)
