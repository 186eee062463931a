"""The HTTP client against `responses`: body shape, retries, call counts, token redaction."""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qsl

import pytest
import requests
import responses

from connector import errors
from connector.moodle import MoodleClient
from tests.conftest import TOKEN, load_fixture

URL = "http://moodle.test"
ENDPOINT = URL + "/webservice/rest/server.php"


@pytest.fixture
def client() -> MoodleClient:
    return MoodleClient(URL, TOKEN, retries=3, backoff=0)


def _body(call) -> list[tuple[str, str]]:
    return parse_qsl(call.request.body)


@responses.activate
def test_post_body_has_format_token_and_flattened_params(client):
    rec = load_fixture("mod_feedback_get_feedbacks_by_courses__4courses.json")
    responses.post(ENDPOINT, json=rec["response"])
    client.call("mod_feedback_get_feedbacks_by_courses", courseids=[2, 3, 5, 8])
    body = _body(responses.calls[0])
    assert ("moodlewsrestformat", "json") in body and ("wstoken", TOKEN) in body
    assert [(k, v) for k, v in body if k.startswith("courseids")] == [
        ("courseids[0]", "2"), ("courseids[1]", "3"), ("courseids[2]", "5"), ("courseids[3]", "8")]


@responses.activate
def test_reads_are_retried_on_transport_errors_and_counted(client):
    responses.post(ENDPOINT, body="<html>502 Bad Gateway</html>", status=502)
    responses.post(ENDPOINT, json=load_fixture("core_course_get_categories__all.json")["response"])
    assert len(client.call("core_course_get_categories")) == 4
    assert client.calls["core_course_get_categories"] == 2


@responses.activate
def test_reads_give_up_after_the_configured_attempts(client):
    responses.post(ENDPOINT, body="<html>503</html>", status=503)
    with pytest.raises(errors.TransportError, match="HTTP 503"):
        client.call("core_course_get_categories")
    assert len(responses.calls) == 3


@responses.activate
def test_writes_are_never_retried(client):
    responses.post(ENDPOINT, body="<html>502</html>", status=502)
    with pytest.raises(errors.TransportError):
        client.call("core_message_send_instant_messages", messages=[{"touserid": 43, "text": "x"}])
    assert len(responses.calls) == 1


@responses.activate
def test_moodle_errors_are_not_retried(client):
    responses.post(ENDPOINT, json=load_fixture("error__invalid_token.json")["response"])
    with pytest.raises(errors.InvalidTokenError):
        client.call("core_webservice_get_site_info")
    assert len(responses.calls) == 1


@responses.activate
def test_token_never_in_exception_repr_or_logs(client, caplog):
    caplog.set_level(logging.DEBUG)
    responses.post(ENDPOINT, body=requests.exceptions.ConnectionError(f"refused {ENDPOINT}?wstoken={TOKEN}"))
    with pytest.raises(errors.TransportError) as info:
        client.call("core_course_get_categories")
    # a Moodle error echoing the token back must be redacted too
    echo = {"exception": "x", "errorcode": "invalidtoken", "message": f"bad token {TOKEN}", "debuginfo": TOKEN}
    responses.replace(responses.POST, ENDPOINT, json=echo)
    with pytest.raises(errors.InvalidTokenError) as info2:
        client.call("core_webservice_get_site_info")
    texts = [str(info.value), repr(info.value), str(info2.value), repr(info2.value), repr(client),
             caplog.text, json.dumps([str(a) for a in info2.value.args])]
    assert all(TOKEN not in t for t in texts)
    assert "***" in repr(client)


def test_timeouts_and_refused_connections_are_transport_errors():
    import socket

    with socket.socket() as s:  # bound and kept, never listening: the port cannot be taken meanwhile
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        c = MoodleClient(f"http://127.0.0.1:{port}", TOKEN, retries=1, backoff=0, timeout=1)
        with pytest.raises(errors.TransportError, match="refused") as info:
            c.call("core_webservice_get_site_info")
    assert TOKEN not in str(info.value)


def test_map_is_bounded_and_keeps_order():
    import threading
    import time

    c = MoodleClient(URL, TOKEN, concurrency=3)
    running, peak, lock = [0], [0], threading.Lock()

    def work(i):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.01)
        with lock:
            running[0] -= 1
        return i * 2

    assert c.map(work, range(20)) == [i * 2 for i in range(20)]
    assert peak[0] <= 3


