"""A transport that answers from recorded responses instead of the network (demo, tests)."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from connector.errors import ReplayMissError
from connector.moodle.client import RawResponse

_CONTROL = {"wstoken", "wsfunction", "moodlewsrestformat"}


def request_key(fields: Iterable[tuple[str, str]]) -> tuple[str, tuple[tuple[str, str], ...]]:
    fields = list(fields)
    wsfunction = next((v for k, v in fields if k == "wsfunction"), "")
    params = tuple(sorted((k, str(v)) for k, v in fields if k not in _CONTROL))
    return wsfunction, params


class ReplayTransport:
    """Answers a request whose function and parameters were recorded; anything else is a miss."""

    def __init__(self, entries: Iterable[dict[str, Any]],
                 files: dict[str, tuple[str, bytes]] | None = None) -> None:
        self.files = dict(files or {})  # file URL without query → (content type, bytes)
        self._answers: dict[tuple, bytes] = {}
        self._any: list[tuple[str, dict[str, str], bytes]] = []  # answers recorded for any value of "*" params
        self.requests: list[tuple] = []
        self._lock = threading.Lock()
        for e in entries:
            params = {k: str(v) for k, v in e["params"].items() if k not in _CONTROL}
            body = json.dumps(e["response"]).encode()
            if "*" in params.values():
                self._any.append((e["wsfunction"], params, body))
            else:
                self._answers[(e["wsfunction"], tuple(sorted(params.items())))] = body

    @classmethod
    def from_bundle(cls, path: str | Path | None = None) -> ReplayTransport:
        if path is None:
            text = resources.files("connector").joinpath("demo/bundle.json").read_text("utf-8")
        else:
            text = Path(path).read_text("utf-8")
        bundle = json.loads(text)
        blobs = {k: base64.b64decode(v) for k, v in bundle.get("blobs", {}).items()}
        files = {url: (f["content_type"], blobs[f["blob"]]) for url, f in bundle.get("files", {}).items()}
        return cls(bundle["entries"], files)

    def get(self, url: str, params: list[tuple[str, str]], timeout: float, max_bytes: int) -> RawResponse:
        """A recorded file download (by its URL without query); an unknown file is a 404, as Moodle's."""
        with self._lock:
            self.requests.append(("pluginfile.php", (("url", url),)))
        got = self.files.get(url)
        if got is None:
            return RawResponse(404, "text/html", b"<html>Not found</html>")
        if len(got[1]) > max_bytes:
            from connector.errors import FileTooLargeError

            raise FileTooLargeError(f"file larger than {max_bytes // 1048576} MB: not copied")
        return RawResponse(200, got[0], got[1])

    def send(self, url: str, fields: list[tuple[str, str]], timeout: float) -> RawResponse:
        key = request_key(fields)
        with self._lock:
            self.requests.append(key)
        body = self._answers.get(key)
        if body is None:
            got = dict(key[1])
            body = next((b for fn, params, b in self._any if fn == key[0] and got.keys() == params.keys()
                         and all(v == "*" or got[k] == v for k, v in params.items())), None)
        if body is None:
            raise ReplayMissError(f"no recorded answer for {key[0]} with {dict(key[1])}", wsfunction=key[0])
        return RawResponse(200, "application/json; charset=utf-8", body)


def bundle_clock() -> int:
    text = resources.files("connector").joinpath("demo/bundle.json").read_text("utf-8")
    return int(json.loads(text)["clock"])
