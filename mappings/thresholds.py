"""Default thresholds of the evaluators; the TOML's [thresholds] and a programme's own override them."""

from __future__ import annotations

from collections.abc import Mapping

DEFAULTS: dict[str, float | str | list[str]] = {
    # 6 — contents
    "summary_min_chars": 200,  # visible text of the course summary
    "required_customfields": ["modalite"],  # plus the RNCP field for certifying programmes
    # 10 — follow-up
    "teacher_recent_days": 30,
    "require_groups": 0,  # 1: learners must be in groups
    # 12 — engagement
    "inactive_days": 30,
    "dropout_inactive_days": 60,
    "dropout_rate_warn": 0.20,
    "dropout_rate_fail": 0.40,
    # 13 — apprenticeship coordination
    "checkpoint_pattern": "ALT-",  # in the idnumber or name of coordination activities
    # 30 — appreciations
    "response_rate_warn": 0.50,
    "satisfaction_min": 3.5,  # on the 1–5 scale of rated items
    "satisfaction_items": ["q_global", "q_contenu", "q_formateur"],  # rated (1–5) or numeric (min|max) items
    "audience_companies_pattern": r"entreprise|tuteur|employeur|ma[iî]tre d",  # regex on survey name / idnumber
    "audience_funders_pattern": r"financeur|opco",
    "audience_trainers_pattern": r"formateur|intervenant",
    # 31 — complaints and difficulties
    "complaints_pattern": r"r[ée]clamation|plainte|QUALIOPI-I31",  # regex on forum / feedback names
    "complaint_answer_days": 7,  # a complaint unanswered after this many days is overdue
    "difficulty_max_score": 2,  # a rated answer at or below this (1–5) is a difficulty to treat
    "difficulty_words": r"r[ée]clamation|plainte|probl[èe]me|insatisf|d[ée]çu",  # in free-text answers
    # programme status over its courses: share of courses whose checks pass for "couvert"
    "coverage_min": 0.8,
    # evidence presence
    "evidence_pattern": "QUALIOPI-I{n:02d}",
    "evidence_max_age_days": 365,
}


def merged(*layers: Mapping[str, object]) -> dict[str, object]:
    out: dict[str, object] = dict(DEFAULTS)
    for layer in layers:
        out.update(layer)
    return out
