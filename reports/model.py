"""What the renderers take: frozen plain data built by the connector from verdicts and snapshots."""

from __future__ import annotations

from dataclasses import dataclass

from mappings.model import Finding, Verdict
from mappings.programmes import Programme


@dataclass(frozen=True)
class ReportMeta:
    provider: str
    data_time: int  # Unix time the data describes (the evaluation's "now")
    generated_at: int
    moodle_url: str | None = None


@dataclass(frozen=True)
class TrendPoint:
    data_time: int
    taux_abandon: float
    taux_achevement: float


@dataclass(frozen=True)
class CourseLine:
    id: int
    shortname: str
    fullname: str
    url: str | None
    visible: bool
    summary: str = ""  # Moodle HTML, sanitised at rendering


@dataclass(frozen=True)
class ProgrammeReport:
    programme: Programme
    verdicts: tuple[Verdict, ...]  # one per indicator, 1…32
    courses: tuple[CourseLine, ...] = ()
    trend: tuple[TrendPoint, ...] = ()  # earlier evaluations, oldest first, then this one

    @property
    def slug(self) -> str:
        return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in self.programme.code)


@dataclass(frozen=True)
class DigestCourse:
    course: CourseLine
    findings: tuple[Finding, ...]  # indicators 6 and 10, teacher-facing
    at_risk: tuple[Finding, ...]  # indicator 12, learners of this course


@dataclass(frozen=True)
class TeacherDigest:
    user_id: int
    fullname: str
    courses: tuple[DigestCourse, ...]

    @property
    def slug(self) -> str:
        return f"formateur-{self.user_id}"
