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
10 % suspensions — and edits that fraction of the courses (summary), all in running courses,
where a real site's daily activity is.
"""

from __future__ import annotations

import bisect
import copy
import json
import random
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

DAY = 86400
REPORT_ID = 7
SITE_URL = "http://127.0.0.1:8080"  # the recordings' address, kept inside payloads
FIRST_LEARNER = 100_000
FIRST_TEACHER = 2_000
SYNC_USER = 3


@dataclass(frozen=True)
class Size:
    courses: int
    learners_per_course: int
    big_course: int
    per_programme: int
    activities: int = 30


SIZES = {
    "tiny": Size(courses=12, learners_per_course=6, big_course=20, per_programme=6),
    "small": Size(courses=50, learners_per_course=20, big_course=200, per_programme=5),
    "large": Size(courses=5000, learners_per_course=50, big_course=5000, per_programme=50),
}

BLOCK = 6  # courses sharing a cohort of learners
SLOTS = 30  # activities per course
# slot → (section, modname, name, completion tracking); some slots are specialised per course below
_TEMPLATE_SLOTS = [(0, "forum", "Announcements", 0), (0, "page", "Programme, objectifs et modalités", 2)]
for _sec in range(1, 6):
    for _j, (_mod, _name, _trk) in enumerate([("page", "Cours", 2), ("resource", "Support (PDF)", 0),
                                             ("url", "Ressource en ligne", 0), ("quiz", "Quiz", 2),
                                             ("label", "Consignes", 0), ("assign", "Devoir", 2)]):
        if len(_TEMPLATE_SLOTS) < SLOTS:
            _TEMPLATE_SLOTS.append((_sec, _mod, f"{_name} {_sec}.{_j + 1}", _trk))
_TEMPLATE_SLOTS = _TEMPLATE_SLOTS[:SLOTS]


def _mix(*xs: int) -> int:
    """splitmix64 of the arguments: a fast deterministic hash."""
    h = 0x9E3779B97F4A7C15
    for x in xs:
        h = (h ^ (x & 0xFFFFFFFFFFFFFFFF)) * 0xBF58476D1CE4E5B9 & 0xFFFFFFFFFFFFFFFF
        h = (h ^ (h >> 31)) * 0x94D049BB133111EB & 0xFFFFFFFFFFFFFFFF
        h ^= h >> 29
    return h


def _unit(*xs: int) -> float:
    return (_mix(*xs) >> 11) / float(1 << 53)


@lru_cache(maxsize=1)
def templates() -> dict[str, Any]:
    """Recorded answers of the bundle, by the fixture they were copied from."""
    text = resources.files("connector").joinpath("demo/bundle.json").read_text("utf-8")
    out = {}
    for e in json.loads(text)["entries"]:
        if e["source"].startswith("recorded:"):
            out[e["source"].removeprefix("recorded:").removesuffix(".json")] = e["response"]
    return out


def _tpl(name: str) -> Any:
    return templates()[name]


@dataclass(frozen=True)
class CourseInfo:
    id: int
    index: int
    programme: int
    shortname: str
    fullname: str
    start: int
    end: int
    visible: bool
    completion: bool
    criteria: bool
    feedback: bool
    alternance: bool
    running: bool
    first_of_programme: bool
    big: bool = False

    @property
    def category(self) -> int:
        return 10 + self.programme


@dataclass
class Enrolment:
    status: str  # active | suspended
    access: int  # lastcourseaccess, 0 = never
    done: int  # tracked activities completed (the first `done` tracked slots)
    timestart: int


@dataclass
class GeneratedSite:
    seed: int = 1
    size: str = "small"
    clock: int = 1795502500  # the data set's "now"; the benchmark passes the real time
    tz: str = "Europe/Paris"
    changes: int = 0
    access_over: dict[tuple[int, int], int] = field(default_factory=dict)
    done_over: dict[tuple[int, int], int] = field(default_factory=dict)
    status_over: dict[tuple[int, int], str] = field(default_factory=dict)
    extra: dict[int, list[int]] = field(default_factory=dict)  # course → users enrolled since generation
    edits: dict[int, int] = field(default_factory=dict)  # course → edit count
    emptied: set[int] = field(default_factory=set)  # courses answered without anybody (a glitch)
    shuffled: bool = False  # report rows not grouped by course (an unsorted report)

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
        if u[1] < 0.05:
            access = 0
        elif c.running:
            access = self.clock - int((u[2] ** 3) * 60 * DAY) - 600
        else:
            access = c.start + int(u[2] * 300 * DAY)
        done = tracked if u[3] < 0.35 else int(u[3] * tracked) if access else 0
        return Enrolment(self.status_over.get(key, status), self.access_over.get(key, access),
                         self.done_over.get(key, done), c.start - 7 * DAY)

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
        """Change ``fraction`` of the enrolments and of the courses (in running courses); returns what changed."""
        self.changes += 1
        now = now or self.clock + self.changes * 3600
        rng = random.Random(_mix(self.seed, self.changes))
        running = [c for c in self._courses if c.running and not c.big and c.visible]
        n = max(1, round(fraction * self.total_enrolments))
        out = {"accesses": 0, "completions": 0, "new_enrolments": 0, "suspensions": 0, "edited_courses": 0}
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
                self.access_over[(c.id, uid)] = now - rng.randint(0, 3000)
                out["accesses"] += 1
            elif kind < 0.90:
                self.access_over[(c.id, uid)] = now - rng.randint(0, 3000)
                self.done_over[(c.id, uid)] = min(len(self.tracked(c)), e.done + 2)
                out["completions"] += 1
            else:
                self.status_over[(c.id, uid)] = "active" if e.status == "suspended" else "suspended"
                out["suspensions"] += 1
        for c in rng.sample(running, max(1, round(fraction * len(self._courses)))):
            self.edits[c.id] = self.edits.get(c.id, 0) + 1
            out["edited_courses"] += 1
        self._recount()
        return out

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

    # ------------------------------------------------------------------ answers
    def answer(self, fn: str, p: dict[str, Any]) -> Any:
        handler = getattr(self, "ws_" + fn, None)
        if handler is None:
            raise SimError("invalid_parameter_exception", "invalidparameter", f"simulator: {fn} is not simulated")
        return handler(p)

    def _course_of(self, p: dict[str, Any], key: str = "courseid") -> CourseInfo:
        c = self.by_id.get(int(p.get(key, 0)))
        if c is None:
            raise SimError("dml_missing_record_exception", "invalidrecord", "Can't find data record in database table course.")
        return c

    def ws_core_webservice_get_site_info(self, p: dict) -> Any:
        out = copy.deepcopy(_tpl("core_webservice_get_site_info"))
        out["sitename"] = f"Site simulé ({self.size}, graine {self.seed})"
        out["userid"] = SYNC_USER
        from connector.moodle.functions import FUNCTIONS

        out["functions"] = [{"name": name, "version": "2024100700"} for name in FUNCTIONS]
        return out

    def ws_core_course_get_categories(self, p: dict) -> Any:
        base = _tpl("core_course_get_categories__all")[1]
        out = []
        for prog in range(self.n_programmes):
            cat = dict(base)
            cat.update(id=10 + prog, name=f"Programme {prog:03d}", idnumber=f"PROG-{prog:03d}",
                       description=f"<p>Programme {prog:03d}</p>", sortorder=10000 * (prog + 1),
                       coursecount=sum(c.programme == prog for c in self._courses), path=f"/{10 + prog}")
            out.append(cat)
        return out

    def _course_record(self, c: CourseInfo) -> dict:
        rec = dict(_tpl("core_course_get_courses_by_field__all")["courses"][2])
        edits = self.edits.get(c.id, 0)
        objectives = "<p><strong>Objectifs</strong> : " + "maîtriser les compétences du module, " * 6 + "</p>" \
            if c.index % 5 else "<p>Module.</p>"
        rncp = f"RNCP{37000 + c.programme}" if c.programme % 3 == 0 else ""
        rec.update(
            id=c.id, fullname=c.fullname, displayname=c.fullname, shortname=c.shortname, categoryid=c.category,
            categoryname=f"Programme {c.programme:03d}", sortorder=10000 * (c.programme + 1) + c.index,
            summary=objectives + (f"<p>Mise à jour {edits}.</p>" if edits else ""),
            contacts=[{"id": t, "fullname": self.user_name(t)[1]} for t, r in self.staff(c) if r == "editingteacher"],
            customfields=[
                {"name": "Code RNCP / RS", "shortname": "rncp", "type": "text", "valueraw": rncp, "value": rncp or None},
                {"name": "Formation en alternance", "shortname": "alternance", "type": "checkbox",
                 "valueraw": int(c.alternance), "value": "Yes" if c.alternance else "No"},
                {"name": "Code programme", "shortname": "programme_code", "type": "text",
                 "valueraw": f"PROG-{c.programme:03d}", "value": f"PROG-{c.programme:03d}"},
                {"name": "Modalité", "shortname": "modalite", "type": "select", "valueraw": 1 + c.index % 3,
                 "value": ("Présentiel", "Distanciel", "Mixte (blended)")[c.index % 3]}],
            startdate=c.start, enddate=c.end, visible=int(c.visible), enablecompletion=int(c.completion))
        return rec

    def ws_core_course_get_courses_by_field(self, p: dict) -> Any:
        field_, value = p.get("field", ""), str(p.get("value", ""))
        if field_ in ("id", "ids"):
            wanted = {int(x) for x in value.split(",") if x.strip()}
            courses = [c for c in self._courses if c.id in wanted]
        elif field_ == "category":
            courses = [c for c in self._courses if str(c.category) == value]
        else:
            courses = self._courses
        site = dict(_tpl("core_course_get_courses_by_field__all")["courses"][0])
        out = [site] if not field_ else []
        return {"courses": out + [self._course_record(c) for c in courses], "warnings": []}

    def _module(self, c: CourseInfo, s: int) -> dict:
        _, mod, name, trk = self.slot(c, s)
        tpl = _module_templates().get(mod) or _module_templates()["page"]
        m = dict(tpl)
        cmid = self.cmid(c, s)
        m.update(id=cmid, name=name, instance=cmid, contextid=1000 + cmid, completion=trk)
        if "url" in m:
            m["url"] = f"{SITE_URL}/mod/{mod}/view.php?id={cmid}"
        if "completiondata" in m:
            m["completiondata"] = dict(m["completiondata"], hascompletion=bool(trk))
        if mod == "assign" and name.startswith("ALT-"):
            due = c.start + (60 + 60 * int(name[5])) * DAY
            m["dates"] = [{"label": "Due:", "timestamp": due, "dataid": "duedate"}]
        return m

    def ws_core_course_get_contents(self, p: dict) -> Any:
        c = self._course_of(p)
        tpl = _tpl("core_course_get_contents__rich_C1")
        sections = []
        for n in range(6):
            sec = {k: v for k, v in tpl[min(n, len(tpl) - 1)].items() if k != "modules"}
            unnamed = n == 5 and c.index % 17 == 0
            sec.update(id=c.id * 10 + n, section=n,
                       name="General" if n == 0 else "New section" if unnamed else f"Séquence {n}",
                       summary="" if unnamed else f"<p>Objectif de la séquence {n}.</p>")
            sec["modules"] = [self._module(c, s) for s in range(SLOTS) if self.slot(c, s)[0] == n]
            sections.append(sec)
        return sections

    def _user_record(self, c: CourseInfo, uid: int, role: str, full: bool) -> dict:
        username, fullname, idnumber = self.user_name(uid)
        e = self.enrolment(c, uid)
        tpl = _tpl("core_enrol_get_enrolled_users__C1_default")[0] if full else \
            _tpl("core_enrol_get_enrolled_users__C1_userfields_onlyactive")[0]
        u = dict(tpl)
        first, _, last = fullname.partition(" ")
        u.update(id=uid, fullname=fullname, idnumber=idnumber, firstaccess=e.timestart,
                 lastaccess=self.clock - int(_unit(self.seed, uid, 99) * 5 * DAY), lastcourseaccess=e.access,
                 roles=[{"roleid": 5 if role == "student" else 3 if role == "editingteacher" else 4, "name": "",
                         "shortname": role, "sortorder": 0}],
                 groups=[{"id": c.id * 10 + (uid % 2), "name": f"Groupe {'AB'[uid % 2]}", "description": "",
                          "descriptionformat": 1}] if c.alternance and role == "student" else [],
                 enrolledcourses=[{"id": c.id, "fullname": c.fullname, "shortname": c.shortname}])
        if "email" in u:
            u["email"] = f"{username}@example.com"
        if full:
            u.update(username=username, firstname=first, lastname=last)
        return u

    def ws_core_enrol_get_enrolled_users(self, p: dict) -> Any:
        c = self._course_of(p)
        opts = {o["name"]: o["value"] for o in p.get("options", [])}
        only_active = str(opts.get("onlyactive", "0")) == "1"
        people = [(t, r) for t, r in self.teachers(c)] + [(u, "student") for u in self.learners(c)]
        if only_active:
            people = [(u, r) for u, r in people if self.enrolment(c, u).status == "active"]
        people.sort()
        start = int(opts.get("limitfrom", 0))
        limit = int(opts.get("limitnumber", 0)) or len(people)
        return [self._user_record(c, u, r, full="userfields" not in opts) for u, r in people[start:start + limit]]

    def _check_enrolled(self, c: CourseInfo, uid: int) -> None:
        if uid not in self.learners(c) and uid not in {t for t, _ in self.teachers(c)}:
            raise SimError("moodle_exception", "usernotenroled", "User is not enrolled in this course")

    def ws_core_completion_get_activities_completion_status(self, p: dict) -> Any:
        c, uid = self._course_of(p), int(p.get("userid", 0))
        self._check_enrolled(c, uid)
        e = self.enrolment(c, uid)
        tpl = _tpl("core_completion_get_activities_completion_status__C1_student08_partial")["statuses"][0]
        statuses = []
        for n, s in enumerate(self.tracked(c)):
            _, mod, _, trk = self.slot(c, s)
            st = dict(tpl)
            done = n < e.done
            st.update(cmid=self.cmid(c, s), modname=mod, instance=self.cmid(c, s), state=int(done),
                      timecompleted=self.done_time(c, e, n) if done else 0, tracking=trk, isoverallcomplete=done)
            statuses.append(st)
        return {"statuses": statuses, "warnings": []}

    def ws_core_completion_get_course_completion_status(self, p: dict) -> Any:
        c, uid = self._course_of(p), int(p.get("userid", 0))
        if not c.completion:
            raise SimError("moodle_exception", "cannotviewreport", "You cannot view this report")
        self._check_enrolled(c, uid)
        if not c.criteria:
            raise SimError("moodle_exception", "nocriteriaset", "No completion criteria set for this course")
        e = self.enrolment(c, uid)
        tpl = _tpl("core_completion_get_course_completion_status__C1_student08_incomplete")["completionstatus"]
        crit = []
        for n, s in enumerate(self.tracked(c)):
            done = n < e.done
            item = copy.deepcopy(tpl["completions"][0])
            item.update(status="Yes" if done else "No", complete=done,
                        timecompleted=self.done_time(c, e, n) if done else None)
            item["details"]["criteria"] = f'<a href="{SITE_URL}/mod/page/view.php?id={self.cmid(c, s)}">{self.slot(c, s)[2]}</a>'
            crit.append(item)
        return {"completionstatus": {"completed": self.completed(c, e), "aggregation": 1, "completions": crit},
                "warnings": []}

    def ws_mod_feedback_get_feedbacks_by_courses(self, p: dict) -> Any:
        ids = {int(x) for x in p.get("courseids", [])}
        tpl = _tpl("mod_feedback_get_feedbacks_by_courses__4courses")["feedbacks"][0]
        out = []
        for cid in sorted(ids):
            c = self.by_id.get(cid)
            if c and c.feedback:
                f = dict(tpl)
                f.update(id=c.id, course=c.id, name=self.slot(c, SLOTS - 1)[2],
                         anonymous=1 if c.programme % 2 == 0 else 2, coursemodule=self.cmid(c, SLOTS - 1))
                out.append(f)
        return {"feedbacks": out, "warnings": []}

    def _feedback_course(self, p: dict) -> CourseInfo:
        c = self.by_id.get(int(p.get("feedbackid", 0)))
        if c is None or not c.feedback:
            raise SimError("dml_missing_record_exception", "invalidrecord", "Can't find data record in database table feedback.")
        return c

    def ws_mod_feedback_get_items(self, p: dict) -> Any:
        c = self._feedback_course(p)
        items = []
        for i, it in enumerate(_tpl("mod_feedback_get_items__C2_anon")["items"]):
            x = dict(it)
            x.update(id=c.id * 10 + i, feedback=c.id, name=it["name"].replace("BTS-GOPS", c.shortname))
            items.append(x)
        return {"items": items, "warnings": []}

    def ws_mod_feedback_get_responses_analysis(self, p: dict) -> Any:
        c = self._feedback_course(p)
        tracked = len(self.tracked(c))
        anonymous = c.programme % 2 == 0
        named_tpl = _tpl("mod_feedback_get_responses_analysis__C1_nonanon")["attempts"][0]
        anon_tpl = _tpl("mod_feedback_get_responses_analysis__C2_anon")["anonattempts"][0]
        attempts, anon = [], []
        for n, uid in enumerate(self.learners(c)):
            e = self.enrolment(c, uid)
            if not tracked or e.done < tracked:  # the survey is the last tracked activity
                continue
            score = 1 + _mix(self.seed, c.id, uid, 11) % 5
            values = [str(score), str(1 + _mix(self.seed, c.id, uid, 12) % 5), str(score), "1", "1|2",
                      str(_mix(self.seed, c.id, uid, 13) % 11), "Réclamation : salle trop froide." if score == 1 else ""]
            responses = [dict(r, id=c.id * 10 + i, rawval=values[i] or None, printval=values[i])
                         for i, r in enumerate(anon_tpl["responses"])]
            rid = c.index * 10_000 + n + 1
            if anonymous:
                anon.append(dict(anon_tpl, id=rid, number=len(anon) + 1, responses=responses))
            else:
                attempts.append(dict(named_tpl, id=rid, userid=uid, fullname=self.user_name(uid)[1],
                                     timemodified=self.done_time(c, e, tracked - 1), responses=responses))
        return {"attempts": attempts, "totalattempts": len(attempts), "anonattempts": anon,
                "totalanonattempts": len(anon), "warnings": []}

    def ws_mod_forum_get_forums_by_courses(self, p: dict) -> Any:
        tpl = _tpl("mod_forum_get_forums_by_courses__C1_C4")
        news, general = tpl[0], next(f for f in tpl if f["type"] == "general")
        out = []
        for cid in sorted(int(x) for x in p.get("courseids", [])):
            c = self.by_id.get(cid)
            if c is None:
                continue
            for s in range(SLOTS):
                if self.slot(c, s)[1] == "forum":
                    kind = "news" if s == 0 else "general"
                    f = dict(news if kind == "news" else general)
                    f.update(id=self.cmid(c, s), course=c.id, name=self.slot(c, s)[2], cmid=self.cmid(c, s),
                             numdiscussions=len(self._discussions(c)) if kind == "general" else 0)
                    out.append(f)
        return out

    def _discussions(self, c: CourseInfo) -> list[dict]:
        tpl = _tpl("mod_forum_get_forum_discussions__C1_general")["discussions"][0]
        learners = self.learners(c)
        teacher = self.teachers(c)[0][0]
        out = []
        for j in range(3):
            author = learners[(j * 7) % len(learners)]
            created = c.start + (30 + 40 * j) * DAY
            answered = j != 2
            d = dict(tpl)
            d.update(id=self.cmid(c, SLOTS - 2) * 10 + j, discussion=self.cmid(c, SLOTS - 2) * 10 + j,
                     name=f"Réclamation {j + 1} : planning", subject=f"Réclamation {j + 1} : planning",
                     userid=author, created=created, modified=created,
                     timemodified=created + 2 * DAY if answered else created,
                     usermodified=teacher if answered else author, numreplies=1 if answered else 0,
                     userfullname=self.user_name(author)[1])
            out.append(d)
        return out

    def ws_mod_forum_get_forum_discussions(self, p: dict) -> Any:
        fid = int(p.get("forumid", 0))
        c = self.by_id.get(fid // 100)
        if c is None or self.slot(c, fid % 100)[1] != "forum":
            raise SimError("dml_missing_record_exception", "invalidrecord", "Can't find data record in database table forum.")
        return {"discussions": self._discussions(c) if fid % 100 == SLOTS - 2 else [], "warnings": []}

    # ------------------------------------------------------------------ the participants report
    def _date(self, t: int | None) -> str:
        if not t:
            return ""
        d = datetime.fromtimestamp(t, self._tzinfo)
        hour = d.hour % 12 or 12
        return f"{d:%A}, {d.day} {d:%B} {d.year}, {hour}:{d.minute:02d} {'AM' if d.hour < 12 else 'PM'}"

    def _report_rows(self, c: CourseInfo) -> list[list[str]]:
        link = f'<a href="{SITE_URL}/course/view.php?id={c.id}">{c.shortname}</a>'
        people = [(u, "student") for u in self.learners(c)] + self.teachers(c)
        if not people:
            return [[link] + [""] * 12]
        rows = []
        tracked = len(self.tracked(c))
        for uid, role in sorted(people, key=lambda x: self.user_name(x[0])[0]):
            username, fullname, idnumber = self.user_name(uid)
            e = self.enrolment(c, uid)
            done = self.completed(c, e) if role == "student" else False
            rows.append([
                link, f'<a href="{SITE_URL}/user/profile.php?id={uid}">{fullname}</a>', username, idnumber, role,
                f"Groupe {'AB'[uid % 2]}" if c.alternance and role == "student" else "",
                "Active" if e.status == "active" else "Suspended", self._date(e.timestart), "",
                self._date(e.access) or "Never", "Yes" if done else "No",
                self._date(self.done_time(c, e, tracked - 1)) if done else "",
                f"{(100.0 * min(e.done, tracked) / tracked) if tracked and role == 'student' else 0.0:.1f}%",
            ])
        return rows

    def ws_core_reportbuilder_retrieve_report(self, p: dict) -> Any:
        if int(p.get("reportid", 0)) != REPORT_ID:
            raise SimError("dml_missing_record_exception", "invalidrecord", "Can't find data record in database table reportbuilder_report.")
        page, perpage = int(p.get("page", 0)), int(p.get("perpage", 10))
        first, last = page * perpage, min((page + 1) * perpage, self.total_rows)
        rows: list[list[str]] = []
        if first < last:
            k = bisect.bisect_right(self.offsets, first) - 1
            skip = first - self.offsets[k]
            while len(rows) < last - first and k < len(self.order):
                chunk = self._report_rows(self.order[k])
                rows += chunk[skip:skip + (last - first - len(rows))]
                skip, k = 0, k + 1
        from connector.moodle.report import COLUMNS

        if self.shuffled and len(rows) > 2:  # an unsorted report: a course's rows are split apart
            rows = rows[1:] + rows[:1]

        return {"details": {"id": REPORT_ID, "name": "qualiopi-sync participants", "source":
                            "core_course\\reportbuilder\\datasource\\participants", "type": 0, "uniquerows": False,
                            "conditiondata": "{}", "settingsdata": None, "contextid": 1, "component": "", "area": "",
                            "itemid": 0, "usercreated": 2, "timecreated": self.clock - 30 * DAY,
                            "timemodified": self.clock - 30 * DAY, "usermodified": 2,
                            "sourcename": "Course participants",
                            "modifiedby": {"id": 2, "email": "admin@example.com", "idnumber": "",
                                           "phone1": "", "phone2": "", "department": "", "institution": "",
                                           "fullname": "Admin User", "identity": "",
                                           "profileurl": f"{SITE_URL}/user/profile.php?id=2",
                                           "profileimageurl": f"{SITE_URL}/theme/image.php/boost/core/1/u/f1",
                                           "profileimageurlsmall": f"{SITE_URL}/theme/image.php/boost/core/1/u/f2"}},
                "data": {"headers": [name.split(": ", 1)[1] for name, _ in COLUMNS],
                         "rows": [{"columns": r} for r in rows], "totalrowcount": self.total_rows},
                "warnings": []}


@lru_cache(maxsize=1)
def _module_templates() -> dict[str, dict]:
    out: dict[str, dict] = {}
    for sec in _tpl("core_course_get_contents__rich_C1"):
        for m in sec["modules"]:
            out.setdefault(m["modname"], m)
    return out


class SimError(Exception):
    """A Moodle exception the simulator answers with (HTTP 200, ``{"exception", "errorcode", "message"}``)."""

    def __init__(self, exception: str, errorcode: str, message: str) -> None:
        super().__init__(message)
        self.body = {"exception": exception, "errorcode": errorcode, "message": message}