def test_map_ahead_runs_the_next_chunk_while_this_one_is_handled_and_stops_with_its_caller():
    import threading
    import time

    started: list[int] = []
    lock = threading.Lock()

    def work(i):
        with lock:
            started.append(i)
        time.sleep(0.01)
        if i == 7:
            raise errors.TransportError("connection reset")
        return i * 2

    c = MoodleClient(URL, TOKEN, concurrency=3)
    chunks = [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11], [12, 13, 14]]
    seen = []
    with pytest.raises(errors.TransportError):
        for chunk, results in c.map_ahead(work, chunks):
            assert results == [i * 2 for i in chunk]
            if chunk[0] == 0:
                time.sleep(0.1)  # handling the first chunk: the second is fetched meanwhile
                with lock:
                    assert {3, 4, 5} <= set(started)
            seen.append(chunk[0])
    assert seen == [0, 3]  # the chunk holding the failure is never handed over
    assert not {12, 13, 14} & set(started)  # two chunks ahead at most: what was not started is dropped
    one = MoodleClient(URL, TOKEN, concurrency=1)
    assert [r for _, r in one.map_ahead(lambda i: i + 1, [[1, 2], [3]])] == [[2, 3], [4]]
    assert list(c.map_ahead(work, [])) == []


def test_calls_in_flight_never_exceed_the_concurrency_whoever_makes_them():
    """Two resources side by side (two threads, each with its own pool) share the client's in-flight limit."""
    import threading
    import time

    from connector.moodle.client import RawResponse

    class Counting:
        def __init__(self):
            self.now = self.peak = 0
            self.lock = threading.Lock()

        def send(self, url, fields, timeout):
            with self.lock:
                self.now += 1
                self.peak = max(self.peak, self.now)
            time.sleep(0.01)
            with self.lock:
                self.now -= 1
            return RawResponse(200, "application/json", b"[]")

    transport = Counting()
    c = MoodleClient(URL, TOKEN, transport=transport, concurrency=3)
    side = [threading.Thread(target=lambda: c.map(lambda i: c.call("core_course_get_contents", courseid=i),
                                                  range(30))) for _ in range(2)]
    for t in side:
        t.start()
    for t in side:
        t.join()
    assert c.calls["core_course_get_contents"] == 60 and transport.peak == 3


def _echoing(body: dict) -> dict:
    """A recorded error body as a proxy or a debugging site may send it back: the token in every text."""
    body = dict(body)
    for key in ("error", "message", "debuginfo"):
        if key in body:
            body[key] = f"{body[key] or ''} (token={TOKEN})"
    return body


def _clean(exc: errors.QualiopiSyncError) -> bool:
    texts = [str(exc), repr(exc), *map(str, exc.args), str(getattr(exc, "moodle_message", "")),
             str(getattr(exc, "debuginfo", ""))]
    return all(TOKEN not in t for t in texts)


@responses.activate
@pytest.mark.parametrize("fixture", ["error__upload_invalid_token.json", "error__upload_invalid_token__debug.json"])
def test_upload_errors_are_typed_and_never_carry_the_token(fixture):
    body = _echoing(load_fixture(fixture)["response"])
    responses.add(responses.POST, URL + "/webservice/upload.php", json=body)
    c = MoodleClient(URL, TOKEN, retries=1, backoff=0)
    with pytest.raises(errors.InvalidTokenError) as info:
        c.upload([("rapport.pdf", b"%PDF-1.7", "application/pdf")])
    assert _clean(info.value) and "***" in info.value.moodle_message
    if body.get("debuginfo"):
        assert "***" in info.value.debuginfo


@responses.activate
def test_rest_and_download_errors_never_carry_the_token():
    body = _echoing({**load_fixture("error__capability_missing__debug.json")["response"],
                     "debuginfo": "\nError code: nopermissions"})  # the shape of the debug upload answer's
    responses.add(responses.POST, ENDPOINT, json=body)
    responses.add(responses.GET, URL + "/webservice/pluginfile.php/1/mod_resource/content/1/a.pdf", json=body)
    c = MoodleClient(URL, TOKEN, retries=1, backoff=0)
    with pytest.raises(errors.MoodleError) as rest:
        c.call("core_course_get_contents", courseid=2)
    with pytest.raises(errors.MoodleError) as download:
        c.download(URL + "/webservice/pluginfile.php/1/mod_resource/content/1/a.pdf", 1 << 20)
    for exc in (rest.value, download.value):
        assert _clean(exc) and "***" in exc.debuginfo and "***" in exc.moodle_message


def test_log_lines_are_redacted_and_short_secrets_are_not_registered():
    """Survivors of the mutation run: the log formatter's own redaction, and the 6-character floor below which
    a value is too common to be blanked everywhere (e.g. a password "secret" is, "abc" is not)."""
    import logging

    from connector.safe_text import SafeFormatter, redact_text, register_secret

    register_secret(TOKEN)  # as the client does
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "call with %s\x1b[31m", (TOKEN,), None)
    line = SafeFormatter("%(message)s").format(record)
    assert TOKEN not in line and "***" in line and "\x1b" not in line
    register_secret("k9#Zq2")  # exactly 6 characters: registered
    register_secret("Zq2k9")  # 5: not
    assert redact_text("a k9#Zq2 b Zq2k9") == "a *** b Zq2k9"
    register_secret(None)
    register_secret("")
    register_secret("k9#Zq2-long")  # a secret holding another one: the longer is blanked whole
    assert redact_text("pw=k9#Zq2-long") == "pw=***"


