"""The Jinja2 environment of every report: autoescape on, French filters, templates in the package."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from mappings.model import Finding, Outcome
from mappings.referentiel import load_referentiel
from reports import format as fmt
from reports.charts import trend_svg

LEGEND = [(o, o.label_fr, fmt.OUTCOME_CLASS[o]) for o in
          (Outcome.PASSED, Outcome.WARN, Outcome.FAILED, Outcome.NOT_EVALUATED, Outcome.NOT_APPLICABLE)]
GRADING = {"mineure_ou_majeure": "mineure ou majeure", "mineure": "mineure uniquement",
           "majeure": "majeure"}


def where_text(f: Finding) -> str:
    parts = [p for p in (f.where.course, f.where.section and f"section « {f.where.section} »",
                         f.where.activity and f"activité « {f.where.activity} »") if p]
    return " › ".join(parts) or "programme"


@cache
def environment() -> Environment:
    env = Environment(loader=PackageLoader("reports", "templates"),
                      autoescape=select_autoescape(["html", "svg", "xml"], default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(
        fr_date=fmt.fr_date, fr_datetime=fmt.fr_datetime, fr_number=fmt.fr_number, fr_percent=fmt.fr_percent,
        safe_html=lambda html: Markup(fmt.sanitize(html)), outcome_class=lambda o: fmt.OUTCOME_CLASS[Outcome(o)],
        figure=lambda kv: fmt.figure(*kv), where=where_text, trend_svg=trend_svg,
        grading=lambda g: GRADING.get(g or "", g or "—"),
    )
    env.globals.update(legend=LEGEND, referentiel=load_referentiel(), Outcome=Outcome)
    return env


def render(template: str, **context: object) -> str:
    return environment().get_template(template).render(**context)
