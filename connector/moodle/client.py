"""Moodle REST client: POST /webservice/rest/server.php with moodlewsrestformat=json.

The transport is injectable (requests by default; a replay transport for the
demo). Moodle ``exception`` bodies become typed errors, transport failures a
TransportError; reads are retried with backoff, writes never. The token is kept
out of logs, exception texts and reprs.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests
from pydantic_core import from_json
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from connector import errors
from connector.moodle.functions import FUNCTIONS, is_write
from connector.moodle.params import flatten_params
from connector.safe_text import redact_text, register_secret

log = logging.getLogger(__name__)

REST_PATH = "/webservice/rest/server.php"
UPLOAD_PATH = "/webservice/upload.php"
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class RawResponse:
    status: int
    content_type: str
    body: bytes


class Transport(Protocol):
    def send(self, url: str, fields: list[tuple[str, str]], timeout: float) -> RawResponse: ...


class RequestsTransport:
    """Real HTTP through a shared requests.Session (connection pooling).

    The environment (``HTTPS_PROXY``, ``NO_PROXY``, ``REQUESTS_CA_BUNDLE``…) is honoured as requests does, but
    read once per address rather than on every call: requests looked it up, and for netrc files on disk, each
    time (a quarter of its cost per call, ≈ 5 s of CPU over a 5,000-course sync). A netrc file is not read:
    the token is the only credential sent.
    """

    def __init__(self, connect_timeout: float = 10.0, pool_size: int = 8) -> None:
        self.connect_timeout = connect_timeout
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        self._proxies: dict[str, dict[str, str]] = {}
        self.adapter = requests.adapters.HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size)
        self.session.mount("http://", self.adapter)
        self.session.mount("https://", self.adapter)
        self.session.headers["User-Agent"] = "qualiopi-sync"
        self._urls: dict[str, str] = {}

    def send(self, url: str, fields: list[tuple[str, str]], timeout: float) -> RawResponse:
        """A WS call: a form POST handed straight to the connection pool. The session's per-call work (cookies,
        hooks, settings merged again) is skipped: half of requests' CPU per call, ≈ 4 s over a 5,000-course
        sync."""
        if url not in self._urls:
            prepared = requests.PreparedRequest()
            prepared.prepare_url(url, None)
            self._urls[url] = prepared.url
        req = requests.PreparedRequest()
        req.method = "POST"
        req.url = self._urls[url]
        req.body = urlencode(fields)
        req.headers = requests.structures.CaseInsensitiveDict(self.session.headers)  # as the session sends them
        req.headers.update({"Content-Type": "application/x-www-form-urlencoded", "Content-Length": str(len(req.body))})
        req.hooks = {"response": []}
        return self._guarded(url, timeout, lambda: self.adapter.send(
            req, timeout=(self.connect_timeout, timeout), verify=self.session.verify, proxies=self.proxies_for(url)))

    def upload(self, url: str, fields: list[tuple[str, str]], files: list[tuple[str, bytes, str]],
               timeout: float) -> RawResponse:
        parts = [(f"file_{i}", (name, data, ctype)) for i, (name, data, ctype) in enumerate(files, 1)]
        return self._post(url, timeout, data=fields, files=parts)

    def get(self, url: str, params: list[tuple[str, str]], timeout: float, max_bytes: int) -> RawResponse:
        """A file download: streamed, at most ``max_bytes``; redirects are not followed (the token
        would go with them)."""
        return self._request("get", url, timeout, max_bytes=max_bytes, params=params, stream=True,
                             allow_redirects=False)

    def _post(self, url: str, timeout: float, **kwargs: Any) -> RawResponse:
        return self._request("post", url, timeout, allow_redirects=False, **kwargs)  # the token stays here

    def proxies_for(self, url: str) -> dict[str, str]:
        """The proxies the environment gives for this address (none where ``NO_PROXY`` names it)."""
        parts = urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}"
        if base not in self._proxies:
            self._proxies[base] = requests.utils.get_environ_proxies(base)
        return self._proxies[base]

    def _request(self, method: str, url: str, timeout: float, max_bytes: int | None = None,
                 **kwargs: Any) -> RawResponse:
        return self._guarded(url, timeout, lambda: self.session.request(
            method, url, timeout=(self.connect_timeout, timeout), proxies=self.proxies_for(url), **kwargs), max_bytes)

    def _guarded(self, url: str, timeout: float, request: Callable[[], requests.Response],
                 max_bytes: int | None = None) -> RawResponse:
        """Send, read the body (at most ``max_bytes``), and turn requests' failures into TransportErrors."""
        host = urlsplit(url).netloc
        try:
            resp = request()
            if resp.is_redirect or resp.is_permanent_redirect:
                target = urlsplit(resp.headers.get("Location", ""))
                raise errors.TransportError(
                    f"{host} answered with a redirect (HTTP {resp.status_code}) to "
                    f"{target.scheme + '://' if target.scheme else ''}{target.netloc}{target.path}: not followed, "
                    "the token is never sent elsewhere; if Moodle moved, set [moodle] url to its address")
            if max_bytes is None:
                body = resp.content
            else:
                chunks, size = [], 0
                for chunk in resp.iter_content(65536):
                    size += len(chunk)
                    if size > max_bytes:
                        resp.close()
                        raise errors.FileTooLargeError(f"file larger than {max_bytes // 1048576} MB: not copied")
                    chunks.append(chunk)
                body = b"".join(chunks)
        except requests.exceptions.ConnectTimeout:
            raise errors.TransportError(
                f"connection to {host} timed out: check [moodle] url and that Moodle is reachable"
            ) from None
        except requests.exceptions.ReadTimeout:
            raise errors.TransportError(
                f"Moodle at {host} did not answer within {timeout:g} s: raise [moodle] timeout "
                "or check the server load"
            ) from None
        except requests.exceptions.ConnectionError as exc:
            kind = "connection reset" if "reset" in str(exc).lower() else "connection refused or lost"
            raise errors.TransportError(
                f"{kind} talking to {host}: check [moodle] url and that Moodle is running"
            ) from None
        except requests.exceptions.ChunkedEncodingError:
            raise errors.TransportError(f"connection to {host} broke in the middle of the answer") from None
        except requests.exceptions.RequestException as exc:
            raise errors.TransportError(f"HTTP error talking to {host}: {type(exc).__name__}") from None
        return RawResponse(resp.status_code, resp.headers.get("Content-Type", ""), body)


