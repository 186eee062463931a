"""`demo`: the real pipeline on recorded Moodle answers, no Moodle and no network."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from connector import app
from connector.config import MoodleConfig, ProgrammeConfig, RuleConfig, Settings, StoreConfig, SyncConfig
from connector.evaluate import EvaluationResult, run_evaluation, trainers_courses
from connector.moodle.replay import ReplayTransport, bundle_clock
from connector.pipeline import dossier_options
from connector.push import PushResult, push_all
from connector.render import RenderResult, render_reports
from connector.rncp import read_export
from connector.store.db import transaction
from connector.store.evidence import load_category_refs, load_course_refs
from connector.store.queries import CourseFacts, count_learners, load_course_facts
from connector.store.results import import_results
from connector.store.rncp import upsert_fiches
from connector.sync import SyncResult
from mappings.programmes import rule_text

DEMO_URL = "http://127.0.0.1:8080"  # the recording site's address, as in the payloads


@dataclass
class DemoResult:
    out_dir: Path
    database: Path
    sync: SyncResult
    courses: list[CourseFacts]
    learners: int
    clock: int
    evaluation: EvaluationResult | None = None
    render: RenderResult | None = None
    push: PushResult | None = None


def demo_settings(out_dir: Path) -> Settings:
    db_path = out_dir / "demo.db"
    return Settings(
        moodle=MoodleConfig(url=DEMO_URL, token="demo-token-not-a-secret"),
        store=StoreConfig(url=f"sqlite:///{db_path}"),
        sync=SyncConfig(),
        provider={"name": "Centre de Formation Démo (Qualiopi)", "siret": "12345678900012", "nda": "11 75 99999 75",
                  "certificate_number": "DEMO-2024-001", "certifier": "Certificateur de démonstration",
                  "certificate_valid_until": "2027-06-30", "categories": ["action_de_formation", "apprentissage"],
                  "sites": ["Lyon"]},
        programmes=DEMO_PROGRAMMES,
        # the quality course (documents and the three registers); the trainers' own training category (22)
        quality={"course_ids": [10], "trainers_category": TRAINERS_CATEGORY},
        reports={"out_dir": out_dir},
        dossier={"snapshot_dir": out_dir / "snapshots"},
        audit={"type": "surveillance", "date": "2027-01-19", "period_start": "2026-01-19",
               "period_end": "2027-01-18"},
    )


TRAINERS_CATEGORY = 5  # derived into the demo's world (bench/demo_trainers.py)

# the recorded categories carry no idnumber for the sync user: rules use category ids; the blocs the courses
# cover (7's crosswalk) refer to the demo's derived RNCP fiches (BTS-MCO's BC02 and BC04: no course)
DEMO_PROGRAMMES = [
    ProgrammeConfig(code="BTS-MCO", title="BTS Management commercial opérationnel (apprentissage)",
                    action_category="apprentissage", alternance=True,
                    rules=[RuleConfig(category=2)],
                    blocs={"RNCP38362BC01": ["BTSMCO-DRC"], "RNCP38362BC03": ["BTSMCO-GOPS"]}),
    ProgrammeConfig(code="TP-DWWM", title="Titre professionnel Développeur web et web mobile",
                    rules=[RuleConfig(category=3)],
                    blocs={"RNCP37674BC01": ["DWWM-FRONT"], "RNCP37674BC02": ["DWWM-BACK", "DWWM-PROJET"]}),
    ProgrammeConfig(code="EXCEL", title="Formation courte Excel", rncp_field="rncp_unused",
                    rules=[RuleConfig(category=4)]),
]


DEMO_RESULTS = Path(__file__).with_name("resultats-examens.csv")  # derived, not recorded
DEMO_RNCP = Path(__file__).with_name("export_fiches_RNCP_V4_1_2026_11_23.xml")  # derived: made up in the export's shape


def run_demo(out_dir: Path, *, full: bool = False, force: bool = False) -> DemoResult:
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = demo_settings(out_dir)
    clock = bundle_clock() + 180  # the data set's "now" (2026-11-24)
    result = app.sync(settings, full=full, transport=ReplayTransport.from_bundle(), now=clock)
    store = app.open_store(settings.store.url, migrate=False)
    with store.sessions() as s:
        # the quality course and the trainers' training course are no programme's: listed apart
        apart = set(settings.quality_courses) | set(trainers_courses(settings, load_course_refs(s),
                                                                    load_category_refs(s)))
        facts, learners = [f for f in load_course_facts(s, clock) if f.id not in apart], count_learners(s, apart)
    evaluation = rendered = pushed = None
    if result.status == "ok":
        # exam results never live in Moodle: the demo imports a derived file (BTS-MCO's June 2026 session, on
        # the recorded learners' idnumbers), as `qualiopi-sync results import` would
        # nor does France compétences' register: the demo imports a derived export of the two fiches its
        # courses name, as `qualiopi-sync rncp import` would
        with transaction(store.sessions) as s:
            import_results(s, DEMO_RESULTS)
            upsert_fiches(s, read_export([DEMO_RNCP]))
        evaluation = run_evaluation(settings, store.sessions, clock, result.run_id)
        rendered = render_reports(evaluation, store.sessions, out_dir, settings.provider.name, DEMO_URL, force=force,
                                  dossier=dossier_options(settings), tolerance=settings.reports.figure_tolerance,
                                  workers=settings.reports.workers)
        # no Moodle to write to: the push runs dry and lists what it would send
        pushed = push_all(app.make_client(settings, ReplayTransport.from_bundle()), store.sessions, settings.push,
                          settings.smtp, rendered, dry_run=True)
    store.engine.dispose()
    return DemoResult(out_dir, out_dir / "demo.db", result, facts, learners, clock, evaluation, rendered, pushed)


def print_summary(result: DemoResult, echo) -> None:
    from datetime import UTC, datetime

    day = datetime.fromtimestamp(result.clock, UTC).strftime("%Y-%m-%d")
    echo(f"qualiopi-sync demo — recorded Moodle 4.5 data, clock frozen at {day}")
    echo(f"store: {result.database}")
    calls = sum(result.sync.calls.values())
    echo(f"sync: {result.sync.status}, {calls} web-service calls (replayed), {result.sync.rows_written} rows written")
    programmes: dict[str, list[CourseFacts]] = {}
    for c in result.courses:
        programmes.setdefault(c.category, []).append(c)
    echo(f"programmes: {len(programmes)}   courses: {len(result.courses)}   learners: {result.learners}")
    echo("")
    echo(f"{'course':<13}{'learners':>9}{'susp.':>6}{'never':>6}{'>30d':>5}{'done':>6}{'prog.':>6}"
         f"{'none':>6}  feedback")
    for prog, courses in programmes.items():
        echo(f"[{prog}]")
        for c in courses:
            fb = (f"{c.feedback_named} named" if c.feedback_named else "") + \
                 (f"{c.feedback_anonymous} anonymous" if c.feedback_anonymous else "")
            echo(f"  {c.shortname:<11}{c.students:>9}{c.suspended:>6}{c.never_accessed:>6}{c.inactive_30:>5}"
                 f"{c.completed:>6}{c.in_progress:>6}{c.not_started:>6}  {fb or '-'}"
                 + ("  (hidden)" if not c.visible else ""))

    if result.evaluation:
        print_matrix(result.evaluation, echo)
    if result.render:
        r = result.render
        echo("")
        echo(f"reports: {len(r.rendered)} programme(s) rendered, {len(r.unchanged)} unchanged; "
             f"{len(r.digests_rendered)} teacher digest(s) rendered")
        for code, why in r.reasons.items():
            echo(f"  {code}: {why}")
        for code, pdf in r.pdfs.items():
            echo(f"  PDF {code}: {pdf.resolve()}")
        echo(f"  dossiers de preuves (owner-only): {(r.out_dir / 'dossier').resolve()}")
    if result.push:
        echo(f"push (dry run, no Moodle here): {len(result.push.planned)} would be sent, "
             f"{len(result.push.skipped)} already sent")
        for line in result.push.planned:
            echo(f"  {line}")
    if result.render:
        echo("")
        echo(f"open: {result.render.index.resolve()}")


RISK_SHORT = {"majeure": "NC majeure", "mineure": "NC mineure", "attention": "attention", "aucun": ""}


def matrix_cell(v) -> str:
    """« à consolider, NC mineure »: the status and, when there is one, the risk."""
    risk = RISK_SHORT[v.risk.value] if v.risk else ""
    return v.status.label + (f", {risk}" if risk else "")


def print_matrix(ev: EvaluationResult, echo) -> None:
    from mappings.status import STATUS_ORDER

    echo("")
    echo("Auto-évaluation Qualiopi : statut des preuves et risque de non-conformité à l’audit")
    width = 28
    echo("indicateur " + "".join(f"{p.code:<{width}}" for p, _ in ev.programmes))
    for i in range(32):
        echo(f"{i + 1:>10} " + "".join(f"{matrix_cell(vs[i]):<{width}}" for _, vs in ev.programmes).rstrip())
    echo("")
    for p, vs in ev.programmes:
        counts = ", ".join(f"{sum(v.status == s for v in vs)} {s.label}" for s in STATUS_ORDER)
        echo(f"{p.code} : {counts}")
    if ev.unmapped:
        echo("cours rattachés à aucun programme : " + ", ".join(c.shortname for c in ev.unmapped))
    for code, rule, no_category in ev.idle_rules:
        echo(f"programme {code} : la règle {rule_text(rule)} "
             + ("ne désigne aucune catégorie visible du compte de service (Moodle 4.5 lui cache l’idnumber des "
                "catégories : indiquez l’id de la catégorie)" if no_category else "ne correspond à aucun cours"))
    for where, code in ev.unknown_codes:
        echo(f"registre : {where} — programme « {code} » inconnu de la configuration (fiche non comptée)")
