"""Text from Moodle (names, titles, messages) on a terminal or in a log: no control or bidi characters.

A course or user name holding ``ESC [ 2 J`` or a right-to-left override would clear the sysadmin's screen or
reorder what they read; such characters are dropped (tabs and newlines are kept)."""

from __future__ import annotations

import logging
import re

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: object) -> str:
    return _UNSAFE.sub("", redact_text(text))


class SafeFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return terminal_safe(redact_text(super().format(record)))


# Secrets of this process (the Moodle token, the SMTP password): every text that is stored or printed —
# push records, sync errors, logs — passes ``redact_text``, whatever produced it (Moodle and SMTP servers
# echo what they were sent).
_SECRETS: set[str] = set()


def register_secret(secret: str | None) -> None:
    if secret and len(secret) >= 6:
        _SECRETS.add(secret)


def redact_text(text: object) -> str:
    out = str(text) if text is not None else ""
    for secret in sorted(_SECRETS, key=len, reverse=True):
        out = out.replace(secret, "***")
    return out


def one_line(text: object, limit: int = 240) -> str:
    """An error detail fit for one log or status line: markup dropped, whitespace folded, cut at a word
    boundary past ``limit`` characters (a Moodle answer may echo the whole HTML message it refused)."""
    from mappings.text import plain_text

    out = str(text) if text is not None else ""
    if "<" in out and ">" in out:
        out = plain_text(out)
    out = " ".join(out.split())
    if len(out) <= limit:
        return out
    cut = out[:limit].rsplit(" ", 1)[0] if " " in out[:limit] else out[:limit]
    return f"{cut} … ({len(out)} characters)"