_ACCESS_DENIED = {
    "nopermissions",
    "requireloginerror",
    "errorcoursecontextnotvalid",
    "requirecapability",
    "nopermissiontoviewcourse",
}


def access_advice(wsfunction: str, code: str, message: str) -> str:
    """The fix of an access-denied answer: the capability Moodle names (by its description), else the
    capabilities of the function."""
    from connector.moodle.capabilities import capability_from_message

    fn = FUNCTIONS.get(wsfunction)
    named = capability_from_message(message, fn.capabilities if fn else ()) if code == "nopermissions" else None
    if code == "cannotviewreport":  # only asked of courses with completion enabled
        named = ("report/completion:view (or enable completion tracking: Site administration > Advanced "
                 "features)")
    if named:
        return f"grant the sync user's role {named} (system context)"
    caps = ", ".join(fn.capabilities) if fn else "see README"
    return f"grant the sync user's role these capabilities: {caps}"


def error_from_body(wsfunction: str, body: dict[str, Any]) -> errors.MoodleError:
    """Map a Moodle ``{"exception", "errorcode", "message"}`` body to a typed error."""
    code = str(body.get("errorcode") or "")
    message = str(body.get("message") or body.get("error") or "")
    args = dict(
        wsfunction=wsfunction,
        errorcode=code,
        moodle_message=message,
        exception=str(body.get("exception") or ""),
        debuginfo=body.get("debuginfo"),
    )
    if code == "invalidtoken":
        return errors.InvalidTokenError(**args)
    if code in {"accessexception", "servicenotavailable"}:
        return errors.FunctionNotAvailableError(**args)
    if code == "invalidrecord" and "external_functions" in message:
        return errors.FunctionNotAvailableError(
            **args, advice="this Moodle does not know the function: Moodle 4.5 or later is required"
        )
    if code in _ACCESS_DENIED:
        return errors.AccessDeniedError(**args, advice=access_advice(wsfunction, code, message))
    if code == "invalidparameter":
        return errors.InvalidParameterError(**args)
    if code == "invalidrecord":
        return errors.RecordNotFoundError(**args)
    return errors.MoodleError(**args)


