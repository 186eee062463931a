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
from connector.store.queries import enrolment_counts, has_synced
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


PARALLEL_MIN_COURSES = 500  # below this many courses one process is quicker than starting another


@dataclass(frozen=True)
class _Shared:
    """What every programme's evaluation reads besides its own courses (loaded once per process)."""

    quality: tuple[CourseSnap, ...]
    evidence: tuple
    profile: AuditProfile
    complaints: object
    actions: object
    exams: object
    contracts: object
    fiches: object
    trainings: object


def _load_shared(s, settings: Settings, trainer_ids: list[int], now: int) -> _Shared:
    trainings = load_trainings(s, trainer_ids, settings.moodle.url) if settings.quality.trainers_category else None
    return _Shared(tuple(load_courses(s, settings.quality_courses, settings.moodle.url)),
                   load_register_evidence(s, now), audit_profile(settings),
                   load_complaints(s, settings.quality.complaints_register),
                   load_actions(s, settings.quality.improvement_register), load_results(s), load_contracts(s),
                   load_rncp(s), trainings)


def _evaluate(s, settings: Settings, shared: _Shared, batch: list[tuple[Programme, list[int]]], now: int
              ) -> list[tuple[Programme, list[Verdict], tuple[CourseSnap, ...]]]:
    out = []
    for prog, ids in batch:
        courses = tuple(load_courses(s, ids, settings.moodle.url))
        if not prog.rncp:  # RNCP/RS code from the courses' custom field
            code = next((c.customfields.get(prog.rncp_field) for c in courses
                         if (c.customfields.get(prog.rncp_field) or "").strip()), None)
            prog = dataclasses.replace(prog, rncp=code)
        inp = EvalInput(prog, courses, now, merged(settings.thresholds, prog.thresholds), shared.quality,
                        load_history(s, prog.code), shared.contracts, shared.fiches, shared.evidence, shared.profile,
                        shared.complaints, shared.actions, shared.trainings, shared.exams)
        out.append((prog, evaluate_programme(inp), tuple(slim(c) for c in courses)))
    return out


def _evaluate_in_worker(url: str, settings: Settings, trainer_ids: list[int],
                        batch: list[tuple[Programme, list[int]]], now: int) -> list:
    """A worker process's share: its own connection to the store, the shared inputs read again."""
    from connector.store.db import make_engine
    from connector.store.db import sessions as make_sessions

    engine = make_engine(url)
    try:
        with make_sessions(engine)() as s:
            return _evaluate(s, settings, _load_shared(s, settings, trainer_ids, now), batch, now)
    finally:
        engine.dispose()


def _split(batch: list[tuple[Programme, list[int]]], weights: dict[int, int], parts: int) -> list[list]:
    """Programmes in ``parts`` shares of about equal work (enrolments and courses), each share in config order."""
    loads, shares = [0] * parts, [[] for _ in range(parts)]
    work = [sum(weights.get(c, 0) + 50 for c in ids) for _, ids in batch]
    for i in sorted(range(len(batch)), key=lambda i: -work[i]):
        k = loads.index(min(loads))
        shares[k].append(i)
        loads[k] += work[i]
    return [[batch[i] for i in sorted(share)] for share in shares if share]


def evaluate_all(settings: Settings, sessions, batch: list[tuple[Programme, list[int]]], trainer_ids: list[int],
                 now: int, workers: int) -> list[tuple[Programme, list[Verdict], tuple[CourseSnap, ...]]]:
    """Every programme's verdicts, in config order; on a large site in ``workers`` processes (this one and
    workers − 1 started fresh, "spawn"), each reading its share of the courses from the store."""
    courses = sum(len(ids) for _, ids in batch)
    with sessions() as s:
        if workers <= 1 or len(batch) < 2 or courses < PARALLEL_MIN_COURSES:
            return _evaluate(s, settings, _load_shared(s, settings, trainer_ids, now), batch, now)
        weights = enrolment_counts(s)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    shares = _split(batch, weights, min(workers, len(batch)))
    url = sessions.kw["bind"].url.render_as_string(hide_password=False)
    with ProcessPoolExecutor(len(shares) - 1, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(_evaluate_in_worker, url, settings, trainer_ids, share, now) for share in shares[1:]]
        with sessions() as s:
            done = _evaluate(s, settings, _load_shared(s, settings, trainer_ids, now), shares[0], now)
        for f in futures:
            done += f.result()
    by_code = {prog.code: (prog, verdicts, snaps) for prog, verdicts, snaps in done}
    return [by_code[prog.code] for prog, _ in batch]


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
        unknown = unknown_programme_codes(s, {n for p in programmes for n in p.names})
    done = evaluate_all(settings, sessions, [(p, mapping[p.code]) for p in programmes], trainer_ids, now,
                        settings.reports.workers)
    results = [(prog, verdicts) for prog, verdicts, _ in done]
    snaps = {prog.code: courses for prog, _, courses in done}
    with transaction(sessions) as s:
        eid = save_evaluation(s, [v for _, vs in results for v in vs], now, sync_run_id)
    return EvaluationResult(eid, results, unmapped, now, snaps, unknown, audit_profile(settings), idle)
