"""Frozen plain data the evaluators read, and the verdicts they return. No I/O here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

DAY = 86400


class Outcome(StrEnum):
    PASSED = "PASSED"
    FAILED = "FAILED"
    WARN = "WARN"
    NOT_APPLICABLE = "NOT_APPLICABLE"
    NOT_EVALUATED = "NOT_EVALUATED"

    @property
    def label_fr(self) -> str:
        return {"PASSED": "conforme", "FAILED": "non conforme", "WARN": "à améliorer",
                "NOT_APPLICABLE": "non applicable", "NOT_EVALUATED": "non évalué"}[self.value]


_RANK = {Outcome.FAILED: 4, Outcome.WARN: 3, Outcome.NOT_EVALUATED: 2, Outcome.PASSED: 1, Outcome.NOT_APPLICABLE: 0}


def worst(outcomes: list[Outcome], default: Outcome = Outcome.NOT_EVALUATED) -> Outcome:
    return max(outcomes, key=_RANK.__getitem__) if outcomes else default


@dataclass(frozen=True)
class Where:
    course: str | None = None  # shortname
    course_id: int | None = None
    section: str | None = None
    activity: str | None = None
    learner: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Finding:
    """What, where, why, how to fix (French, for users)."""

    what: str
    where: Where
    why: str
    fix: str
    severity: Outcome = Outcome.FAILED
    audience: str = "teacher"  # teacher | quality (learner names are for teachers and quality only)


@dataclass(frozen=True)
class Evidence:
    """A piece of evidence found: what, in which course, when last changed, link."""

    label: str
    course: str | None = None
    timestamp: int | None = None
    url: str | None = None


@dataclass(frozen=True)
class CourseVerdict:
    course_id: int
    shortname: str
    outcome: Outcome
    figures: Mapping[str, float | int | str] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    indicator: int
    programme: str
    outcome: Outcome
    summary: str  # one French sentence
    figures: Mapping[str, float | int | str] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    courses: tuple[CourseVerdict, ...] = ()
    missing_data: str | None = None  # for NOT_EVALUATED: what data is missing
    evidence: tuple[Evidence, ...] = ()


# ------------------------------------------------------------------ snapshots
@dataclass(frozen=True)
class ModuleSnap:
    id: int
    modname: str
    name: str
    idnumber: str | None
    visible: bool
    completion: int  # 0 none, 1 manual, 2 automatic
    url: str | None = None
    timemodified: int | None = None


@dataclass(frozen=True)
class SectionSnap:
    number: int
    name: str
    summary: str
    visible: bool
    modules: tuple[ModuleSnap, ...] = ()


@dataclass(frozen=True)
class LearnerSnap:
    user_id: int
    fullname: str
    idnumber: str | None
    status: str  # active | suspended
    lastcourseaccess: int
    groups: tuple[str, ...] = ()
    completed: bool | None = None  # None: unknown (no course completion data)
    activities_done: int = 0
    activities_tracked: int = 0
    done_cmids: frozenset[int] = frozenset()
    progress: float | None = None  # % of tracked activities done (participants report), None: unknown


@dataclass(frozen=True)
class ContractSnap:
    user_id: int
    start: int
    end: int
    company: str
    tutor: str


@dataclass(frozen=True)
class StaffSnap:
    user_id: int
    fullname: str
    role: str
    lastcourseaccess: int


@dataclass(frozen=True)
class FeedbackItemSnap:
    id: int
    label: str
    name: str
    typ: str
    presentation: str


@dataclass(frozen=True)
class ResponseSnap:
    id: int
    values: Mapping[int, str | None]  # item id → rawval
    timemodified: int | None = None


@dataclass(frozen=True)
class FeedbackSnap:
    id: int
    cmid: int
    name: str
    anonymous: bool
    timeopen: int | None
    timeclose: int | None
    idnumber: str | None = None
    items: tuple[FeedbackItemSnap, ...] = ()
    responses: tuple[ResponseSnap, ...] = ()


@dataclass(frozen=True)
class DiscussionSnap:
    id: int
    name: str
    author_id: int
    created: int
    last_post: int  # time of the last post
    last_poster_id: int
    replies: int
    locked: bool = False


@dataclass(frozen=True)
class ForumSnap:
    id: int
    cmid: int
    name: str
    type: str
    discussions: tuple[DiscussionSnap, ...] = ()
    url: str | None = None


@dataclass(frozen=True)
class RncpFicheSnap:
    """A fiche of the France compétences RNCP/RS open data."""

    numero: str
    intitule: str
    actif: bool
    date_fin: str | None  # ISO date
    niveau: str | None
    certificateurs: tuple[str, ...]
    remplacee_par: tuple[str, ...]
    export_date: str  # ISO date of the export


@dataclass(frozen=True)
class CourseSnap:
    id: int
    shortname: str
    fullname: str
    category_id: int
    summary: str
    summaryformat: int
    startdate: int
    enddate: int
    visible: bool
    enablecompletion: bool
    customfields: Mapping[str, str | None] = field(default_factory=dict)
    sections: tuple[SectionSnap, ...] = ()
    learners: tuple[LearnerSnap, ...] = ()
    staff: tuple[StaffSnap, ...] = ()
    has_completion_criteria: bool | None = None
    feedbacks: tuple[FeedbackSnap, ...] = ()
    url: str | None = None
    forums: tuple[ForumSnap, ...] = ()

    @property
    def modules(self) -> tuple[ModuleSnap, ...]:
        return tuple(m for s in self.sections for m in s.modules)

    @property
    def active_learners(self) -> tuple[LearnerSnap, ...]:
        return tuple(x for x in self.learners if x.status == "active")
