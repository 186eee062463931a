"""Indicator 16 — certification conditions: evidence presence plus the RNCP/RS code checked."""

from __future__ import annotations

from mappings.indicators.base import EvalInput
from mappings.indicators.rncp_link import evaluate_with_rncp
from mappings.model import Verdict

NUMBER = 16
CHECKS = ("preuve présente", "code RNCP/RS existant et actif")
INPUTS = ("module idnumber or name", "programme RNCP/RS code", "France compétences export")


def evaluate(inp: EvalInput) -> Verdict:
    return evaluate_with_rncp(NUMBER, inp)
