"""What the renderers take: frozen plain data built by the connector from verdicts and snapshots."""

from __future__ import annotations

from dataclasses import dataclass

from mappings.model import Finding, Verdict
from mappings.programmes import Programme


def slug_of(code: str) -> str:
    """A programme code as a file name."""
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in code)


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
        return slug_of(self.programme.code)


@dataclass(frozen=True)
class DigestCourse:
    course: CourseLine
    findings: tuple[Finding, ...]  # indicators 6 and 10, teacher-facing
    at_risk: tuple[Finding, ...]  # indicator 12, learners of this course
    to_remind: tuple[Finding, ...] = ()  # indicator 30, learners who have not answered a named survey yet


@dataclass(frozen=True)
class TeacherDigest:
    user_id: int
    fullname: str
    courses: tuple[DigestCourse, ...]
    name_key: str = ""  # a keyed hash of the user id: the digest's address cannot be guessed from a Moodle id

    @property
    def slug(self) -> str:
        return f"formateur-{self.name_key or self.user_id}"


# ------------------------------------------------------------------ the auditor's dossier
@dataclass(frozen=True)
class DocumentCopy:
    """A document of an evidence piece as the dossier holds it: copied (``path`` in the dossier) or not
    (``reason``)."""

    name: str
    path: str | None = None  # relative to the programme's dossier folder
    sha256: str | None = None
    size: int | None = None
    reason: str | None = None


@dataclass(frozen=True)
class LearnerEvent:
    time: int | None  # None: undated
    course: str
    what: str


@dataclass(frozen=True)
class LearnerFile:
    fullname: str
    idnumber: str | None
    events: tuple[LearnerEvent, ...]
    not_available: tuple[str, ...] = ()  # what Moodle does not expose, said as such


@dataclass(frozen=True)
class Dossier:
    """One programme's dossier de preuves: identity, applicable indicators with their evidence index,
    not-applicable ones with their reason, copies of documents, the learner sample. No status, no risk."""

    programme: object  # mappings.programmes.Programme
    profile: object  # mappings.audit.AuditProfile
    verdicts: tuple[Verdict, ...]
    courses: tuple[CourseLine, ...]
    documents: dict[str, DocumentCopy]  # Moodle file URL → its copy in the dossier
    sample: tuple[LearnerFile, ...]
    sample_seed: int

    @property
    def slug(self) -> str:
        return slug_of(self.programme.code)  # type: ignore[attr-defined]
