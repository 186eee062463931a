"""Push: one Moodle message per teacher, upload + forum post / private files, e-mail over STARTTLS, no resend."""

from __future__ import annotations

import email
import json
import socket
import ssl
from urllib.parse import parse_qsl

import pytest
import responses
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select

from connector import app
from connector.config import PushConfig, SmtpConfig
from connector.demo import DEMO_PROGRAMMES
from connector.evaluate import run_evaluation
from connector.moodle.client import MoodleClient
from connector.push import push_all
from connector.render import render_reports
from connector.store.models import PushRecord
from tests.conftest import NOW, TOKEN, load_fixture
from tests.test_sync import settings_for, transport

BASE = "http://127.0.0.1:8080"
REST, UPLOAD = f"{BASE}/webservice/rest/server.php", f"{BASE}/webservice/upload.php"


@pytest.fixture
def rendered(tmp_path, store_url):
    settings = settings_for(store_url).model_copy(update={"programmes": DEMO_PROGRAMMES})
    assert app.sync(settings, transport=transport(), now=NOW).status == "ok"
    store = app.open_store(store_url, migrate=False)
    ev = run_evaluation(settings, store.sessions, NOW)
    return store, render_reports(ev, store.sessions, tmp_path / "out", "OF", BASE, now=NOW)


def fields(call) -> dict[str, str]:
    return dict(parse_qsl(call.request.body))


def moodle(rsps: responses.RequestsMock, message_fixture="core_message_send_instant_messages__to_teacher1.json"):
    """Answer writes with the recorded shapes: message, upload, forum post, private files."""
    answers = {
        "core_message_send_instant_messages": load_fixture(message_fixture)["response"],
        "mod_forum_add_discussion": load_fixture("mod_forum_add_discussion__C1_news_with_attachment.json")["response"],
        "core_user_add_user_private_files": None,
    }

    def rest(request):
        fn = dict(parse_qsl(request.body))["wsfunction"]
        return 200, {"Content-Type": "application/json"}, json.dumps(answers[fn])

    rsps.add_callback(responses.POST, REST, callback=rest)
    rsps.add(responses.POST, UPLOAD, json=load_fixture("upload__draft_html_report.json")["response"],
             content_type="text/plain; charset=utf-8")


def client() -> MoodleClient:
    return MoodleClient(BASE, TOKEN, backoff=0, concurrency=1)


def test_one_message_per_teacher_then_nothing_on_rerun(rendered):
    store, res = rendered
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        moodle(rsps)
        first = push_all(client(), store.sessions, PushConfig(report_url="https://qualite.example/out"), None, res)
        calls = [fields(c) for c in rsps.calls]
    assert len(first.sent) == 5 and not first.failed
    assert sorted(int(c["messages[0][touserid]"]) for c in calls) == [43, 44, 45, 46, 47]
    assert all("messages[1][touserid]" not in c for c in calls)  # one recipient per call (Moodle 4.5 bug)
    teacher1 = next(c for c in calls if c["messages[0][touserid]"] == "43")
    assert teacher1["messages[0][textformat]"] == "1" and "BTSMCO-DRC" in teacher1["messages[0][text]"]
    slug = next(d.slug for d in res.digests if d.user_id == 43)
    assert f"https://qualite.example/out/formateurs/{slug}.html" in teacher1["messages[0][text]"]
    assert "DWWM" not in teacher1["messages[0][text]"]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:  # unchanged digests: nothing sent
        moodle(rsps)
        again = push_all(client(), store.sessions, PushConfig(), None, res)
        assert len(rsps.calls) == 0
    assert len(again.skipped) == 5 and not again.sent
    with store.sessions() as s:
        rows = s.scalars(select(PushRecord)).all()
    assert len(rows) == 5 and {r.status for r in rows} == {"sent"} and all(r.content_hash for r in rows)
    assert {r.detail for r in rows} == {"msgid 1"}  # Moodle's message id (recorded), to find it again


def test_dry_run_sends_and_records_nothing(rendered):
    store, res = rendered
    cfg = PushConfig(forum_id=3, private_files=True)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        moodle(rsps)
        dry = push_all(client(), store.sessions, cfg, None, res, dry_run=True)
        assert len(rsps.calls) == 0
    assert len(dry.planned) == 5 + 3 + 3 and not dry.sent
    with store.sessions() as s:
        assert s.scalars(select(PushRecord)).all() == []


