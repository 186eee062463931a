"""Evidence status and risk: what the tool says about a programme × indicator, computed once, here.

Whether a provider conforms is the certifier's finding after an audit; the tool never pronounces it.
It says whether the evidence is there (status) and how exposed the provider is (risk):

- *couvert*: evidence found and its checks pass;
- *à consolider*: evidence found but partial, stale past its review date, or with warnings;
- *à fournir*: nothing found, neither in Moodle nor in the registers;
- *non applicable* (with its reason) and *non évalué* (data missing).

Risk follows the référentiel's grading (guide V9): an expected item not met at all is a major
non-conformity, also for a graded indicator; a partial one is minor for a graded indicator and
major for a major-only one; covered evidence with warnings is a point of attention.
"""

from __future__ import annotations

from mappings.model import RISK_LABELS, STATUS_LABELS, CourseVerdict, Outcome, Risk, Status, Verdict

__all__ = ["RISK_LABELS", "STATUS_LABELS", "Risk", "Status", "assess", "coverage"]


# the order of the legend and of the counts
STATUS_ORDER = (Status.COUVERT, Status.A_CONSOLIDER, Status.A_FOURNIR, Status.NON_EVALUE, Status.NON_APPLICABLE)
RISK_ORDER = (Risk.MAJEURE, Risk.MINEURE, Risk.ATTENTION, Risk.AUCUN)

GRADED = "mineure_ou_majeure"  # the référentiel's grading of indicators that allow a minor NC

# a finding's severity, as a teacher reads it (quality staff read status and risk)
TEACHER_WORDS = {Outcome.FAILED: "à corriger", Outcome.WARN: "à compléter", Outcome.PASSED: "fait",
                 Outcome.NOT_EVALUATED: "non évalué", Outcome.NOT_APPLICABLE: "non applicable"}
QUALITY_WORDS = {Outcome.FAILED: "manque", Outcome.WARN: "à consolider", Outcome.PASSED: "présent",
                 Outcome.NOT_EVALUATED: "non évalué", Outcome.NOT_APPLICABLE: "non applicable"}


def coverage(courses: tuple[CourseVerdict, ...]) -> float | None:
    """Share of the judged courses whose checks pass (warnings allowed); None when none was judged."""
    judged = [c for c in courses if c.outcome not in (Outcome.NOT_APPLICABLE, Outcome.NOT_EVALUATED)]
    if not judged:
        return None
    return sum(c.outcome in (Outcome.PASSED, Outcome.WARN) for c in judged) / len(judged)


def status_of(v: Verdict, coverage_min: float) -> Status:
    """The evidence status of a verdict; over courses, by coverage rather than by the worst course."""
    if v.outcome == Outcome.NOT_APPLICABLE:
        return Status.NON_APPLICABLE
    if v.outcome == Outcome.NOT_EVALUATED:
        return Status.NON_EVALUE
    if v.outcome == Outcome.PASSED:
        return Status.COUVERT
    if v.missing:
        return Status.A_FOURNIR
    share = coverage(v.courses)
    if share is not None and not _programme_level_failure(v):
        return Status.COUVERT if share >= coverage_min else Status.A_CONSOLIDER
    return Status.A_CONSOLIDER


def _programme_level_failure(v: Verdict) -> bool:
    """A failure that is not about one course (e.g. no complaints channel) is not diluted by coverage."""
    return any(f.severity in (Outcome.FAILED, Outcome.WARN) and f.where.course_id is None for f in v.findings)


def risk_of(status: Status, grading: str | None, v: Verdict) -> Risk:
    if status == Status.A_FOURNIR:
        return Risk.MAJEURE
    if status == Status.A_CONSOLIDER:
        return Risk.MINEURE if grading == GRADED else Risk.MAJEURE
    if status == Status.COUVERT:
        warned = v.outcome != Outcome.PASSED or any(f.severity in (Outcome.FAILED, Outcome.WARN) for f in v.findings)
        return Risk.ATTENTION if warned else Risk.AUCUN
    return Risk.AUCUN


def assess(v: Verdict, grading: str | None, coverage_min: float) -> tuple[Status, Risk]:
    status = status_of(v, coverage_min)
    return status, risk_of(status, grading, v)