def http_error(wsfunction: str, status: int) -> errors.QualiopiSyncError:
    """An HTTP error status for a web-service call: a wrong address and a refused service are settings to fix,
    not retried (Moodle's server.php answers 403 when web services or the REST protocol are off); the rest
    (5xx, 429…) is transient."""
    where = f"HTTP {status} from Moodle for {wsfunction}"
    if status == 404:
        return errors.ConfigError(f"{where}: no web service at this address; [moodle] url must be the site's "
                                  "address (what comes before /login/index.php), without /webservice/…")
    if status in (401, 403):
        return errors.WebServiceOffError(
            f"{where}: the web-service address is refused; enable web services (Site administration > General > "
            "Advanced features) and the REST protocol (Site administration > Server > Web services > Manage "
            "protocols), or let this machine through the proxy in front of Moodle")
    return errors.TransportError(f"{where}: Moodle or its proxy failed", wsfunction=wsfunction)


def decode_response(wsfunction: str, raw: RawResponse) -> Any:
    """Turn an HTTP answer into parsed JSON or raise the right typed error."""
    if raw.status >= 400:
        raise http_error(wsfunction, raw.status)
    data = _fast_json(raw.body)
    if data is _REFUSED:
        data = _slow_json(wsfunction, raw.body)
    if isinstance(data, dict) and "exception" in data and "errorcode" in data:
        raise error_from_body(wsfunction, data)
    return data


_REFUSED = object()


def _fast_json(body: bytes) -> Any:
    """Rust's JSON parser (pydantic's: 40 % less CPU than json's), or ``_REFUSED`` for what it does not read (not
    an array or object, not UTF-8, truncated): that takes the long way."""
    if body[:1] not in (b"[", b"{"):
        return _REFUSED
    try:
        return from_json(body)
    except ValueError:
        return _REFUSED


def _slow_json(wsfunction: str, body: bytes) -> Any:
    """The standard library's reading of a body, with the error that says what came instead of JSON."""
    text = body.decode("utf-8", errors="replace")
    stripped = text.lstrip()
    if stripped.startswith("<"):
        what = "an XML" if stripped.startswith("<?xml") else "an HTML page (login, error or proxy page)"
        raise errors.TransportError(
            f"Moodle answered {wsfunction} with {what} instead of JSON: check [moodle] url "
            "points to the Moodle root and that the REST protocol is enabled",
            wsfunction=wsfunction,
        )
    try:
        data = json.loads(text) if stripped else None
    except json.JSONDecodeError:
        raise errors.TransportError(
            f"Moodle answered {wsfunction} with malformed or truncated JSON "
            f"({len(body)} bytes): retry later; if it persists check the Moodle error log",
            wsfunction=wsfunction,
        ) from None
    return data


