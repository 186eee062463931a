"""The Jinja2 environment of every report: autoescape on, French filters, templates in the package."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from mappings.model import Finding, Outcome, Risk, Status, Verdict
from mappings.programmes import CATEGORY_LABELS as PROGRAMME_CATEGORY_LABELS
from mappings.referentiel import load_referentiel
from mappings.status import QUALITY_WORDS, RISK_ORDER, STATUS_ORDER, TEACHER_WORDS
from mappings.text import plural, sentence
from reports import format as fmt
from reports.charts import trend_svg

LEGEND = [(s, s.label, fmt.STATUS_CLASS[s], fmt.STATUS_SIGN[s]) for s in STATUS_ORDER]
SOURCE_LABELS = {"moodle": "contenu Moodle", "register": "registre des preuves (Moodle)",
                 "spreadsheet": "registre des preuves (tableur importé)"}
EVIDENCE_STATES = {"ok": "retenue", "stale": "à revoir (revue dépassée ou ancienne)", "hidden": "masquée : non retenue",
                   "empty": "vide : non retenue"}
CATEGORY_LABELS = PROGRAMME_CATEGORY_LABELS
# facts the dossier shows (results the guide expects providers to publish or follow); never a judgement
DOSSIER_FIGURES = ("taux_achevement", "taux_reussite_parcours", "inscrits_actifs", "termines", "taux_abandon",
                   "questionnaires", "reponses", "taux_reponse", "satisfaction_sur_5", "reclamations",
                   "reclamations_repondues", "reclamations_hors_delai", "delai_reponse_median_jours",
                   "candidats_inscrits", "candidats_presentes", "candidats_admis", "taux_presentation",
                   "taux_reussite_examen")


def dossier_figures(figures: dict) -> list[tuple[str, str]]:
    return [fmt.figure(k, figures[k]) for k in DOSSIER_FIGURES if k in figures]


RISK_LEGEND = [(r, r.label, fmt.RISK_CLASS[r]) for r in RISK_ORDER]
GRADING = {"mineure_ou_majeure": "mineure ou majeure selon l’écart", "majeure_uniquement": "majeure uniquement",
           "mineure": "mineure uniquement", "majeure": "majeure uniquement"}


def where_text(f: Finding) -> str:
    parts = [p for p in (f.where.course, f.where.section and f"section « {f.where.section} »",
                         f.where.activity and f"activité « {f.where.activity} »") if p]
    return " › ".join(parts) or "programme"


def nothing_found(v: Verdict) -> bool:
    """Nothing at all was found for this indicator and there is nothing else to show than what to provide: the
    PDF lists these in one table instead of a section each."""
    return (v.missing and v.status == Status.A_FOURNIR and len(v.findings) <= 1 and not v.evidence
            and not v.courses and all(value == 0 for value in v.figures.values())
            and not any(f.where.learner for f in v.findings))  # a learner's case keeps its section (no name)


@dataclass(frozen=True)
class FindingGroup:
    """Findings of one kind (same what, severity and fix) in several places: one line of the PDF."""

    first: Finding
    places: tuple[str, ...]  # where_text of each, in order
    courses_only: bool = False  # every place is a whole course (no section, no activity)

    @property
    def count_label(self) -> str:
        return plural(len(self.places), "cours", "cours") if self.courses_only else plural(len(self.places), "endroit")


def group_findings(findings: Iterable[Finding], merge: bool = True) -> list[FindingGroup]:
    """The PDF's findings: one line per kind of problem with the places it occurs, in order of first occurrence
    (fifty courses with no summary are one line, not fifty); without ``merge`` (the web page) one line each."""
    groups: dict[object, list[Finding]] = {}
    for i, f in enumerate(findings):
        groups.setdefault((f.what, f.severity, f.fix) if merge else i, []).append(f)
    return [FindingGroup(fs[0], tuple(where_text(f) for f in fs),
                         all(f.where.course and not f.where.section and not f.where.activity for f in fs))
            for fs in groups.values()]


@cache
def environment() -> Environment:
    env = Environment(loader=PackageLoader("reports", "templates"),
                      autoescape=select_autoescape(["html", "svg", "xml"], default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(
        fr_date=fmt.fr_date, fr_datetime=fmt.fr_datetime, fr_number=fmt.fr_number, fr_percent=fmt.fr_percent,
        safe_html=lambda html: Markup(fmt.sanitize(html)),
        status_class=lambda s: fmt.STATUS_CLASS[Status(s)], status_label=lambda s: Status(s).label,
        status_sign=lambda s: fmt.STATUS_SIGN[Status(s)], risk_class=lambda r: fmt.RISK_CLASS[Risk(r)],
        risk_label=lambda r: Risk(r).label, severity_class=lambda o: fmt.SEVERITY_CLASS[Outcome(o)],
        teacher_word=lambda o: TEACHER_WORDS[Outcome(o)], quality_word=lambda o: QUALITY_WORDS[Outcome(o)],
        figure=lambda kv: fmt.figure(*kv), where=where_text, trend_svg=trend_svg,
        grading=lambda g: GRADING.get(g or "", g or "—"), source_label=lambda s: SOURCE_LABELS.get(s, s),
        evidence_state=lambda s: EVIDENCE_STATES.get(s, s), safe_url=fmt.safe_url, truncate_words=fmt.truncate_words,
        iso_date=fmt.iso_date, sentence=sentence, group_findings=group_findings,
        category_label=lambda c: CATEGORY_LABELS.get(c, c), dossier_figures=dossier_figures,
    )
    env.tests["nothing_found"] = nothing_found
    env.globals.update(legend=LEGEND, risk_legend=RISK_LEGEND, referentiel=load_referentiel(), Status=Status,
                       Risk=Risk)
    return env


def render(template: str, **context: object) -> str:
    return environment().get_template(template).render(**context)
