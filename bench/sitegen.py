"""A Moodle site generated from a seed and a size, answered in the shapes of the recorded Moodle 4.5.

Every answer is built from a recorded answer of the demo bundle (``connector/demo/bundle.json``,
entries marked ``recorded:``) used as a template: keys and nesting are those of the real Moodle,
only values change. Nothing is stored per enrolment: a learner's access, progress and completion
are pure functions of (seed, course, user), plus the overrides that ``change()`` records, so a
255,000-enrolment site costs a few megabytes.

Site layout (``SIZES``): programmes of ``per_programme`` courses (a course category each); courses
have 6 sections and 30 activities (14 with completion tracking); each block of 6 consecutive
courses of a programme shares a cohort of learners; one extra course ("ZZ-ACCUEIL", the induction
course) enrols the first ``big_course`` learners. One programme in five is running (started 100 days
ago); the others have ended. Every 7th programme is in alternance: its first course holds three
coordination checkpoints (``ALT-01`` …) and groups. Half the courses have a satisfaction survey
(anonymous in even programmes); each programme's first course has a complaints forum.

``change(fraction)`` changes that fraction of the enrolments — 40 % new course accesses, 25 % more
activities completed (with the survey answered when it is the last one), 25 % new enrolments,
10 % suspensions — and edits that fraction of the courses, all in running courses, where a real
site's daily activity is: half in the course settings (summary), half in one activity only (its name),
which Moodle shows in the course record only as ``cacherev`` — given to a sync role holding
``moodle/course:update`` (``course_update``, on by default as the README advises).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bench.sitegen_answers import Answers, SimError
from bench.sitegen_data import (
    _TEMPLATE_SLOTS,
    BLOCK,
    DAY,
    FIRST_LEARNER,
    FIRST_TEACHER,
    REPORT_ID,
    SITE_URL,
    SIZES,
    SLOTS,
    CourseInfo,
    Enrolment,
    Size,
    _mix,
    _unit,
)

__all__ = ["REPORT_ID", "SITE_URL", "SIZES", "GeneratedSite", "SimError", "Size"]


@dataclass
class GeneratedSite(Answers):
    seed: int = 1
    size: str = "small"
    clock: int = 1795502500  # the data set's "now"; the benchmark passes the real time
    tz: str = "Europe/Paris"
    changes: int = 0
    access_over: dict[tuple[int, int], int] = field(default_factory=dict)
    done_over: dict[tuple[int, int], int] = field(default_factory=dict)
    status_over: dict[tuple[int, int], str] = field(default_factory=dict)
    dates_over: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)  # (start, end) in the report
    extra: dict[int, list[int]] = field(default_factory=dict)  # course → users enrolled since generation
    edits: dict[int, int] = field(default_factory=dict)  # course → edit count
    emptied: set[int] = field(default_factory=set)  # courses answered without anybody (a glitch)
    shuffled: bool = False  # report rows not grouped by course (an unsorted report)
    module_edits: dict[int, int] = field(default_factory=dict)  # course → activity-only edit count
    course_update: bool = True  # the sync role holds moodle/course:update: records carry cacherev, timemodified
    lang: str = "en"  # the sync user's language: the report's headers, words, dates, numbers ("fr" as recorded)

    def __post_init__(self) -> None:
        self.dim = SIZES[self.size]
        self.n_programmes = -(-self.dim.courses // self.dim.per_programme)
        self.blocks = -(-self.dim.per_programme // BLOCK)
        self._courses = [self._course(k) for k in range(self.dim.courses + 1)]
        self.by_id = {c.id: c for c in self._courses}
        self.order = sorted(self._courses, key=lambda c: c.shortname)  # the report's order
        self._tzinfo = ZoneInfo(self.tz)
        self._recount()

    # ------------------------------------------------------------------ structure
    def _course(self, k: int) -> CourseInfo:
        d = self.dim
        if k == d.courses:  # the induction course everybody is enrolled in
            return CourseInfo(k + 2, k, 0, "ZZ-ACCUEIL", "Accueil des apprenants (tous publics)",
                              self.clock - 300 * DAY, self.clock + 300 * DAY, True, True, True, True, False,
                              True, False, big=True)
        p, i = divmod(k, d.per_programme)
        running = p % 5 == 0
        start = self.clock - (100 if running else 400 + 100 * (p % 5)) * DAY
        return CourseInfo(
            id=k + 2, index=k, programme=p, shortname=f"P{p:03d}-C{i:02d}",
            fullname=f"Programme {p:03d} — module {i + 1}", start=start, end=start + 365 * DAY,
            visible=k % 50 != 49, completion=k % 10 != 9, criteria=k % 13 != 0, feedback=k % 2 == 0,
            alternance=p % 7 == 0, running=running, first_of_programme=i == 0)

    def courses(self) -> list[CourseInfo]:
        return self._courses

    def cohort(self, c: CourseInfo) -> range:
        if c.big:
            return range(FIRST_LEARNER, FIRST_LEARNER + self.dim.big_course)
        block = (c.index % self.dim.per_programme) // BLOCK
        first = FIRST_LEARNER + (c.programme * self.blocks + block) * self.dim.learners_per_course
        return range(first, first + self.dim.learners_per_course)

    def teachers(self, c: CourseInfo) -> list[tuple[int, str]]:
        """Enrolled staff, as the enrolment answers and the report list them."""
        return [] if c.id in self.emptied else self.staff(c)

    def staff(self, c: CourseInfo) -> list[tuple[int, str]]:
        """The course's teachers (as its record's contacts: unaffected by an enrolment glitch)."""
        out = [(FIRST_TEACHER + c.index % 600, "editingteacher")]
        if c.alternance:
            out.append((FIRST_TEACHER + 600 + c.programme % 100, "teacher"))
        return out

    def learners(self, c: CourseInfo) -> list[int]:
        if c.id in self.emptied:
            return []
        return [*self.cohort(c), *self.extra.get(c.id, [])]

    def tracked(self, c: CourseInfo) -> list[int]:
        return [s for s in range(SLOTS) if self.slot(c, s)[3]] if c.completion else []

    def slot(self, c: CourseInfo, s: int) -> tuple[int, str, str, int]:
        """(section, modname, name, completion tracking) of activity slot s of course c."""
        sec, mod, name, trk = _TEMPLATE_SLOTS[s]
        if s == SLOTS - 1 and c.feedback:
            return sec, "feedback", "Questionnaire de satisfaction à chaud", 2
        if s == SLOTS - 2 and c.first_of_programme:
            return sec, "forum", "Réclamations et difficultés", 0
        if c.alternance and c.first_of_programme and s in (SLOTS - 5, SLOTS - 4, SLOTS - 3):
            n = s - (SLOTS - 5) + 1
            return sec, "assign", f"ALT-0{n} " + ("Visite en entreprise", "Bilan tripartite", "Livret")[n - 1], 1
        return sec, mod, name, trk if c.completion else 0

    def cmid(self, c: CourseInfo, s: int) -> int:
        return c.id * 100 + s

    def user_name(self, uid: int) -> tuple[str, str, str]:
        """(username, fullname, idnumber)."""
        if uid >= FIRST_LEARNER:
            first = ("Emma", "Lucas", "Léa", "Hugo", "Chloé", "Louis", "Manon", "Gabriel", "Camille", "Arthur")
            last = ("Dubois", "Durand", "Lefebvre", "Moreau", "Laurent", "Simon", "Michel", "Garcia", "David")
            return f"u{uid:07d}", f"{first[uid % 10]} {last[(uid // 10) % 9]} {uid}", f"STU{uid:07d}"
        return f"t{uid:07d}", f"Formateur {uid}", ""

    # ------------------------------------------------------------------ per-enrolment state
    def enrolment(self, c: CourseInfo, uid: int) -> Enrolment:
        key = (c.id, uid)
        tracked = len(self.tracked(c))
        if uid < FIRST_LEARNER:  # teachers
            access = self.clock - int(_unit(self.seed, c.id, uid, 7) * (20 if c.running else 200)) * DAY - 3600
            return Enrolment("active", self.access_over.get(key, access), 0, c.start - 7 * DAY)
        u = [_unit(self.seed, c.id, uid, salt) for salt in range(4)]
        status = "suspended" if u[0] < 0.02 else "active"
        access = self.generated_access(c, uid)
        done = tracked if u[3] < 0.35 else int(u[3] * tracked) if access else 0
        return Enrolment(self.status_over.get(key, status), self.access_over.get(key, access),
                         self.done_over.get(key, done), c.start - 7 * DAY)

    def generated_access(self, c: CourseInfo, uid: int) -> int:
        """A learner's last course access as generated, before any change (what the notes were written on)."""
        u1, u2 = _unit(self.seed, c.id, uid, 1), _unit(self.seed, c.id, uid, 2)
        if u1 < 0.05:
            return 0
        if c.running:
            return self.clock - int((u2 ** 3) * 60 * DAY) - 600
        return c.start + int(u2 * 300 * DAY)

    def completed(self, c: CourseInfo, e: Enrolment) -> bool:
        return c.completion and c.criteria and e.done >= len(self.tracked(c)) > 0

    def done_time(self, c: CourseInfo, e: Enrolment, n: int) -> int:
        """When the n-th tracked activity was completed (0-based)."""
        base = e.access or c.start
        return max(c.start, base - (e.done - n) * 3600)

    # ------------------------------------------------------------------ changes
    def _recount(self) -> None:
        """Report rows per course (one per participant, one for an empty course) and their offsets."""
        self.row_counts = [max(1, len(self.learners(c)) + len(self.teachers(c))) for c in self.order]
        self.offsets = []
        total = 0
        for n in self.row_counts:
            self.offsets.append(total)
            total += n
        self.total_rows = total

    @property
    def total_enrolments(self) -> int:
        return sum(len(self.learners(c)) + len(self.teachers(c)) for c in self._courses)

    def change(self, fraction: float, now: int | None = None) -> dict[str, int]:
        """Change ``fraction`` of the enrolments and of the courses (in running courses); returns what changed.

        A changed access is stamped in the 5 minutes before ``now``: later than any generated access (at most
        ``clock`` − 600 s, and ``now`` ≥ ``clock``), so that it always moves its course's last access. Stamped
        up to 50 minutes back, it fell below the generated ones or not depending on how long the earlier steps
        had taken, and the incremental call count moved from one benchmark run to another."""
        self.changes += 1
        now = now or self.clock + self.changes * 3600
        rng = random.Random(_mix(self.seed, self.changes))
        running = [c for c in self._courses if c.running and not c.big and c.visible]
        n = max(1, round(fraction * self.total_enrolments))
        out = {"accesses": 0, "completions": 0, "new_enrolments": 0, "suspensions": 0, "edited_courses": 0,
               "edited_modules": 0}
        next_user = FIRST_LEARNER + 900_000 + sum(len(v) for v in self.extra.values())
        for _ in range(n):
            c = rng.choice(running)
            kind = rng.random()
            if kind < 0.25:  # a new enrolment (a new learner)
                self.extra.setdefault(c.id, []).append(next_user)
                self.access_over[(c.id, next_user)] = 0
                self.done_over[(c.id, next_user)] = 0
                next_user += 1
                out["new_enrolments"] += 1
                continue
            uid = rng.choice(self.learners(c))
            e = self.enrolment(c, uid)
            if kind < 0.65:
                self.access_over[(c.id, uid)] = now - rng.randint(0, 300)
                out["accesses"] += 1
            elif kind < 0.90:
                self.access_over[(c.id, uid)] = now - rng.randint(0, 300)
                self.done_over[(c.id, uid)] = min(len(self.tracked(c)), e.done + 2)
                out["completions"] += 1
            else:
                self.status_over[(c.id, uid)] = "active" if e.status == "suspended" else "suspended"
                out["suspensions"] += 1
        for i, c in enumerate(rng.sample(running, max(2, round(fraction * len(self._courses))))):
            if self.teachers(c):  # an edit is made by a teacher in the course: their access moves too
                self.access_over[(c.id, self.teachers(c)[0][0])] = now - rng.randint(0, 300)
            if i % 2:
                self.edit_module(c.id)
                out["edited_modules"] += 1
            else:
                self.edits[c.id] = self.edits.get(c.id, 0) + 1
                out["edited_courses"] += 1
        self._recount()
        return out

    def edit_module(self, course_id: int) -> None:
        """A teacher renames one activity without touching the course settings (a module-only edit)."""
        self.module_edits[course_id] = self.module_edits.get(course_id, 0) + 1

    def enrol_new_learner(self, course: CourseInfo | None = None) -> int:
        """One more learner in a course (the first running one by default): the report gains a row."""
        c = course or next(c for c in self._courses if c.running and not c.big)
        uid = FIRST_LEARNER + 950_000 + sum(len(v) for v in self.extra.values())
        self.extra.setdefault(c.id, []).append(uid)
        self._recount()
        return uid

    def empty_course(self, course_id: int) -> None:
        """Every participant of a course vanishes (what a glitching Moodle answers for a course)."""
        self.emptied.add(course_id)
        self._recount()
