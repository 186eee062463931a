"""What every evaluator receives, and small helpers shared by them."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from mappings.audit import AuditProfile
from mappings.model import (
    ActionSnap,
    ComplaintSnap,
    ContractSnap,
    CourseSnap,
    CourseVerdict,
    Evidence,
    Finding,
    ModuleSnap,
    Outcome,
    ResultSnap,
    RncpFicheSnap,
    SectionSnap,
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
    results: tuple[ResultSnap, ...] | None = None  # imported exam results (every programme); None: none imported

    def t(self, key: str) -> object:
        return self.thresholds[key]

    @property
    def visible_courses(self) -> tuple[CourseSnap, ...]:
        return tuple(c for c in self.courses if c.visible)

    @cached_property
    def module_texts(self) -> tuple[tuple[bool, CourseSnap, tuple[tuple[SectionSnap, ModuleSnap, str], ...]], ...]:
        """(in a quality course, course, its modules with their idnumber and name lowered once), the programme's
        courses first: the evidence lookups of some twenty indicators scan this instead of lowering every module's
        texts each time."""
        return tuple((quality, c, tuple((sec, m, f"{(m.idnumber or '').lower()}\n{m.name.lower()}")
                                        for sec in c.sections for m in sec.modules))
                     for quality, courses in ((False, self.courses), (True, self.quality_courses)) for c in courses)


def where(course: CourseSnap, section: str | None = None, activity: str | None = None,
          learner: str | None = None) -> Where:
    return Where(course=course.shortname, course_id=course.id, section=section, activity=activity,
                 learner=learner, url=course.url)


def finding(course: CourseSnap, what: str, why: str, fix: str, *, severity: Outcome = Outcome.FAILED,
            section: str | None = None, activity: str | None = None, learner: str | None = None,
            audience: str = "teacher", url: str | None = None) -> Finding:
    """``url``: where the finding is fixed (a section, the settings…); the course page by default."""
    place = where(course, section, activity, learner)
    if url:
        place = dataclasses.replace(place, url=url)
    return Finding(what, place, why, fix, severity, audience)


# Moodle pages where a teacher fixes what a finding says (Moodle 4.5 URLs)
PAGES = {"settings": "/course/edit.php?id={id}", "completion": "/course/completion.php?id={id}",
         "participants": "/user/index.php?id={id}", "groups": "/group/index.php?id={id}",
         "notes": "/notes/index.php?course={id}", "module": "/course/modedit.php?update={cmid}"}


def link(course: CourseSnap, page: str, *, section: int | None = None, cmid: int | None = None) -> str | None:
    """The Moodle page where a course's finding is fixed: ``section`` (the section in the course page), or one
    of ``PAGES``; None without the Moodle address."""
    if not course.url:
        return None
    if page == "section":
        return f"{course.url}#section-{section}"
    base = course.url.split("/course/view.php", 1)[0]
    return base + PAGES[page].format(id=course.id, cmid=cmid)


MODALITIES = (("présentiel", ("présentiel", "presentiel", "en salle", "face à face")),
              ("distanciel", ("distanciel", "à distance", "a distance", "e-learning", "foad", "classe virtuelle")),
              ("mixte", ("mixte", "blended", "hybride")))


def modality(course: CourseSnap, inp: EvalInput) -> str | None:
    """The course's declared modality (présentiel, distanciel, mixte) from its custom field
    (``modality_field``, as Moodle displays it); None when not declared or not recognised."""
    name = str(inp.t("modality_field"))
    text = (course.customfield_labels.get(name) or course.customfields.get(name) or "").strip().casefold()
    for label, words in MODALITIES:
        if any(text.startswith(w) for w in words):
            return label
    return None


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


HOURS_PER_DAY = 7.0


def programme_duration_days(inp: EvalInput) -> float | None:
    """The programme's declared duration in days: `duration_days`, else `duration_hours`, else the sum of its
    courses' hours custom field (`duration_field`, e.g. `duree_heures`), 7 h a day; None when nothing is
    declared (never the calendar span: a 3-day course spread over a month is 3 days)."""
    p = inp.programme
    if p.duration_days is not None:
        return p.duration_days
    hours = p.duration_hours
    if hours is None:
        declared = [_hours(c.customfields.get(str(inp.t("duration_field")))) for c in inp.courses]
        hours = sum(h for h in declared if h is not None) if any(h is not None for h in declared) else None
    return round(hours / HOURS_PER_DAY, 1) if hours is not None else None


def _hours(value: str | None) -> float | None:
    try:
        return float(str(value).replace(",", ".").removesuffix(" h")) if value not in (None, "") else None
    except ValueError:
        return None
