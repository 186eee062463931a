"""Constants, small types, hashing and recorded templates of the generated Moodle site (``bench.sitegen``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

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
        elif "recorded" in e:  # a derived answer that replaced a recording keeps it
            out[e["recorded"]["file"].removesuffix(".json")] = e["recorded"]["response"]
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