class MoodleClient:
    """``client.call("core_course_get_contents", courseid=2)`` → parsed JSON."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        transport: Transport | None = None,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 1.0,
        concurrency: int = 4,
    ) -> None:
        self.url = url.rstrip("/")
        self.__token = token
        register_secret(token)
        self.transport = transport or RequestsTransport()
        self.timeout = timeout
        self.retries = max(1, retries)
        self.backoff = backoff
        self.concurrency = max(1, concurrency)
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        # calls in flight at once, whoever makes them (threads of their own, nested pools: a contents chunk's
        # page texts)
        self._in_flight = threading.BoundedSemaphore(self.concurrency)

    def __repr__(self) -> str:
        return f"MoodleClient(url={self.url!r}, token='***')"

    def redact(self, text: str) -> str:
        return redact_text(text.replace(self.__token, "***") if self.__token else text)

    def _scrub(self, exc: errors.QualiopiSyncError) -> None:
        """Never let the token escape in an error: its message and the texts Moodle sent (message, debug info)."""
        exc.args = tuple(self.redact(str(a)) for a in exc.args)
        if isinstance(exc, errors.MoodleError):
            exc.moodle_message = self.redact(exc.moodle_message)
            exc.debuginfo = self.redact(exc.debuginfo) if exc.debuginfo else exc.debuginfo

    def call(self, wsfunction: str, **params: Any) -> Any:
        fields = [
            ("wstoken", self.__token),
            ("wsfunction", wsfunction),
            ("moodlewsrestformat", "json"),
            *flatten_params(params),
        ]
        attempts = 1 if is_write(wsfunction) else self.retries
        retrying = Retrying(
            stop=stop_after_attempt(attempts),
            wait=wait_exponential(multiplier=self.backoff, max=30),
            retry=retry_if_exception_type(errors.TransportError),
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._once(wsfunction, fields)
        except errors.QualiopiSyncError as exc:
            self._scrub(exc)
            raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _once(self, wsfunction: str, fields: list[tuple[str, str]]) -> Any:
        with self._lock:
            self.calls[wsfunction] += 1
        log.debug("call %s", wsfunction)
        with self._in_flight:
            raw = self.transport.send(self.url + REST_PATH, fields, self.timeout)
        return decode_response(wsfunction, raw)

    def upload(self, files: list[tuple[str, bytes, str]]) -> int:
        """Files (name, bytes, content type) into a new draft area through upload.php; returns its item id.

        A write: never retried. upload.php answers errors as ``{"error", "errorcode"}`` with HTTP 200.
        """
        fields = [("token", self.__token), ("filearea", "draft"), ("itemid", "0"), ("filepath", "/")]
        with self._lock:
            self.calls["upload.php"] += 1
        try:
            with self._in_flight:
                raw = self.transport.upload(self.url + UPLOAD_PATH, fields, files, self.timeout)  # type: ignore[attr-defined]
            data = decode_response("upload.php", raw)
            if isinstance(data, dict) and "errorcode" in data:
                raise error_from_body("upload.php", data)
            if not isinstance(data, list) or not data or "itemid" not in data[0]:
                raise errors.UnexpectedPayloadError("upload.php answered without a draft item id",
                                                    wsfunction="upload.php")
            return int(data[0]["itemid"])
        except errors.QualiopiSyncError as exc:
            self._scrub(exc)
            raise

    def download(self, fileurl: str, max_bytes: int) -> tuple[str, bytes]:
        """(content type, bytes) of a file Moodle lists (``…/webservice/pluginfile.php/…``).

        Only files of this Moodle: the token never goes to another address. Moodle answers a refused
        download with HTTP 200 and a JSON error body: the type is checked before the bytes are kept.
        """
        parts, root = urlsplit(fileurl), urlsplit(self.url)
        if (parts.scheme, parts.netloc) != (root.scheme, root.netloc) or "/pluginfile.php/" not in parts.path:
            raise errors.TransportError(f"not a file of this Moodle: {parts.netloc}{parts.path}")
        with self._lock:
            self.calls["pluginfile.php"] += 1
        url = fileurl.split("?", 1)[0]
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "token"]
        try:
            with self._in_flight:
                raw = self.transport.get(url, [*query, ("token", self.__token)], self.timeout,  # type: ignore[attr-defined]
                                         max_bytes)
            if raw.status >= 400:
                raise errors.TransportError(f"HTTP {raw.status} downloading {parts.path.rsplit('/', 1)[-1]}")
            if raw.content_type.split(";")[0].strip().lower() == "application/json":
                data = decode_response("pluginfile.php", raw)
                raise error_from_body("pluginfile.php", data if isinstance(data, dict) else {})
            return raw.content_type, raw.body
        except errors.QualiopiSyncError as exc:
            self._scrub(exc)
            raise

    def map(self, func: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """Run ``func`` over ``items`` with bounded concurrency; results keep the input order."""
        items = list(items)
        if self.concurrency == 1 or len(items) <= 1:
            return [func(i) for i in items]
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            return list(pool.map(func, items))

    def map_ahead(self, func: Callable[[T], R], chunks: Iterable[Sequence[T]]
                  ) -> Iterator[tuple[Sequence[T], list[R]]]:
        """``map`` over each chunk, in order, with the next chunk's calls already running while the caller
        handles this one's results (writes them): waiting for Moodle and writing overlap. Two chunks of results
        at most are held; if the caller stops (an error), the calls not started are dropped."""
        chunks = list(chunks)
        if self.concurrency == 1:
            for chunk in chunks:
                yield chunk, [func(i) for i in chunk]
            return
        pool = ThreadPoolExecutor(max_workers=self.concurrency)
        try:
            ahead = [pool.submit(func, i) for i in chunks[0]] if chunks else []
            for k, chunk in enumerate(chunks):
                current = ahead
                ahead = [pool.submit(func, i) for i in chunks[k + 1]] if k + 1 < len(chunks) else []
                yield chunk, [f.result() for f in current]
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def reset_counts(self) -> Counter[str]:
        with self._lock:
            counts, self.calls = self.calls, Counter()
        return counts
