"""Default thresholds of the evaluators; the TOML's [thresholds] and a programme's own override them."""

from __future__ import annotations

from collections.abc import Mapping

DEFAULTS: dict[str, float | str | list[str]] = {
    # 1 — public information: item=custom field shortname, for the items whose field is not info_<item>
    "public_info_fields": [],
    # 6 and 10 — the course's declared modality scales their checks
    "modality_field": "modalite",  # course custom field: présentiel / distanciel / mixte (as displayed)
    # 6 — contents
    "summary_min_chars": 200,  # visible text of the course summary
    "required_customfields": ["modalite"],  # plus the RNCP field for certifying programmes
    # 8 — positioning
    "positioning_pattern": "positionnement|test d'entrée|test d’entrée",  # substrings of the
    # name or idnumber of the positioning activities (lower case, | between them); their completion is read
    # per learner
    "positioning_grace_days": 7,  # completed up to this many days after the course start still counts as "at the start"
    "positioning_min": 0.8,  # share of learners positioned for couvert
    # 10 — follow-up
    "teacher_recent_days": 30,
    "require_groups": 0,  # 1: learners must be in groups
    # 12 — engagement
    "inactive_days": 30,
    "duration_field": "duree_heures",  # course custom field holding the course's duration in hours
    "dropout_inactive_days": 60,
    # 13 — apprenticeship coordination
    "checkpoint_pattern": "ALT-",  # in the idnumber or name of coordination activities
    # 22 — trainers' skills
    "trainer_training_months": 24,  # a training completed in the trainers' category within this many months
    # 30 — appreciations
    "response_rate_warn": 0.50,
    "satisfaction_min": 3.5,  # on the 1–5 scale of rated items
    "satisfaction_items": ["q_global", "q_contenu", "q_formateur"],  # rated (1–5) or numeric (min|max) items
    "audience_companies_pattern": r"entreprise|tuteur|employeur|ma[iî]tre d",  # regex on survey name / idnumber
    "audience_funders_pattern": r"financeur|opco",
    "audience_trainers_pattern": r"formateur|intervenant",
    "assessment_survey_pattern": r"acquis|connaissances|quiz",  # a survey assessing learning, not an appreciation
    # 31 — complaints and difficulties
    "complaints_pattern": r"r[ée]clamation|plainte|QUALIOPI-I31",  # regex on forum / feedback names
    "complaint_ack_days": 2,  # a complaint is acknowledged within this many days (register)
    "complaint_answer_days": 15,  # answered within this many days (register and forum); past it: overdue
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


_RATIOS = {"response_rate_warn", "coverage_min", "positioning_min"}
_REGEXES = {"checkpoint_pattern", "audience_companies_pattern", "audience_funders_pattern", "audience_trainers_pattern",
            "assessment_survey_pattern", "complaints_pattern", "difficulty_words"}
_SCALE_1_5 = {"satisfaction_min", "difficulty_max_score"}


def problems(layer: Mapping[str, object]) -> list[str]:
    """What is wrong in a [thresholds] table (global or a programme's): unknown keys, wrong types, values out
    of range, regexes and format strings that do not compile. Empty when all is well."""
    import re
    from difflib import get_close_matches

    out = []
    for key, value in layer.items():
        if key not in DEFAULTS:
            near = get_close_matches(key, list(DEFAULTS), n=1)
            out.append(f"{key}: unknown threshold" + (f" (did you mean {near[0]}?)" if near else ""))
            continue
        default = DEFAULTS[key]
        if isinstance(default, list):
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                out.append(f"{key}: a list of names is expected (got {value!r})")
            continue
        if isinstance(default, str):
            if not isinstance(value, str):
                out.append(f"{key}: a text is expected (got {value!r})")
            elif key in _REGEXES:
                try:
                    re.compile(value)
                except re.error as exc:
                    out.append(f"{key}: not a valid regular expression ({exc})")
            elif key == "evidence_pattern":
                try:
                    value.format(n=1)
                except (KeyError, IndexError, ValueError) as exc:
                    out.append(f"{key}: not a valid pattern, use {{n:02d}} for the indicator number ({exc})")
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            out.append(f"{key}: a number is expected (got {value!r})")
        elif value < 0:
            out.append(f"{key}: must not be negative (got {value!r})")
        elif key in _RATIOS and value > 1:
            out.append(f"{key}: a share between 0 and 1 is expected (got {value!r}; 20 % is 0.2)")
        elif key in _SCALE_1_5 and not 1 <= value <= 5:
            out.append(f"{key}: a score between 1 and 5 is expected (got {value!r})")
        elif key == "require_groups" and value not in (0, 1):
            out.append(f"{key}: 0 or 1 is expected (got {value!r})")
    return out
