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
            rest = tuple(loc[n + 1:])
            # the entry's code or name, unless that is the value found wrong (the message quotes it)
            name = None if rest[:1] in (("code",), ("name",)) else _entry_name(data, loc[:n + 1])
            return f"{label} n°{loc[n] + 1}" + (f" ({name})" if name else "") + (f" {_dotted(rest)}" if rest else "")
    if len(loc) == 1:
        return f"[{loc[0]}]" if isinstance((data or {}).get(loc[0]), dict) else str(loc[0])
    return f"[{loc[0]}] " + _dotted(loc[1:]) if loc else ""


def _entry_name(data: dict[str, Any] | None, path: tuple[Any, ...]) -> str | None:
    """The ``code`` (a programme) or ``name`` (a job) of the array entry at ``path`` in the file, if it has one."""
    entry: Any = data or {}
    try:
        for part in path:
            entry = entry[part]
    except (KeyError, IndexError, TypeError):
        return None
    name = (entry.get("code") or entry.get("name")) if isinstance(entry, dict) else None
    return name if isinstance(name, str) and name.strip() and len(name) <= 64 else None


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


def _is_table(key: str) -> bool:
    return key.startswith("[") and key.endswith("]") and " " not in key  # « [thresholds] », not a key in one


def _describe(err: dict[str, Any], key: str) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        what = "table" if _is_table(key) else "key"
        return f"{key}: unknown {what} (see config.example.toml for the valid {what}s)"
    if kind == "missing":
        return f"{key}: required key is missing"
    msg = err["msg"].removeprefix("Value error, ")
    got = err.get("input")
    if not key or isinstance(got, dict | list):  # a whole table: the message names what is wrong
        inner = re.match(r"([a-z_]+): ", msg) if isinstance(got, dict) else None
        if key and inner:  # « inactive_days: … » of [thresholds] → « [thresholds] inactive_days: … »
            joined = f"{key} {inner[1]}" if _is_table(key) else f"{key}.{inner[1]}"
            return f"{joined}: {msg[inner.end():]}"
        return f"{key}: {msg}" if key else msg
    return f"{key}: {msg} (got {repr(got)[:80]})"


def config_error(path: Path, err: Any, data: dict[str, Any], more: str = "") -> ConfigError:
    loc = tuple(err["loc"])
    env = _from_env(loc)
    key = env or config_key(loc, data)
    return ConfigError(f"config error in {'the environment' if env else path}: {_describe(err, key)}{more}")
