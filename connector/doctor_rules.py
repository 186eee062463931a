"""`doctor`: do the programmes' rules map courses of this Moodle? Read from the categories and courses the
doctor's probes already fetched (no extra call)."""

from __future__ import annotations

from typing import Any

from connector.moodle import models as m
from connector.store.evidence import field_value
from mappings.programmes import CategoryRef, CourseRef, Programme, idle_rules, rule_text


def _text(v: object) -> str | None:
    return None if v is None else str(v)  # as the sync stores them


def _refs(categories: list[m.Category], courses: list[m.Course]) -> tuple[dict[int, CategoryRef], list[CourseRef]]:
    cats = {c.id: CategoryRef(c.id, c.idnumber or None, c.path) for c in categories}
    refs = [CourseRef(c.id, c.shortname, c.idnumber or None, c.categoryid,
                      {f.shortname: field_value(f.type, _text(f.valueraw), _text(f.value)) for f in c.customfields})
            for c in courses if c.format != "site"]
    return cats, refs


def rule_notes(programmes: list[Programme], state: dict[str, Any], apart: set[int]) -> tuple[str, ...]:
    """One line per rule that maps no course (the probes' ``state`` holds the site's categories and courses)."""
    if not programmes or "all_categories" not in state or "all_courses" not in state:
        return ()
    cats, refs = _refs(state["all_categories"], state["all_courses"])
    out = []
    for code, rule, no_category in idle_rules(programmes, [r for r in refs if r.id not in apart], cats):
        why = ("names no category the sync user can see (Moodle 4.5 hides category idnumbers from it: write the "
               "category's id, shown in its page's address course/index.php?categoryid=…)" if no_category
               else "matches no course")
        out.append(f"programme {code}: rule {rule_text(rule)} {why}; its courses would be in no programme")
    return tuple(out)
