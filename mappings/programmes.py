"""Programmes (what the provider sells) and the rules mapping Moodle courses to them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from mappings.referentiel import IndicatorDef

ActionCategory = Literal["action_de_formation", "bilan_de_competences", "vae", "apprentissage"]
CATEGORY_LABELS: dict[str, str] = {"action_de_formation": "action de formation",
                                   "bilan_de_competences": "bilan de compétences",
                                   "vae": "validation des acquis de l’expérience", "apprentissage": "apprentissage"}


@dataclass(frozen=True)
class Rule:
    """First matching rule wins. kind: category (id or idnumber) | customfield | prefix."""

    kind: Literal["category", "customfield", "prefix"]
    value: str
    field: str | None = None  # custom-field shortname for kind=customfield
    subcategories: bool = True


@dataclass(frozen=True)
class Programme:
    code: str
    title: str
    action_category: ActionCategory = "action_de_formation"
    alternance: bool = False
    rncp: str | None = None  # RNCP/RS code; else read from the course custom field `rncp_field`
    rncp_field: str = "rncp"
    duration_days: float | None = None  # declared duration; else duration_hours, else the courses' hours field
    uses_subcontractors: bool = False  # the programme uses subcontractors or portage salarial (indicator 27)
    work_based: bool = False
    provider_is_subcontractor: bool = False  # the provider delivers it as a subcontractor of another provider
    rules: tuple[Rule, ...] = ()
    thresholds: Mapping[str, float] = field(default_factory=dict)
    declared_certifying: bool | None = None  # None: certifying when an RNCP/RS code is known
    duration_hours: float | None = None  # declared duration in hours (7 h a day)
    blocs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # bloc code → course shortnames or
    # section names covering it (indicator 7's crosswalk); blocs not listed are matched on names


    @property
    def names(self) -> frozenset[str]:
        """What a register entry may call this programme: its code, or a value of its custom-field rules
        (``programme_code = BTS-MCO-2025``), compared without case."""
        return frozenset({self.code.casefold(), *(r.value.casefold() for r in self.rules if r.kind == "customfield")})

    @property
    def certifying(self) -> bool:
        """Leads to an RNCP/RS certification. Declared certifying without a code: 7/16 flag the missing code."""
        return self.declared_certifying if self.declared_certifying is not None else bool(self.rncp)


@dataclass(frozen=True)
class CategoryRef:
    id: int
    idnumber: str | None
    path: str  # "/2/5"


@dataclass(frozen=True)
class CourseRef:
    id: int
    shortname: str
    idnumber: str | None
    category_id: int
    customfields: Mapping[str, str | None]


def _target(rule: Rule, cats: Mapping[int, CategoryRef]) -> CategoryRef | None:
    """The category a rule names, by id or idnumber (looked up once per rule, not once per course)."""
    by_id = cats.get(int(rule.value)) if rule.value.isdigit() else None
    return by_id or next((c for c in cats.values() if c.idnumber == rule.value), None)


def _category_matches(rule: Rule, course: CourseRef, cats: Mapping[int, CategoryRef],
                      target: CategoryRef | None = None) -> bool:
    target = target or _target(rule, cats)
    if target is None:
        return False
    if course.category_id == target.id:
        return True
    own = cats.get(course.category_id)
    return rule.subcategories and own is not None and f"/{target.id}/" in f"{own.path}/"


def rule_matches(rule: Rule, course: CourseRef, cats: Mapping[int, CategoryRef],
                 target: CategoryRef | None = None) -> bool:
    if rule.kind == "category":
        return _category_matches(rule, course, cats, target)
    if rule.kind == "customfield":
        return (course.customfields.get(rule.field or "") or "") == rule.value
    return course.shortname.startswith(rule.value) or (course.idnumber or "").startswith(rule.value)


def assign_programmes(
    programmes: Iterable[Programme], courses: Iterable[CourseRef], cats: Mapping[int, CategoryRef]
) -> tuple[dict[str, list[int]], list[CourseRef]]:
    """Programme code → course ids, and the courses no rule maps (never dropped silently)."""
    programmes = list(programmes)
    mapped: dict[str, list[int]] = {p.code: [] for p in programmes}
    unmapped = []
    targets = {(p.code, i): _target(r, cats) for p in programmes for i, r in enumerate(p.rules) if r.kind == "category"}
    for course in courses:
        hit = next((p for p in programmes for i, r in enumerate(p.rules)
                    if (r.kind != "category" or targets[(p.code, i)] is not None)
                    and rule_matches(r, course, cats, targets.get((p.code, i)))), None)
        if hit is None:
            unmapped.append(course)
        else:
            mapped[hit.code].append(course.id)
    return mapped, unmapped


def rule_text(rule: Rule) -> str:
    """The rule as the TOML writes it: ``category = "PROG-BTS"``, ``customfield programme_code = "BTS-2025"``."""
    if rule.kind == "customfield":
        return f'customfield {rule.field} = "{rule.value}"'
    return f'{rule.kind} = "{rule.value}"' if not (rule.kind == "category" and rule.value.isdigit()) else \
        f"category = {rule.value}"


def idle_rules(programmes: Iterable[Programme], courses: Iterable[CourseRef],
               cats: Mapping[int, CategoryRef]) -> list[tuple[str, Rule, bool]]:
    """(programme code, rule, names a category that is not there) of every rule that matches no course: a
    configuration mistake that would otherwise only show as courses "in no programme", or as an empty
    programme. A category named by an idnumber the sync user cannot see (Moodle 4.5 hides them) is the
    usual one."""
    courses = list(courses)
    out = []
    for p in programmes:
        for r in p.rules:
            target = _target(r, cats) if r.kind == "category" else None
            if r.kind == "category" and target is None:
                out.append((p.code, r, True))
            elif not any(rule_matches(r, c, cats, target) for c in courses):
                out.append((p.code, r, False))
    return out


CERTIFYING_ONLY = {3, 7, 16}


def applicability(ind: IndicatorDef, prog: Programme, duration_days: float | None) -> str | None:
    """None when the indicator applies, else the French reason it does not."""
    if prog.action_category not in ind.applies_to:
        return f"ne concerne pas la catégorie d’action « {CATEGORY_LABELS[prog.action_category]} »"
    if ind.number in CERTIFYING_ONLY and not prog.certifying:
        return "prestation non certifiante (pas de code RNCP/RS)"
    if ind.number == 13 and not prog.alternance:
        return "formation non dispensée en alternance"
    if ind.number == 12 and duration_days is not None and duration_days <= 2:
        days = f"{duration_days:g}".replace(".", ",")
        return (f"formation de {days} jour{'s' if duration_days >= 2 else ''} déclaré{'s' if duration_days >= 2 else ''}"
                " : l’indicateur vise les formations de plus de 2 jours")
    if ind.number == 27 and not prog.uses_subcontractors:
        return "pas de sous-traitance ni de portage salarial déclarés"
    if ind.number == 28 and not (prog.alternance or prog.work_based):
        return "pas de période de formation en situation de travail"
    return None
