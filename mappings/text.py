"""Plain text out of Moodle HTML (for lengths and keyword checks, not for display)."""

from __future__ import annotations

import html
import re
import unicodedata
from html.parser import HTMLParser


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def plain_text(value: str | None, fmt: int = 1) -> str:
    if not value:
        return ""
    if fmt == 2:  # PLAIN
        text = html.unescape(value)
    else:
        p = _Text()
        p.feed(value)
        p.close()
        text = " ".join(p.parts)
    return re.sub(r"\s+", " ", text).strip()


def fr_day(t: int, tz: str = "Europe/Paris") -> str:
    """A Unix time as the French date of the provider's zone: 30/11/2026."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.fromtimestamp(t, ZoneInfo(tz)).strftime("%d/%m/%Y")


def fr_pct(ratio: float) -> str:
    """0.357 → "35,7 %" (fr_FR: decimal comma, non-breaking space; as the reports print rates)."""
    value = round(ratio * 100, 1)
    text = f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",")
    return f"{text}\u00a0%"


def fr_int(n: int) -> str:
    """4897 → "4 897" (fr_FR: thousands grouped by a narrow no-break space, as the reports print numbers)."""
    return f"{n:,}".replace(",", "\u202f")


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """``plural(1, "réclamation")`` → "1 réclamation"; in French 0 and 1 take the singular, 2 or more the plural;
    ``plural(4897, "apprenant")`` → "4 897 apprenants"."""
    return f"{fr_int(n)} {singular if abs(n) < 2 else (plural_form or singular + 's')}"


def sentence(text: str) -> str:
    """First letter up, the rest untouched (``str.capitalize`` would lower "RNCP" and "France compétences")."""
    return text[:1].upper() + text[1:]


def fr_decimal(value: float, places: int = 2) -> str:
    """4.25 → "4,25"; 3.5 → "3,5" (fr_FR decimal comma, no trailing zero)."""
    text = f"{value:.{places}f}".rstrip("0").rstrip(".") if places else f"{value:.0f}"
    return text.replace(".", ",")


def words(text: str) -> str:
    """Lower case, no accents, no punctuation: how a name is recognised in free text (« Contrôle mensuel du
    chauffage » in « contrôle mensuel du chauffage des salles »)."""
    flat = unicodedata.normalize("NFKD", text.casefold())
    flat = "".join(ch for ch in flat if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", flat).split())