def test_the_environment_proxy_is_used_and_no_proxy_honoured(monkeypatch):
    """Read once per address, the environment still decides (real sockets: a proxy answers for moodle.test)."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    seen: list[str] = []

    class Proxy(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            seen.append(self.path)  # a proxy is asked for the absolute address
            body = json.dumps(load_fixture("core_course_get_categories__all.json")["response"]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = HTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{server.server_address[1]}")
        via_proxy = MoodleClient("http://moodle.test", TOKEN, retries=1, backoff=0)
        assert len(via_proxy.call("core_course_get_categories")) == 4
        assert seen == ["http://moodle.test/webservice/rest/server.php"]
        monkeypatch.setenv("NO_PROXY", "moodle.test")
        direct = MoodleClient("http://moodle.test", TOKEN, retries=1, backoff=0)
        with pytest.raises(errors.TransportError):  # moodle.test has no address: asked directly, it fails
            direct.call("core_course_get_categories")
        assert len(seen) == 1
    finally:
        server.shutdown()
        server.server_close()


def test_a_ws_call_is_the_form_post_requests_would_send_and_a_compressed_answer_is_read():
    """Straight to the connection pool, the call still sends what requests did (form body with UTF-8 values,
    content type and length, keep-alive, gzip accepted) and reads a gzip answer (real sockets)."""
    import gzip
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[tuple[dict[str, str], str]] = []

    class Moodle(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            seen.append((dict(self.headers), self.rfile.read(int(self.headers["Content-Length"])).decode()))
            body = gzip.compress(json.dumps(load_fixture("core_course_get_categories__all.json")["response"]).encode())
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Moodle)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = MoodleClient(f"http://127.0.0.1:{server.server_address[1]}/", TOKEN, retries=1, backoff=0)
        assert len(client.call("core_course_get_categories", criteria=[{"key": "name", "value": "Santé & co"}])) == 4
        assert len(client.call("core_course_get_categories")) == 4  # the same connection, kept alive
    finally:
        server.shutdown()
        server.server_close()
    headers, body = seen[0]
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "gzip" in headers["Accept-Encoding"] and headers["User-Agent"] == "qualiopi-sync"
    assert parse_qsl(body) == [("wstoken", TOKEN), ("wsfunction", "core_course_get_categories"),
                               ("moodlewsrestformat", "json"), ("criteria[0][key]", "name"),
                               ("criteria[0][value]", "Santé & co")]
    assert body == requests.Request("POST", "http://x", data=parse_qsl(body)).prepare().body


@responses.activate
@pytest.mark.parametrize("answer", [[], [{"component": "user", "filename": "rapport.pdf"}], {"itemid": 5}])
def test_an_upload_answer_without_a_draft_item_id_is_refused_not_guessed(answer):
    """upload.php's answer is a list of files with the draft item id (as recorded); anything else is no upload."""
    responses.add(responses.POST, URL + "/webservice/upload.php", json=answer)
    c = MoodleClient(URL, TOKEN, retries=1, backoff=0)
    with pytest.raises(errors.UnexpectedPayloadError, match="without a draft item id"):
        c.upload([("rapport.pdf", b"%PDF-1.7", "application/pdf")])
    recorded = load_fixture("upload__draft_html_report.json")["response"]
    responses.replace(responses.POST, URL + "/webservice/upload.php", json=recorded)
    assert c.upload([("rapport.pdf", b"%PDF-1.7", "application/pdf")]) == recorded[0]["itemid"]


@responses.activate
@pytest.mark.parametrize("status", [400, 500])
def test_an_http_error_status_is_never_read_as_an_answer(status):
    """From 400 up, whatever the body (here valid JSON a proxy might send), the call fails as transient."""
    responses.post(ENDPOINT, json=[], status=status)
    c = MoodleClient(URL, TOKEN, retries=1, backoff=0)
    with pytest.raises(errors.TransportError, match=f"HTTP {status} from Moodle"):
        c.call("core_course_get_courses_by_field")


@responses.activate
@pytest.mark.parametrize("status", [400, 404])
def test_a_download_refused_with_an_http_error_copies_nothing(status):
    url = URL + "/webservice/pluginfile.php/1/mod_resource/content/1/a.pdf"
    responses.add(responses.GET, url, body=b"%PDF-1.7 not this", status=status, content_type="application/pdf")
    c = MoodleClient(URL, TOKEN, retries=1, backoff=0)
    with pytest.raises(errors.TransportError, match=f"HTTP {status} downloading a.pdf"):
        c.download(url, 1 << 20)
