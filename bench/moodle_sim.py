"""A simulated Moodle on 127.0.0.1: a real HTTP server answering the connector's WS functions.

It answers either from recorded-shape entries (the demo bundle: recorded Moodle 4.5 answers
plus answers derived in the same shapes) or from a site generated from a seed and a size
(``bench.sitegen.GeneratedSite``). It counts calls per function, adds a latency per call, can
change a fraction of the generated data between two runs, and can be told to fail one function
in the ways a real network and a real Moodle fail (see ``FAULTS``). Used by the benchmark, the
fault-injection tests and the soak script.

Run alone (the benchmark starts it as a separate process, so that its memory and CPU are not
counted as the sync's)::

    python -m bench.moodle_sim --size large --seed 1 --latency 0.02
    # prints "READY http://127.0.0.1:PORT"; control: GET /_sim/calls, POST /_sim/reset,
    # POST /_sim/change?fraction=0.01, POST /_sim/fault?fn=…&mode=…&after=N, POST /_sim/heal
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
from urllib.parse import parse_qsl, urlsplit

from bench.sitegen import GeneratedSite, SimError
from connector.moodle.replay import request_key

FAULTS = {
    "html502": "HTTP 502 with a proxy's HTML error page",
    "html503": "HTTP 503 with an HTML maintenance page",
    "login200": "HTTP 200 with Moodle's HTML login page",
    "truncated": "HTTP 200, JSON cut in the middle",
    "wrongshape": "HTTP 200, valid JSON of the wrong shape",
    "invalidtoken": "Moodle's invalidtoken exception",
    "accessexception": "Moodle's accessexception (the sync user may not use the web service)",
    "nopermissions": "Moodle's required_capability_exception (a capability missing from the sync role)",
    "servicenotavailable": "Moodle's servicenotavailable (function not in the service)",
    "invalidparameter": "Moodle's invalidparameter exception",
    "timeout": "no answer before the client's read timeout",
    "reset": "connection reset in the middle of the body",
    "emptylist": "an empty list (e.g. no enrolled user in a course listed a moment ago)",
    "shift": "a correct answer, but an enrolment is added to the generated site before it (paging shifts)",
}

_EXCEPTIONS = {
    "invalidtoken": ("moodle_exception", "Invalid token - token not found"),
    "accessexception": ("webservice_access_exception", "Access control exception"),
    "nopermissions": ("core\\exception\\required_capability_exception",
                      "Sorry, but you do not currently have permissions to do that (View participants)."),
    "servicenotavailable": ("webservice_access_exception", "Web service is not available (it doesn't exist or might be disabled)"),
    "invalidparameter": ("invalid_parameter_exception", "Invalid parameter value detected"),
}


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up (timeout fault) or a reset is expected here


def bundle_entries() -> list[dict[str, Any]]:
    return json.loads(resources.files("connector").joinpath("demo/bundle.json").read_text("utf-8"))["entries"]


def unflatten(fields: list[tuple[str, str]]) -> dict[str, Any]:
    """PHP-style ``a[0][name]=x`` fields back into nested lists and dicts (what Moodle's PHP sees)."""
    root: dict[str, Any] = {}
    for key, value in fields:
        parts = key.replace("]", "").split("[")
        node: Any = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            nxt = parts[i + 1] if not last else None
            if isinstance(node, list):
                idx = int(part)
                while len(node) <= idx:
                    node.append({} if nxt is not None and not nxt.isdigit() else [])
                if last:
                    node[idx] = value
                else:
                    node = node[idx]
            else:
                if last:
                    node[part] = value
                else:
                    node = node.setdefault(part, [] if nxt.isdigit() else {})
    return root


class SimMoodle:
    """``with SimMoodle() as sim: sim.url`` — a Moodle root URL on 127.0.0.1.

    ``entries``: recorded-shape answers (default: the demo bundle); ``site``: a generated site instead.
    """

    def __init__(self, entries: list[dict[str, Any]] | None = None, latency: float = 0.0,
                 site: GeneratedSite | None = None, port: int = 0) -> None:
        self.site = site
        self.answers = {} if site else {
            (e["wsfunction"], tuple(sorted((k, str(v)) for k, v in e["params"].items()))): e["response"]
            for e in (entries if entries is not None else bundle_entries())}
        self.latency = latency
        self.calls: Counter[str] = Counter()
        self.fault: tuple[str, str, int] | None = None  # (wsfunction, mode, after n good calls)
        self.hang = 5.0  # seconds the "timeout" fault waits
        self._lock = threading.Lock()
        self._good: Counter[str] = Counter()
        self.server = _QuietServer(("127.0.0.1", port), self._handler())
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
                hit = self._good[fn] > self.fault[2]
                if hit and self.fault[1] == "shift" and self.site is not None:
                    self.site.enrol_new_learner()
                elif hit:
                    return self.fault[1], None
        if self.site is not None:
            try:
                with self._lock:  # the generated site's overrides change between runs: one answer at a time
                    return None, self.site.answer(fn, unflatten([(k, v) for k, v in params]))
            except SimError as exc:
                return None, exc.body
        key = (fn, params)
        if key not in self.answers:
            got = dict(params)  # an answer recorded for any value of a "*" parameter (as the replay transport)
            wild = next((a for (f, ps), a in self.answers.items() if f == fn and len(ps) == len(got) and any(
                v == "*" for _, v in ps) and all(v == "*" or got.get(k) == v for k, v in ps)), None)
            if wild is not None:
                return None, wild
            return None, {"exception": "invalid_parameter_exception", "errorcode": "invalidparameter",
                          "message": f"simulator: no answer for {fn} {dict(params)}"}
        return None, self.answers[key]

    def control(self, path: str, query: dict[str, str]) -> Any:
        """The /_sim/ endpoints the benchmark drives the simulator with from another process."""
        if path == "/_sim/calls":
            with self._lock:
                return dict(self.calls)
        if path == "/_sim/reset":
            with self._lock:
                calls, self.calls = dict(self.calls), Counter()
            return calls
        if path == "/_sim/change" and self.site is not None:
            with self._lock:
                return self.site.change(float(query.get("fraction", "0.01")), int(time.time()))
        if path == "/_sim/fault":
            self.fail(query["fn"], query["mode"], int(query.get("after", "0")))
            return {"ok": True}
        if path == "/_sim/heal":
            self.heal()
            return {"ok": True}
        if path == "/_sim/info" and self.site is not None:
            return {"courses": len(self.site.courses()), "enrolments": self.site.total_enrolments,
                    "report_rows": self.site.total_rows, "programmes": self.site.n_programmes}
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        sim = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def setup(self) -> None:
                super().setup()
                # headers and body leave in two writes: without this, Nagle + delayed ACK add ~40 ms per call
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _send(self, status: int, ctype: str, body: bytes, length: int | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body) if length is None else length))
                self.end_headers()
                self.wfile.write(body)

            def _control(self) -> bool:
                url = urlsplit(self.path)
                if not url.path.startswith("/_sim/"):
                    return False
                if self.command == "POST":
                    self.rfile.read(int(self.headers.get("Content-Length") or 0))
                out = sim.control(url.path, dict(parse_qsl(url.query)))
                if out is None:
                    self._send(404, "application/json", b'{"error": "unknown control"}')
                else:
                    self._send(200, "application/json", json.dumps(out).encode())
                return True

            def do_GET(self) -> None:
                if not self._control():
                    self._send(404, "text/html", b"<html>not found</html>")

            def do_POST(self) -> None:
                if self._control():
                    return
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


def main(argv: list[str] | None = None) -> None:
    import argparse
    import signal
    import sys

    ap = argparse.ArgumentParser(description="A simulated Moodle 4.5 on 127.0.0.1 (see the module's docstring).")
    ap.add_argument("--size", default=None, help="generate a site: tiny, small or large (default: the demo bundle)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--latency", type=float, default=0.0, help="seconds added to every WS call")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--clock", default="data", help="'data' (2026-11-24, the data set's clock) or 'now'")
    args = ap.parse_args(argv)
    site = None
    if args.size:
        clock = int(time.time()) if args.clock == "now" else GeneratedSite.clock
        site = GeneratedSite(seed=args.seed, size=args.size, clock=clock)
    sim = SimMoodle(latency=args.latency, site=site, port=args.port)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with sim:
        print(f"READY {sim.url}", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":  # python -m bench.moodle_sim --size large
    main()
