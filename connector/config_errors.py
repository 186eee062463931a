"""A configuration error in one line, naming the key as the TOML file writes it (``[moodle] url``,
``[[programmes]] n°2 (TP) rules n°1 colour``) or the ``QUALIOPI_*`` variable that gave it."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from connector.errors import ConfigError

_ARRAYS = {("programmes",): "[[programmes]]", ("schedule", "jobs"): "[[schedule.jobs]]"}


def config_key(loc: tuple[Any, ...], data: dict[str, Any] | None = None) -> str:
    """A key as it is written in the TOML file: ``[moodle] url``, ``[[programmes]] n°2 (BTS-MCO) rules``,
    ``[[schedule.jobs]] n°1 (nightly) cron``; a table of its own, ``[foo]``; a top-level key, its name."""
    for head, label in _ARRAYS.items():
        n = len(head)
        if tuple(loc[:n]) == head and len(loc) > n and isinstance(loc[n], int):
            entry: Any = data or {}
            for part in loc[:n + 1]:
                entry = entry.get(part) if isinstance(entry, dict) else entry[part] if (
                    isinstance(entry, list) and isinstance(part, int) and part < len(entry)) else None
            name = entry.get("code") or entry.get("name") if isinstance(entry, dict) else None
            named = f" ({name})" if (isinstance(name, str) and name.strip() and len(name) <= 64
                                     and tuple(loc[n + 1:n + 2]) not in (("code",), ("name",))) else ""
            rest = _dotted(loc[n + 1:])
            return f"{label} n°{loc[n] + 1}{named}" + (f" {rest}" if rest else "")
    if len(loc) == 1:
        return f"[{loc[0]}]" if isinstance((data or {}).get(loc[0]), dict) else str(loc[0])
    return f"[{loc[0]}] " + _dotted(loc[1:]) if loc else ""


def _dotted(parts: tuple[Any, ...]) -> str:
    """``('rules', 0, 'category')`` → ``rules n°1 category`` (list entries counted from 1, as a reader does)."""
    words: list[str] = []
    for part in parts:
        if isinstance(part, int):
            words.append(f" n°{part + 1} ")
        else:
            words.append(("." if words and not words[-1].endswith(" ") else "") + str(part))
    return "".join(words).strip()


def _from_env(loc: tuple[Any, ...]) -> str | None:
    """The ``QUALIOPI_<TABLE>__<KEY>`` variable that gave this key, if one did (it beats the file); a list given
    as JSON in one variable (``QUALIOPI_SCHEDULE__JOBS``) is named with the place inside it."""
    names = {k.upper() for k in os.environ if k.upper().startswith("QUALIOPI_")}
    for end in range(len(loc), 1, -1):
        head = loc[:end]
        if all(isinstance(p, str) for p in head) and (name := "QUALIOPI_" + "__".join(head).upper()) in names:
            rest = _dotted(loc[end:])
            return f"{name} {rest}" if rest else name
    return None


def _describe(err: dict[str, Any], data: dict[str, Any] | None = None) -> str:
    key = _from_env(tuple(err["loc"])) or config_key(tuple(err["loc"]), data)
    kind = err["type"]
    if kind == "extra_forbidden":
        what = "table" if key.startswith("[") and key.endswith("]") else "key"
        return f"{key}: unknown {what} (see config.example.toml for the valid {what}s)"
    if kind == "missing":
        return f"{key}: required key is missing"
    msg = err["msg"].removeprefix("Value error, ")
    got = err.get("input")
    if not key or isinstance(got, dict | list):  # a whole table: the message names what is wrong
        inner = re.match(r"([a-z_]+): ", msg) if isinstance(got, dict) else None
        if key and inner:  # « inactive_days: … » of [thresholds] → « [thresholds] inactive_days: … »
            joined = f"{key} {inner[1]}" if key.endswith("]") and " " not in key else f"{key}.{inner[1]}"
            return f"{joined}: {msg[inner.end():]}"
        return f"{key}: {msg}" if key else msg
    return f"{key}: {msg} (got {repr(got)[:80]})"


def config_error(path: Path, err: Any, data: dict[str, Any], more: str = "") -> ConfigError:
    where = "the environment" if _from_env(tuple(err["loc"])) else path
    return ConfigError(f"config error in {where}: {_describe(err, data)}{more}")
