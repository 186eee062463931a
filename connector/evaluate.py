"""Evaluate every configured programme against the référentiel and store the verdicts."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

from connector.config import ProgrammeConfig, Settings
from connector.errors import NothingSyncedError
from connector.store.db import transaction
from connector.store.evidence import (
    load_category_refs,
    load_contracts,
    load_course_refs,
    load_courses,
    load_rncp,
    load_trainings,
)
from connector.store.queries import has_synced
from connector.store.registers import (
    load_actions,
    load_complaints,
    load_register_evidence,
    unknown_programme_codes,
)
from connector.store.results import load_results
from connector.store.verdicts import load_history, save_evaluation
from mappings.audit import AuditProfile
from mappings.indicators import evaluate_programme
from mappings.indicators.base import EvalInput
from mappings.model import CourseSnap, Verdict
from mappings.programmes import (
    CategoryRef,
    CourseRef,
    Programme,
    Rule,
    assign_programmes,
    idle_rules,
    rule_matches,
    rule_text,
)
from mappings.thresholds import merged

log = logging.getLogger(__name__)


def to_programme(p: ProgrammeConfig) -> Programme:
    rules = []
    for r in p.rules:
        if r.category is not None:
            rules.append(Rule("category", str(r.category), subcategories=r.subcategories))
        elif r.customfield is not None:
            rules.append(Rule("customfield", str(r.value), field=r.customfield))
        else:
            rules.append(Rule("prefix", str(r.prefix)))
    return Programme(p.code, p.title, p.action_category, p.alternance, p.rncp, p.rncp_field, p.duration_days,
                     p.uses_subcontractors, p.work_based, p.provider_is_subcontractor, tuple(rules),
                     dict(p.thresholds), p.certifying, p.duration_hours,
                     {code.strip().upper(): tuple(v) for code, v in p.blocs.items()})


def audit_profile(settings: Settings) -> AuditProfile:
    pv, au = settings.provider, settings.audit
    iso = lambda d: d.isoformat() if d else None
    return AuditProfile(pv.name, pv.siret, pv.nda, pv.certificate_number, pv.certifier,
                        iso(pv.certificate_valid_until), tuple(pv.categories), tuple(pv.sites), au.type,
                        iso(au.date), iso(au.period_start), iso(au.period_end), iso(pv.new_entrant_since),
                        {k: v.isoformat() for k, v in pv.new_entrant_categories.items()})


@dataclass
class EvaluationResult:
    evaluation_id: int
    programmes: list[tuple[Programme, list[Verdict]]]
    unmapped: list[CourseRef]
    data_time: int = 0
    courses: dict[str, tuple[CourseSnap, ...]] = dataclasses.field(default_factory=dict)  # programme code →
    unknown_codes: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (register entry, code)
    profile: AuditProfile = dataclasses.field(default_factory=AuditProfile)
    idle_rules: list[tuple[str, Rule, bool]] = dataclasses.field(default_factory=list)  # (code, rule, no category)


def trainers_courses(settings: Settings, refs: list[CourseRef], cats: dict[int, CategoryRef]) -> list[int]:
    """Courses of the trainers' training category and its subcategories (none when not configured)."""
    if not settings.quality.trainers_category:
        return []
    rule = Rule("category", str(settings.quality.trainers_category))
    return [r.id for r in refs if rule_matches(rule, r, cats)]


def slim(c: CourseSnap) -> CourseSnap:
    """What the reports still need once verdicts exist (course lines, teachers): memory stays flat."""
    return dataclasses.replace(c, sections=(), learners=(), feedbacks=(), forums=())


def run_evaluation(settings: Settings, sessions, now: int, sync_run_id: int | None = None) -> EvaluationResult:
    programmes = [to_programme(p) for p in settings.programmes]
    with sessions() as s:
        if not has_synced(s):
            raise NothingSyncedError("nothing synced yet: run `qualiopi-sync sync` first (the store has no "
                                     "successful sync to evaluate)")
        cats, refs = load_category_refs(s), load_course_refs(s)
        trainer_ids = trainers_courses(settings, refs, cats)
        apart = set(settings.quality_courses) | set(trainer_ids)  # not courses of a programme
        candidates = [r for r in refs if r.id not in apart]
        mapping, unmapped = assign_programmes(programmes, candidates, cats)
        idle = idle_rules(programmes, candidates, cats)
        for code, rule, no_category in idle:
            log.warning("programme %s: rule %s %s", code, rule_text(rule),
                        "names no category the sync user sees" if no_category else "matches no course")
        trainings = load_trainings(s, trainer_ids, settings.moodle.url) if settings.quality.trainers_category else None
        quality = tuple(load_courses(s, settings.quality_courses, settings.moodle.url))
        evidence = load_register_evidence(s, now)
        profile = audit_profile(settings)
        unknown = unknown_programme_codes(s, {n for p in programmes for n in p.names})
        complaints = load_complaints(s, settings.quality.complaints_register)
        actions = load_actions(s, settings.quality.improvement_register)
        exams = load_results(s)
        contracts = load_contracts(s)
        fiches = load_rncp(s)
        results, snaps = [], {}
        for prog in programmes:
            courses = tuple(load_courses(s, mapping[prog.code], settings.moodle.url))
            if not prog.rncp:  # RNCP/RS code from the courses' custom field
                code = next((c.customfields.get(prog.rncp_field) for c in courses
                             if (c.customfields.get(prog.rncp_field) or "").strip()), None)
                prog = dataclasses.replace(prog, rncp=code)
            inp = EvalInput(prog, courses, now, merged(settings.thresholds, prog.thresholds), quality,
                            load_history(s, prog.code), contracts, fiches, evidence, profile, complaints, actions, trainings, exams)
            results.append((prog, evaluate_programme(inp)))
            snaps[prog.code] = tuple(slim(c) for c in courses)
    with transaction(sessions) as s:
        eid = save_evaluation(s, [v for _, vs in results for v in vs], now, sync_run_id)
    return EvaluationResult(eid, results, unmapped, now, snaps, unknown, profile, idle)
