"""Moodle's PHP-style parameter flattening: ``courseids[0]=2``, ``options[0][name]=x``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def _scalar(value: Any) -> str:
    if isinstance(value, bool):  # PARAM_BOOL only accepts 0/1
        return "1" if value else "0"
    if value is None:
        raise ValueError("None cannot be sent to Moodle; omit the parameter instead")
    return str(value)


def flatten_params(params: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Flatten nested dicts/lists into Moodle's bracket form, keeping order.

    An empty list or dict produces nothing: Moodle cannot express an empty list,
    the parameter must be omitted.
    """
    out: list[tuple[str, str]] = []
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        out.extend(_flatten_value(name, value))
    return out


def _flatten_value(name: str, value: Any) -> list[tuple[str, str]]:
    if isinstance(value, Mapping):
        return flatten_params(value, name)
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        out: list[tuple[str, str]] = []
        for index, item in enumerate(value):
            out.extend(_flatten_value(f"{name}[{index}]", item))
        return out
    return [(name, _scalar(value))]


def options(**values: Any) -> list[dict[str, str]]:
    """Build Moodle's ``options[i][name|value]`` list from keyword arguments."""
    return [{"name": k, "value": _scalar(v)} for k, v in values.items()]
