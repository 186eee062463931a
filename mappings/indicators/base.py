"""What every evaluator receives, and small helpers shared by them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from mappings.audit import AuditProfile
from mappings.model import (
    ActionSnap,
    ComplaintSnap,
    ContractSnap,
    CourseSnap,
    CourseVerdict,
    Evidence,
    Finding,
    Outcome,
    RncpFicheSnap,
    TrainingSnap,
    Verdict,
    Where,
)
from mappings.programmes import Programme


@dataclass(frozen=True)
class EvalInput:
    programme: Programme
    courses: tuple[CourseSnap, ...]
    now: int
    thresholds: Mapping[str, object]
    quality_courses: tuple[CourseSnap, ...] = ()  # where provider-wide evidence lives
    history: Mapping[int, tuple[Mapping[str, object], ...]] = field(default_factory=dict)  # earlier figures
    contracts: Mapping[int, tuple[ContractSnap, ...]] | None = None  # user id → contracts; None: not imported
    rncp: Mapping[str, RncpFicheSnap] | None = None  # numero → fiche; None: open data not imported
    evidence: tuple[Evidence, ...] = ()  # entries of the evidence register (Moodle or spreadsheet)
    profile: AuditProfile = field(default_factory=AuditProfile)  # identity, scope, coming audit, new entrant
    complaints: tuple[ComplaintSnap, ...] | None = None  # the complaints register; None: no register kept
    actions: tuple[ActionSnap, ...] | None = None  # the continuous-improvement plan; None: no plan kept
    trainings: Mapping[int, tuple[TrainingSnap, ...]] | None = None  # user id → trainers' trainings; None: no
    # trainers' training category configured

    def t(self, key: str) -> object:
        return self.thresholds[key]

    @property
    def visible_courses(self) -> tuple[CourseSnap, ...]:
        return tuple(c for c in self.courses if c.visible)


def where(course: CourseSnap, section: str | None = None, activity: str | None = None,
          learner: str | None = None) -> Where:
    return Where(course=course.shortname, course_id=course.id, section=section, activity=activity,
                 learner=learner, url=course.url)


def finding(course: CourseSnap, what: str, why: str, fix: str, *, severity: Outcome = Outcome.FAILED,
            section: str | None = None, activity: str | None = None, learner: str | None = None,
            audience: str = "teacher") -> Finding:
    return Finding(what, where(course, section, activity, learner), why, fix, severity, audience)


def outcome_of(findings: list[Finding]) -> Outcome:
    if any(f.severity == Outcome.FAILED for f in findings):
        return Outcome.FAILED
    if any(f.severity == Outcome.WARN for f in findings):
        return Outcome.WARN
    return Outcome.PASSED


def check_visible_courses(
    inp: EvalInput, check: Callable[[CourseSnap, EvalInput], list[Finding]]
) -> tuple[list[Finding], list[CourseVerdict]] | None:
    """Run a per-course check on each visible course; None when there is none to check."""
    if not inp.visible_courses:
        return None
    findings, verdicts = [], []
    for c in inp.visible_courses:
        f = check(c, inp)
        findings += f
        verdicts.append(CourseVerdict(c.id, c.shortname, outcome_of(f), {
            "manques": sum(x.severity == Outcome.FAILED for x in f),
            "avertissements": sum(x.severity == Outcome.WARN for x in f)}))
    return findings, verdicts


def no_visible_course(number: int, inp: EvalInput) -> Verdict:
    return Verdict(number, inp.programme.code, Outcome.NOT_EVALUATED, "Aucun cours visible dans le programme.",
                   missing_data="aucun cours visible rattaché au programme")


def rate(part: int, whole: int) -> float:
    """part / whole rounded to 0.1 %, within [0, 1]: 0 when there is nothing to count.

    More parts than the whole (e.g. answers of learners unenrolled since) count as 100 %.
    """
    return round(min(max(part, 0) / whole, 1.0), 3) if whole > 0 else 0.0