def test_pdfs_uploaded_then_posted_to_the_forum_and_private_files(rendered):
    store, res = rendered
    cfg = PushConfig(teachers=False, forum_id=3, private_files=True)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        moodle(rsps)
        out = push_all(client(), store.sessions, cfg, None, res)
        uploads = [c for c in rsps.calls if c.request.url == UPLOAD]
        posts = [fields(c) for c in rsps.calls if c.request.url == REST]
    assert len(out.sent) == 6 and len(uploads) == 6
    body = uploads[0].request.body
    assert b'name="token"' in body and TOKEN.encode() in body and b'name="filearea"' in body
    assert b"application/pdf" in body and b"%PDF" in body
    forum = [p for p in posts if p["wsfunction"] == "mod_forum_add_discussion"]
    assert len(forum) == 3 and {p["forumid"] for p in forum} == {"3"}
    assert all(p["options[0][name]"] == "attachmentsid" and p["options[0][value]"] == "723150539" for p in forum)
    # the sync user is not subscribed to its own posts (no mail back to it for every reply)
    assert all((p["options[1][name]"], p["options[1][value]"]) == ("discussionsubscribe", "0") for p in forum)
    assert {p["subject"] for p in forum} == {f"Rapport Qualiopi — {c}" for c in ("BTS-MCO", "TP-DWWM", "EXCEL")}
    private = [p for p in posts if p["wsfunction"] == "core_user_add_user_private_files"]
    assert [p["draftid"] for p in private] == ["723150539"] * 3
    with store.sessions() as s:  # what each send left on record: Moodle's ids, to find it again
        details = {(r.channel, r.detail) for r in s.scalars(select(PushRecord))}
    discussion = load_fixture("mod_forum_add_discussion__C1_news_with_attachment.json")["response"]["discussionid"]
    assert details == {("moodle_forum", f"discussion {discussion}"), ("moodle_private", "draft 723150539")}
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:  # same PDFs: nothing uploaded twice
        moodle(rsps)
        assert len(push_all(client(), store.sessions, cfg, None, res).skipped) == 6 and len(rsps.calls) == 0


def test_refused_message_is_recorded_as_failed_and_the_token_stays_hidden(rendered):
    store, res = rendered
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        moodle(rsps, "core_message_send_instant_messages__blocked_by_privacy.json")
        out = push_all(client(), store.sessions, PushConfig(), None, res)
    assert len(out.failed) == 5 and "message preferences" in out.failed[0]
    with store.sessions() as s:
        rows = s.scalars(select(PushRecord)).all()
    assert {r.status for r in rows} == {"failed"} and not any(TOKEN in (r.detail or "") for r in rows)
    # the teachers' preferences fixed: the next push sends each message once, then nothing more
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        moodle(rsps)
        retried = push_all(client(), store.sessions, PushConfig(), None, res)
    assert len(retried.sent) == 5 and not retried.failed and not retried.skipped
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        moodle(rsps)
        third = push_all(client(), store.sessions, PushConfig(), None, res)
    assert not third.sent and len(third.skipped) == 5 and len(rsps.calls) == 0


def test_a_refusal_echoing_the_html_message_prints_one_short_line(rendered):
    """Moodle's error may carry the HTML it refused (here the recorded ``formatnotsupported`` error's message
    followed by the digest we sent, and the token): the failed line and the stored detail stay one short line
    of text, redacted, no markup."""
    store, res = rendered
    sent: list[str] = []

    def rest(request):
        body = dict(parse_qsl(request.body))
        sent.append(body["messages[0][text]"])
        error = dict(load_fixture("error__message_batch_mixed_recipients_fmt0.json")["response"])
        error["message"] += f" {body['messages[0][text]']} (wstoken={TOKEN})"
        return 200, {"Content-Type": "application/json"}, json.dumps(error)

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_callback(responses.POST, REST, callback=rest)
        out = push_all(client(), store.sessions, PushConfig(), None, res)
    assert len(out.failed) == 5 and all("<p>" in x or "<ul>" in x for x in sent)  # the digests are HTML
    for line in out.failed:
        assert "formatnotsupported" in line and "\n" not in line and "<" not in line and TOKEN not in line
        assert len(line) < 400
    with store.sessions() as s:
        details = [r.detail for r in s.scalars(select(PushRecord))]
    assert details and all(len(d) < 300 and "<" not in d and TOKEN not in d for d in details)


