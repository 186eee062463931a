"""Render reports to files: the quality site, a PDF per programme, teacher digests, the auditor's dossier.

Pure rendering: takes the frozen report data, writes files under the directories it is
given, returns their paths. No store, no network.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Self

from markupsafe import escape

from mappings.model import Outcome
from mappings.status import TEACHER_WORDS
from mappings.text import plural
from reports.env import render
from reports.model import Dossier, ProgrammeReport, ReportMeta, TeacherDigest

PUBLISHED_FILE, PUBLISHED_DIR = 0o640, 0o750  # the quality site and the digests: owner and its group only


def _dir(path: Path, mode: int = PUBLISHED_DIR) -> None:
    """Create the missing folders of ``path`` with ``mode`` whatever the umask (existing ones, a symbolic link
    the sysadmin made included, are left as they are)."""
    for p in [*reversed(path.parents[: len(path.parts) - 1]), path]:
        if p.exists():
            continue
        p.mkdir(exist_ok=True)
        os.chmod(p, mode)


def _write(path: Path, text: str | bytes, mode: int = PUBLISHED_FILE) -> Path:
    """Write through a fresh temporary file (random name, O_EXCL: a link planted beside the report cannot
    be followed), set ``mode`` whatever the umask, then rename into place: readers never see half a file."""
    import tempfile

    _dir(path.parent, 0o700 if mode == 0o600 else PUBLISHED_DIR)
    data = text.encode("utf-8") if isinstance(text, str) else text
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def render_index(out: Path, meta: ReportMeta, programmes: Iterable[ProgrammeReport],
                 unmapped: Iterable[object] = (), unknown_codes: Iterable[tuple[str, str]] = (),
                 idle_rules: Iterable[tuple[str, str, bool]] = ()) -> Path:
    """``idle_rules``: (programme code, the rule as the TOML writes it, names no visible category)."""
    return _write(out / "index.html", render("index.html", meta=meta, programmes=list(programmes),
                                             unmapped=list(unmapped), unknown_codes=list(unknown_codes),
                                             idle_rules=list(idle_rules)))


def render_programme_page(out: Path, meta: ReportMeta, p: ProgrammeReport) -> Path:
    return _write(out / f"programme-{p.slug}.html", render("programme.html", meta=meta, p=p))


def programme_pdf_html(meta: ReportMeta, p: ProgrammeReport) -> str:
    return render("report_pdf.html", meta=meta, p=p)


def pdf_bytes(html: str) -> bytes:
    from weasyprint import HTML  # imported lazily: loading pango costs ~0.3 s

    return HTML(string=html, base_url=None, url_fetcher=_no_fetch).write_pdf(font_config=_font_config())


@cache
def _font_config() -> object:
    """One font configuration per process, shared by its PDFs (WeasyPrint makes one per document otherwise:
    about 4 % of a programme PDF's CPU). The reports declare no web font: nothing of one PDF leaks into another."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def font_subsetter() -> str:
    """Which library WeasyPrint subsets the PDFs' fonts with: "harfbuzz" (libharfbuzz-subset0 installed) or
    "fonttools", its fallback, which costs about a third more CPU per PDF (the large benchmark's render of 101
    programmes: CPU 141 s against 117 s)."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    return "harfbuzz" if harfbuzz_subset is not None and harfbuzz.hb_version_atleast(4, 1, 0) else "fonttools"


def pdf_path(out: Path, p: ProgrammeReport) -> Path:
    return out / "pdf" / f"qualiopi-{p.slug}.pdf"


def render_programme_pdfs(out: Path, meta: ReportMeta, reports: list[ProgrammeReport], workers: int = 1) -> list[Path]:
    """The PDFs of several programmes (see ``PdfJob``)."""
    with PdfJob(out, meta, reports, workers) as job:
        return job.finish()


class PdfJob:
    """PDFs laid out while the caller writes the rest: ``with PdfJob(...) as job: …; job.finish()``.

    WeasyPrint lays a document out on one core: with ``workers`` > 1 the PDFs are laid out in that many processes
    (started fresh, "spawn": a forked copy of a process holding a store connection or the scheduler's threads is
    not safe) from the moment the job starts; ``finish`` writes them here, each file whole or not at all. With one
    worker they are laid out by ``finish``. Leaving the block without ``finish`` (an error) drops the PDFs."""

    def __init__(self, out: Path, meta: ReportMeta, reports: list[ProgrammeReport], workers: int = 1) -> None:
        self.paths = [pdf_path(out, p) for p in reports]
        self._htmls = [programme_pdf_html(meta, p) for p in reports]
        self._pool = None
        self._futures: list = []
        if workers > 1 and len(reports) > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(min(workers, len(reports)), mp_context=multiprocessing.get_context("spawn"))
            try:
                self._futures = [self._pool.submit(pdf_bytes, html) for html in self._htmls]
            except BaseException:  # the block is not entered: its exit would not stop the workers
                self._stop()
                raise

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop()

    def _stop(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def finish(self) -> list[Path]:
        if self._pool is None:
            return [_write(path, pdf_bytes(html)) for path, html in zip(self.paths, self._htmls, strict=True)]
        return [_write(path, f.result()) for path, f in zip(self.paths, self._futures, strict=True)]


def _no_fetch(url: str, *args, **kwargs):
    """Reports are self-contained: WeasyPrint never fetches anything (remote fonts, images, CSS)."""
    raise ValueError(f"report resources are inline only; refused to fetch {url}")


def render_teacher_digest(out: Path, meta: ReportMeta, d: TeacherDigest) -> Path:
    return _write(out / "formateurs" / f"{d.slug}.html", render("digest.html", meta=meta, d=d))


def digest_message(d: TeacherDigest, link: str | None) -> str:
    """The short HTML text of the Moodle notification (textformat 1): counts per course, a link."""
    lines = []
    for dc in d.courses:
        counts = Counter(Outcome(f.severity) for f in dc.findings)  # « à corriger » first, then « à compléter »
        parts = [f"{plural(counts[o], 'point')} {word}" for o, word in TEACHER_WORDS.items() if counts[o]]
        if dc.at_risk:
            parts.append(f"{plural(len(dc.at_risk), 'apprenant')} à relancer")
        if parts:
            lines.append(f"<li><b>{escape(dc.course.shortname)}</b> : {', '.join(parts)}</li>")
    body = "<ul>" + "".join(lines) + "</ul>" if lines else "<p>Rien à signaler dans vos cours.</p>"
    more = f'<p><a href="{escape(link)}">Voir le détail</a></p>' if link else ""
    return f"<p>Bilan Qualiopi de vos cours :</p>{body}{more}"


def render_dossier(folder: Path, meta: ReportMeta, d: Dossier) -> list[Path]:
    """The dossier's pages in ``folder`` (owner-only: they name learners)."""
    return [_write(folder / "dossier-preuves.html", render("dossier.html", meta=meta, d=d), 0o600),
            _write(folder / "echantillon.html", render("sample.html", meta=meta, d=d), 0o600)]


def render_dossier_index(root: Path, meta: ReportMeta, profile: object, dossiers: list[Dossier],
                         provider_wide: list[object]) -> Path:
    return _write(root / "index.html", render("dossier_index.html", meta=meta, profile=profile, dossiers=dossiers,
                                              provider_wide=provider_wide), 0o600)
