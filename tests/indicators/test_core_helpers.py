"""Small helpers of the functional core the mutation run found untested: HTML to text, French decimals,
RNCP levels, the threshold checks at their limits."""

from __future__ import annotations

import pytest

from mappings.rncp import level_label
from mappings.text import fr_decimal, plain_text
from mappings.thresholds import problems


def test_plain_text_skips_scripts_and_styles_even_nested_and_keeps_what_follows():
    html = ("<p>Objectifs</p><style>p { color: red }</style><script>if (a < b) { x() }</script>"
            "<div><script>one()</script><script>two()</script>suite</div>")
    assert plain_text(html) == "Objectifs suite"
    assert plain_text("</script>texte") == "texte"  # a stray end tag does not hide the text after it
    assert plain_text("a &amp; b", 2) == "a & b" and plain_text(None) == "" and plain_text("") == ""


def test_fr_decimal_rounds_to_two_places_by_default():
    assert fr_decimal(4.256) == "4,26" and fr_decimal(3.5) == "3,5" and fr_decimal(4.0) == "4"
    assert fr_decimal(2.26, 1) == "2,3"
    assert fr_decimal(7.6, 0) == "8"


@pytest.mark.parametrize(("niveau", "label"), [
    ("NIV5", "niveau 5"), ("niv6", "niveau 6"), ("REPRISE", "sans niveau"),
    (None, "sans niveau (répertoire spécifique)"), ("X", "X")])
def test_rncp_level_labels(niveau, label):
    assert level_label(niveau) == label


@pytest.mark.parametrize(("key", "value", "ok"), [
    ("positioning_min", 1, True), ("positioning_min", 1.01, False), ("coverage_min", 0, True),
    ("satisfaction_min", 1, True), ("satisfaction_min", 5, True), ("satisfaction_min", 0.99, False),
    ("satisfaction_min", 5.01, False), ("require_groups", 1, True), ("require_groups", 2, False),
    ("inactive_days", 0, True), ("inactive_days", -1, False)])
def test_thresholds_at_the_limits_of_their_ranges(key, value, ok):
    assert (problems({key: value}) == []) is ok
