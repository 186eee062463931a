"""Build the report data from an evaluation and render what changed (hash of the inputs in the store)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from connector.dossier import DossierOptions, write_dossiers
from connector.errors import ConfigError
from connector.evaluate import EvaluationResult
from connector.files import group_problem
from connector.store.db import transaction
from connector.store.outputs import load_render_hashes, load_trend, save_render_hash, site_secret
from mappings.model import CourseSnap
from mappings.programmes import rule_text
from reports import render as r
from reports.model import CourseLine, DigestCourse, ProgrammeReport, ReportMeta, TeacherDigest, TrendPoint

log = logging.getLogger(__name__)

DIGEST_INDICATORS = (6, 10)  # what is missing in a course
RISK_INDICATOR = 12
SURVEY_INDICATOR = 30  # named surveys' non-respondents, for the teacher to remind


@dataclass
class RenderResult:
    out_dir: Path
    index: Path
    rendered: list[str] = field(default_factory=list)  # programme codes
    unchanged: list[str] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)  # programme code → why it was rendered this time
    pdfs: dict[str, Path] = field(default_factory=dict)  # every programme's PDF (rendered now or before)
    digests: list[TeacherDigest] = field(default_factory=list)
    digest_hashes: dict[int, str] = field(default_factory=dict)
    report_keys: dict[str, str] = field(default_factory=dict)  # programme code → report_key (push keys on it)
    digests_rendered: list[int] = field(default_factory=list)
    dossiers: list[Path] = field(default_factory=list)  # out/dossier/<programme>/ written this time


def content_hash(obj: object) -> str:
    data = dataclasses.asdict(obj) if dataclasses.is_dataclass(obj) else obj  # type: ignore[arg-type]
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


def _figures(figures: object, tolerance: float) -> list:
    """Figures as the key sees them: a rate that moved less than ``tolerance`` has not moved."""
    out = []
    for k, v in sorted(dict(figures).items()):  # type: ignore[call-overload]
        if k.endswith("_precedent"):
            continue  # the previous evaluation's rate: a comparison, not a judgement (the rate itself counts)
        if isinstance(v, float) and tolerance > 0:
            v = round(round(v / tolerance) * tolerance, 6)
        out.append((k, v))
    return out


def report_key(rep: ProgrammeReport, tolerance: float = 0.01) -> str:
    """What a programme's report judges — status, risk, outcome, findings (what, where, severity), evidence,
    figures beyond ``tolerance``, courses — without the sentences whose day counters move every night
    ("ouverte depuis 64 jours"). A deadline passing that changes a status changes the key; a day does not.
    The report is re-rendered, and re-sent, only when this key changes."""
    verdicts = [(v.indicator, v.outcome, v.status, v.risk, v.missing, v.missing_data,
                 sorted((f.what, dataclasses.astuple(f.where), f.severity, f.audience) for f in v.findings),
                 _figures(v.figures, tolerance),
                 [(c.course_id, c.outcome, _figures(c.figures, tolerance)) for c in v.courses],
                 [dataclasses.asdict(e) for e in v.evidence], list(v.notes)) for v in rep.verdicts]
    return content_hash([dataclasses.asdict(rep.programme), verdicts,
                         [dataclasses.asdict(c) for c in rep.courses],
                         [(p.taux_abandon, p.taux_achevement) for p in rep.trend]])


def course_line(c: CourseSnap) -> CourseLine:
    return CourseLine(c.id, c.shortname, c.fullname, c.url, c.visible, c.summary)


def _trend(rows: list[tuple[int, dict]]) -> tuple[TrendPoint, ...]:
    """Evaluations where the rates moved (an unchanged evaluation adds no point, so no re-render)."""
    out: list[TrendPoint] = []
    for t, f in rows:
        if "taux_abandon" not in f:
            continue
        p = TrendPoint(t, float(f["taux_abandon"]), float(f.get("taux_achevement", 0)))
        if not out or (out[-1].taux_abandon, out[-1].taux_achevement) != (p.taux_abandon, p.taux_achevement):
            out.append(p)
    return tuple(out)


def build_programme_reports(result: EvaluationResult, sessions: sessionmaker[Session]) -> list[ProgrammeReport]:
    with sessions() as s:
        return [ProgrammeReport(prog, tuple(verdicts), tuple(course_line(c) for c in result.courses.get(prog.code, ())),
                                _trend(load_trend(s, prog.code)))
                for prog, verdicts in result.programmes]


def digest_name_key(secret: str, user_id: int) -> str:
    import hmac

    return hmac.new(secret.encode(), f"digest:{user_id}".encode(), "sha256").hexdigest()[:24]


def build_digests(result: EvaluationResult, secret: str = "") -> list[TeacherDigest]:
    """One digest per teacher: their courses only, findings of 6/10 and their at-risk learners."""
    by_course: dict[int, tuple[list, list, list]] = {}
    for _, verdicts in result.programmes:
        for v in verdicts:
            for f in v.findings:
                if f.where.course_id is None or f.audience != "teacher":
                    continue
                slot = by_course.setdefault(f.where.course_id, ([], [], []))
                if v.indicator in DIGEST_INDICATORS:
                    slot[0].append(f)
                elif v.indicator == RISK_INDICATOR and f.where.learner:
                    slot[1].append(f)
                elif v.indicator == SURVEY_INDICATOR and f.where.learner:
                    slot[2].append(f)
    teachers: dict[int, tuple[str, dict[int, CourseSnap]]] = {}
    for courses in result.courses.values():
        for c in courses:
            for st in c.staff:
                teachers.setdefault(st.user_id, (st.fullname, {}))[1][c.id] = c
    out = []
    for uid, (name, courses) in sorted(teachers.items()):
        items = tuple(DigestCourse(course_line(c), *(tuple(x) for x in by_course.get(c.id, ([], [], []))))
                      for c in sorted(courses.values(), key=lambda c: c.shortname) if c.visible)
        out.append(TeacherDigest(uid, name, items, digest_name_key(secret, uid) if secret else ""))
    return out


def digest_key(d: TeacherDigest) -> str:
    """What a teacher is told, without day counters: a new message only when something really changed."""
    return content_hash([(dc.course.shortname, [(f.what, f.where.section, f.where.activity) for f in dc.findings],
                          sorted(f.where.learner or "" for f in dc.at_risk),
                          sorted((f.where.activity or "", f.where.learner or "") for f in dc.to_remind))
                         for dc in d.courses])


def render_reports(result: EvaluationResult, sessions: sessionmaker[Session], out: Path, provider: str,
                   moodle_url: str | None = None, *, force: bool = False, now: int | None = None,
                   dossier: DossierOptions | None = None, tolerance: float = 0.01,
                   group: str | None = None, workers: int = 1) -> RenderResult:
    """``workers``: processes laying PDFs out (see ``reports.render.PdfJob``)."""
    if group and (problem := group_problem(group)):  # before anything is written: files half given to the group
        raise ConfigError(f"[reports] group: {problem}")
    meta = ReportMeta(provider, result.data_time, now or int(time.time()), moodle_url)
    reports = build_programme_reports(result, sessions)
    with sessions() as s:
        seen, seen_digests = load_render_hashes(s, "programme"), load_render_hashes(s, "teacher")
    res = RenderResult(out, out / "index.html")
    new_hashes: dict[tuple[str, str], str] = {}
    todo: list[ProgrammeReport] = []
    for rep in reports:
        h = report_key(rep, tolerance)
        res.report_keys[rep.programme.code] = h
        pdf = r.pdf_path(out, rep)
        why = ("forced (--force)" if force else "first report" if rep.programme.code not in seen else
               "judgement changed" if seen[rep.programme.code] != h else "PDF missing" if not pdf.exists() else None)
        if why:
            res.reasons[rep.programme.code] = why
            r.render_programme_page(out, meta, rep)
            todo.append(rep)
            res.rendered.append(rep.programme.code)
            new_hashes[("programme", rep.programme.code)] = h
        else:
            res.unchanged.append(rep.programme.code)
        res.pdfs[rep.programme.code] = pdf
    if todo and r.font_subsetter() != "harfbuzz":  # WeasyPrint's own warning is lost in the PDF workers
        log.warning("libharfbuzz-subset0 is not installed: the PDFs' fonts are subset by fontTools, about a third "
                    "more CPU per PDF (apt-get install libharfbuzz-subset0; README, Installing for production)")
    with r.PdfJob(out, meta, todo, workers) as pdfs:  # laid out by the workers while the rest is written here
        if res.rendered or not (out / "dossier" / "index.html").exists():  # rewritten when a report changed
            res.dossiers = write_dossiers(result, sessions, out, meta, dossier or DossierOptions())
        with transaction(sessions) as s:
            secret = site_secret(s, "digest-names")
        digests = build_digests(result, secret)
        _remove_stale_digests(out / "formateurs", {f"{d.slug}.html" for d in digests})
        for d in digests:
            h = digest_key(d)
            res.digests.append(d)
            res.digest_hashes[d.user_id] = h
            if force or seen_digests.get(str(d.user_id)) != h or not (out / "formateurs" / f"{d.slug}.html").exists():
                r.render_teacher_digest(out, meta, d)
                res.digests_rendered.append(d.user_id)
                new_hashes[("teacher", str(d.user_id))] = h
        pdfs.finish()
    r.render_index(out, meta, reports, result.unmapped, result.unknown_codes,  # once the PDFs it links to are there
                   [(code, rule_text(rule), none) for code, rule, none in result.idle_rules])
    with transaction(sessions) as s:
        for (kind, key), h in new_hashes.items():
            save_render_hash(s, kind, key, h)
    if group:
        publish_to_group(out, group)
    return res


def _remove_stale_digests(folder: Path, keep: set[str]) -> None:
    """Digests of teachers who left, or under an older (guessable) name, are not left published."""
    if folder.is_dir():
        for p in folder.glob("formateur-*.html"):
            if p.name not in keep:
                p.unlink(missing_ok=True)


def publish_to_group(out: Path, group: str) -> None:
    """Give the web server's group read access to the published part (never to the dossier)."""
    import grp
    import os

    gid = grp.getgrnam(group).gr_gid
    for p in [out, *out.rglob("*")]:
        if "dossier" in p.relative_to(out).parts or p.is_symlink():
            continue
        os.chown(p, -1, gid)