class BoundController(Controller):
    """aiosmtpd's controller on a socket bound to port 0 and kept: no free port grabbed, released, then hoped
    for (another process could take it in between)."""

    def __init__(self, handler, **kw):
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        super().__init__(handler, hostname="127.0.0.1", port=self._sock.getsockname()[1], **kw)

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self._sock, ssl=self.ssl_context)


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((session.ssl is not None, envelope.rcpt_tos, envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_server(tmp_path):
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    inbox = Inbox()
    auth = lambda server, session, envelope, mechanism, data: AuthResult(
        success=isinstance(data, LoginPassword) and (data.login, data.password) == (b"qualite", b"s3cret"))
    ctl = BoundController(inbox, tls_context=context, require_starttls=True, authenticator=auth,
                          auth_required=True)
    ctl.start()
    yield inbox, ctl.port, ca_file
    ctl.stop()


def test_pdfs_by_email_over_starttls(rendered, smtp_server):
    store, res = rendered
    inbox, port, ca_file = smtp_server
    smtp = SmtpConfig(host="127.0.0.1", port=port, username="qualite", password="s3cret",
                      sender="qualiopi@of.example", cafile=ca_file, timeout=10)
    cfg = PushConfig(teachers=False, quality_emails=["rq@of.example"])
    out = push_all(client(), store.sessions, cfg, smtp, res)
    assert len(out.sent) == 1, out.failed
    with store.sessions() as s:  # what the send left on record: the server it went through
        assert [r.detail for r in s.scalars(select(PushRecord))] == [f"via 127.0.0.1:{port}"]
    tls, rcpt, content = inbox.messages[0]
    assert tls and rcpt == ["rq@of.example"]
    msg = email.message_from_bytes(content)
    names = sorted(p.get_filename() for p in msg.walk() if p.get_filename())
    assert names == ["qualiopi-BTS-MCO.pdf", "qualiopi-EXCEL.pdf", "qualiopi-TP-DWWM.pdf"]
    assert len(push_all(client(), store.sessions, cfg, smtp, res).skipped) == 1 and len(inbox.messages) == 1
    bad = smtp.model_copy(update={"password": None})  # the server requires authentication
    with store.sessions() as s:
        s.query(PushRecord).delete()
        s.commit()
    failed = push_all(client(), store.sessions, cfg, bad, res)
    assert len(failed.failed) == 1 and "e-mail to rq@of.example" in failed.failed[0]


def test_one_line_drops_markup_folds_and_cuts_at_a_word():
    from connector.safe_text import one_line

    html = "<p>Refused:</p>\n<ul>" + "".join(f"<li>point numéro {i}</li>" for i in range(60)) + "</ul>"
    got = one_line(html, limit=80)
    assert got.startswith("Refused: point numéro 0 point numéro 1") and "<" not in got and "\n" not in got
    assert got.endswith(f"… ({len(one_line(html, limit=10**6))} characters)") and len(got) < 110
    assert not got.split(" … ")[0].endswith("num")  # a word is never cut
    assert one_line("short  \n text") == "short text" and one_line(None) == ""


def test_one_line_at_its_limit_and_around_it():
    """Found by the mutation run: the limit itself, a text without a space, a lone "<" that is no markup."""
    from connector.safe_text import one_line

    words = "mot " * 60  # 240 characters once folded ("mot" × 60 with 59 spaces = 239)
    exact = ("x" + words)[:240].strip()
    assert len(exact) == 240 and one_line(exact) == exact  # at the limit: kept whole
    longer = exact + " fin"
    assert one_line(longer) == f"{exact.rsplit(' ', 1)[0]} … ({len(longer)} characters)"  # cut before the last word
    solid = "x" * 300
    assert one_line(solid) == f"{'x' * 240} … (300 characters)"  # no space: cut at the limit
    assert one_line("a < b and c") == "a < b and c"  # a lone "<" is kept as written


def test_the_digest_names_key_is_a_random_secret_kept_per_store(tmp_path):
    """Found by the mutation run: the teacher digests' file names are keyed by this secret; without it (None)
    they would be guessable from a teacher's id."""
    from connector import app
    from connector.store.outputs import site_secret

    keys = []
    for name in ("a", "b"):
        store = app.open_store(f"sqlite:///{tmp_path}/{name}.db")
        with store.sessions() as s:
            first = site_secret(s, "digest-names")
            s.commit()
        with store.sessions() as s:
            assert site_secret(s, "digest-names") == first  # kept: the names stay stable from run to run
        store.engine.dispose()
        keys.append(first)
    assert all(len(k) == 64 and int(k, 16) >= 0 for k in keys) and keys[0] != keys[1]
