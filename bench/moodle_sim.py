"""A simulated Moodle on 127.0.0.1: a real HTTP server answering the connector's WS functions.

It answers from recorded-shape entries (by default the demo bundle: recorded Moodle 4.5
answers plus answers derived in the same shapes), counts calls per function, adds a
latency per call, and can be told to fail one function in the ways a real network and a
real Moodle fail (see ``FAULTS``). Used by the fault-injection tests and the soak script.

Not built yet: generating a site of a given size from a seed (the ``large`` benchmark of
issue 6); see the session notes.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any, Self
from urllib.parse import parse_qsl

from connector.moodle.replay import request_key

FAULTS = {
    "html502": "HTTP 502 with a proxy's HTML error page",
    "html503": "HTTP 503 with an HTML maintenance page",
    "login200": "HTTP 200 with Moodle's HTML login page",
    "truncated": "HTTP 200, JSON cut in the middle",
    "wrongshape": "HTTP 200, valid JSON of the wrong shape",
    "invalidtoken": "Moodle's invalidtoken exception",
    "accessexception": "Moodle's accessexception (missing capability)",
    "servicenotavailable": "Moodle's servicenotavailable (function not in the service)",
    "invalidparameter": "Moodle's invalidparameter exception",
    "timeout": "no answer before the client's read timeout",
    "reset": "connection reset in the middle of the body",
    "emptylist": "an empty list (e.g. no enrolled user in a course listed a moment ago)",
}

_EXCEPTIONS = {
    "invalidtoken": ("moodle_exception", "Invalid token - token not found"),
    "accessexception": ("webservice_access_exception", "Access control exception"),
    "servicenotavailable": ("webservice_access_exception", "Web service is not available (it doesn't exist or might be disabled)"),
    "invalidparameter": ("invalid_parameter_exception", "Invalid parameter value detected"),
}


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up (timeout fault) or a reset is expected here


def bundle_entries() -> list[dict[str, Any]]:
    return json.loads(resources.files("connector").joinpath("demo/bundle.json").read_text("utf-8"))["entries"]


class SimMoodle:
    """``with SimMoodle() as sim: sim.url`` — a Moodle root URL on 127.0.0.1."""

    def __init__(self, entries: list[dict[str, Any]] | None = None, latency: float = 0.0) -> None:
        self.answers = {(e["wsfunction"], tuple(sorted((k, str(v)) for k, v in e["params"].items()))): e["response"]
                        for e in (entries if entries is not None else bundle_entries())}
        self.latency = latency
        self.calls: Counter[str] = Counter()
        self.fault: tuple[str, str, int] | None = None  # (wsfunction, mode, after n good calls)
        self.hang = 5.0  # seconds the "timeout" fault waits
        self._lock = threading.Lock()
        self._good: Counter[str] = Counter()
        self.server = _QuietServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail(self, wsfunction: str, mode: str, after: int = 0) -> None:
        """From the (after+1)-th call of ``wsfunction`` on, answer with fault ``mode``."""
        assert mode in FAULTS, mode
        self.fault, self._good = (wsfunction, mode, after), Counter()

    def heal(self) -> None:
        self.fault = None

    def answer(self, fields: list[tuple[str, str]]) -> tuple[str | None, Any]:
        fn, params = request_key(fields)
        with self._lock:
            self.calls[fn] += 1
        if self.fault and self.fault[0] == fn:
            with self._lock:
                self._good[fn] += 1
                if self._good[fn] > self.fault[2]:
                    return self.fault[1], None
        key = (fn, params)
        if key not in self.answers:
            return None, {"exception": "invalid_parameter_exception", "errorcode": "invalidparameter",
                          "message": f"simulator: no answer for {fn} {dict(params)}"}
        return None, self.answers[key]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        sim = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _send(self, status: int, ctype: str, body: bytes, length: int | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body) if length is None else length))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                if sim.latency:
                    time.sleep(sim.latency)
                mode, payload = sim.answer(parse_qsl(raw, keep_blank_values=True))
                if mode is None:
                    self._send(200, "application/json; charset=utf-8", json.dumps(payload).encode())
                elif mode in ("html502", "html503"):
                    code = 502 if mode == "html502" else 503
                    self._send(code, "text/html", f"<html><body><h1>{code}</h1>nginx</body></html>".encode())
                elif mode == "login200":
                    self._send(200, "text/html; charset=utf-8",
                               b'<!DOCTYPE html><html><head><title>Log in to the site</title></head>'
                               b'<body><form id="login"></form></body></html>')
                elif mode == "truncated":
                    body = b'[{"id": 3, "username": "student01", "fullname": "Lu'
                    self._send(200, "application/json", body)
                elif mode == "wrongshape":
                    self._send(200, "application/json", b'{"unexpected": true}')
                elif mode in _EXCEPTIONS:
                    exc, msg = _EXCEPTIONS[mode]
                    self._send(200, "application/json", json.dumps(
                        {"exception": exc, "errorcode": mode, "message": msg}).encode())
                elif mode == "emptylist":
                    self._send(200, "application/json", b"[]")
                elif mode == "timeout":
                    time.sleep(sim.hang)
                    self._send(200, "application/json", b"[]")
                elif mode == "reset":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", "100000")
                    self.end_headers()
                    self.wfile.write(b'[{"id": 3, "username": "stud')
                    self.wfile.flush()
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()  # RST, not FIN

        return Handler


def refused_url() -> str:
    """A 127.0.0.1 URL where nothing listens (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


if __name__ == "__main__":  # manual use: python -m bench.moodle_sim
    with SimMoodle() as sim:
        print(f"simulated Moodle at {sim.url} (Ctrl-C to stop)")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
