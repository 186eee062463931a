"""Every page the demo renders, read as a user reads it (tags stripped): no raw codes, no backticks, no
"(s)" plurals, French numbers (decimal comma, a space before %), RNCP/RS and France compétences spelt
right. The demo runs on the bundled recordings (recorded answers and answers derived from them); Moodle's
own content (course and activity names) is what it is and is not judged here."""

from __future__ import annotations

import html
import re
import subprocess

import pytest

from connector.demo import run_demo

DEFECTS = {
    "raw code": re.compile(r"\b(?:action_de_formation|bilan_de_competences|majeure_uniquement|mineure_ou_majeure|"
                           r"a_consolider|a_fournir|non_applicable|non_evalue|cours_masques_ignores|[a-z]+_[a-z]+_[a-z_]+)\b"),
    "backtick": re.compile(r"`"),
    "(s) plural": re.compile(r"\w\((?:s|e|es)\)"),
    "decimal point": re.compile(r"(?<![\w.])\d+\.\d+(?![\d.])"),
    "% without space": re.compile(r"\d%"),
    "RNCP/RS lower case": re.compile(r"\brncp/rs\b|\bRncp\b"),
    "France compétences lower case": re.compile(r"\bfrance compétences\b"),
    "enum name": re.compile(r"\b(?:PASSED|FAILED|WARN|NOT_EVALUATED|NOT_APPLICABLE)\b"),
}
GUIDE_QUOTE = re.compile(r"«[^«»]{40,}»")  # a passage of the official guide (long quotations only)
MOODLE_TEXT = re.compile(r"Référentiel du BTS MCO \(France Compétences\)"  # an activity name in Moodle
                         r"|document : [^:]*?\.(?:pdf|docx|odt|xlsx)")  # a file's name (broken over lines in a PDF)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    result = run_demo(tmp_path_factory.mktemp("demo") / "qualiopi-demo")
    assert result.sync.status == "ok"
    return result


@pytest.fixture(scope="module")
def demo(demo_run):
    return demo_run.out_dir


def visible_text(page: str) -> str:
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def defects(text: str, skip: tuple[str, ...] = ()) -> list[str]:
    text = MOODLE_TEXT.sub(" ", text)
    text = GUIDE_QUOTE.sub("« »", text)  # the guide's own words, quoted as they are written
    return [f"{name}: …{text[max(0, m.start() - 50):m.end() + 30]}…" for name, rx in DEFECTS.items()
            if name not in skip for m in rx.finditer(text)]


def test_the_scanner_catches_each_defect():
    for bad in ("catégorie « action_de_formation »", "lancer `qualiopi-sync`", "3 réponse(s)", "moyenne 4.25/5",
                "taux 45%", "Lien rncp/rs non vérifié", "données france compétences", "statut FAILED"):
        assert defects(bad), bad
    assert not defects("3 réponses, taux 45\u00a0%, moyenne 4,25/5, lien RNCP/RS, France compétences, v2.0")
    assert not defects("document : plan_formation_for mateurs_2024.pdf")  # a file's name, not a code of ours
    assert defects("document : plan.pdf, catégorie action_de_formation")


def test_no_rendered_page_of_the_demo_has_a_text_defect(demo):
    pages = sorted(demo.rglob("*.html"))
    assert len(pages) >= 10  # index, programmes, digests, dossiers
    found = {str(p.relative_to(demo)): d for p in pages if (d := defects(visible_text(p.read_text("utf-8"))))}
    assert found == {}


def test_no_programme_pdf_of_the_demo_has_a_text_defect(demo):
    pdfs = sorted((demo / "pdf").glob("*.pdf"))
    assert pdfs
    for pdf in pdfs:
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        # pdftotext drops a non-breaking space between table cells' glyphs now and then ("0%" for "0 %"): the
        # spacing rule is checked on the HTML the PDF is made from
        assert defects(" ".join(text.split()), skip=("% without space",)) == [], pdf.name


def test_the_demos_pdfs_break_long_file_names_and_keep_the_evidence_table_in_its_frame(demo_run):
    """The demo's PDFs, laid out on A4: no word runs out of its table cell, no table out of its frame. Before:
    the evidence table's seven equal columns let « Responsable » and the documents' file names
    (« plan_formation_formateurs_2024.pdf ») run over the next column, and the cells' padding made the table
    wider than the indicator's frame."""
    from connector import app
    from connector.render import build_programme_reports
    from reports.model import ReportMeta
    from reports.render import programme_pdf_html
    from tests.test_reports import laid_out_defects

    store = app.open_store(f"sqlite:///{demo_run.database}", migrate=False)
    try:
        reports = build_programme_reports(demo_run.evaluation, store.sessions)
    finally:
        store.engine.dispose()
    meta = ReportMeta("Centre de Formation Démo", demo_run.clock, demo_run.clock)
    htmls = {r.programme.code: programme_pdf_html(meta, r) for r in reports}
    assert "plan_formation_formateurs_2024.pdf" in htmls["BTS-MCO"] and 'class="evidence"' in htmls["BTS-MCO"]
    for code, text in htmls.items():
        lay = laid_out_defects(text)
        assert lay.cells > 100 and lay.spills == [] and lay.wide == [], code


def test_the_programme_pages_and_dossiers_fit_a_printed_page(demo):
    """The web pages a quality manager prints (programme pages, dossiers de preuves), laid out 680 px wide (an
    A4 page from a browser): the evidence tables stay within the page, a file name breaks, the other words stay
    whole. Before: a document's file name kept its table wider than the page, and print cuts what overflows."""
    from tests.test_reports import laid_out_defects

    pages = sorted(demo.glob("programme-*.html")) + sorted(demo.glob("dossier/*/dossier-preuves.html"))
    assert len(pages) == 6
    for page in pages:
        text = page.read_text("utf-8")
        assert 'class="evidence"' in text
        lay = laid_out_defects(text, width_px=680)
        assert lay.cells > 50 and lay.spills == [] and lay.wide == [], page.name
        whole = {"Responsable", "Emplacement" if "dossier" in page.name else "retenue", "novembre"}
        assert whole <= lay.words, page.name


def test_the_printed_matrix_fits_an_a4_landscape_page(demo):
    """Printed (WeasyPrint lays out for print, as a browser's print does), the index's 32 columns fit one A4
    page in landscape. Before: A4 portrait, and print cut the matrix after indicator 20 or so."""
    from tests.test_reports import laid_out_defects

    lay = laid_out_defects((demo / "index.html").read_text("utf-8"))
    assert lay.cells > 3 * 32 and lay.spills == [] and lay.wide == []
    assert lay.pages[0].width > lay.pages[0].height  # landscape


def test_every_figure_the_demo_shows_has_a_french_label(demo):
    """A figure without a label would be shown as its key, underscores turned to spaces and accents lost
    ("efficacite evaluee"): the scanner above cannot see that, this can."""
    import json
    import sqlite3

    from reports.format import FIGURE_LABELS

    db = sqlite3.connect(demo / "demo.db")
    try:
        keys = {k for (figures,) in db.execute("SELECT figures FROM verdict") for k in json.loads(figures or "{}")}
    finally:
        db.close()
    assert len(keys) > 30
    assert sorted(k for k in keys if k not in FIGURE_LABELS and not k.startswith(("session ", "cohorte "))) == []


def test_the_demo_shows_the_exam_results_beside_moodle_completion(demo):
    """The demo imports its derived exam results (connector/demo/resultats-examens.csv): 2, 3 and 16 show the
    presentation rate beside the pass rate, and Moodle's figure is called completion, never success."""
    page = visible_text((demo / "programme-BTS-MCO.html").read_text("utf-8"))
    assert "8 inscrits, 7 présentés (87,5 %), 5 admis (71,4 % des présentés)" in page  # (spaces folded)
    assert "taux de réussite (admis / présentés)" in page and "taux d’achèvement Moodle" in page
    assert "cohorte" in page and "(mois de début)" in page


def test_the_demo_shows_positioning_trainers_training_and_the_certification_checks(demo):
    """What the demo derives into its world shows on the quality pages: 8 from the positioning quiz of C2 and C4
    (bench/demo_bundle.py), 22 from the trainers' category (bench/demo_trainers.py), 7/16 from the derived RNCP
    export (connector/demo/export_fiches_RNCP_V4_1_2026_11_23.xml): habilitation, issuance deadline, crosswalk."""
    bts = visible_text((demo / "programme-BTS-MCO.html").read_text("utf-8"))
    dwwm = visible_text((demo / "programme-TP-DWWM.html").read_text("utf-8"))
    # 8: learners 1–5 before C2's start, 6 weeks late; 16–22 before C4's, 23–24 late; each person once
    assert "apprenants positionnés à l’entrée : 5 sur 15 (33,3 %), tardivement : 1" in bts
    assert "apprenants positionnés à l’entrée : 7 sur 14 (50 %), tardivement : 2" in dwwm
    # 22: Sophie Martin trained 90 days ago; Karim Benali's training is older than 24 months
    assert "Formateurs formés depuis le 04/12/2024 (Moodle) : 1 sur 2" in bts
    assert "Formateurs formés depuis le 04/12/2024 (Moodle) : 0 sur 3" in dwwm
    assert "Formateur sans formation récente tracée : Karim Benali" in dwwm
    # 7: the BTS is a diploma registered « de droit », two of its four blocs have no course
    assert "fiche sans partenaire publié (enregistrement de droit)" in bts
    assert "RNCP38362BC02 : aucun cours" in bts and "blocs de compétences couverts 2 sur 4" in bts
    # the titre pro: the provider's SIRET among the partners; registration ends before the programme does
    assert "habilité à former et à organiser l’évaluation (actif)" in dwwm
    assert "délivrance possible jusqu’au 31/12/2027 : les apprenants pourront être certifiés" in dwwm


def _boxes(box):
    yield box
    for child in getattr(box, "children", None) or []:
        yield from _boxes(child)


def test_the_index_matrix_fits_a_1280px_screen_and_its_notices_are_on_the_page(demo):
    """Laid out by WeasyPrint on a 1280 px wide page: the 32 columns and the PDF links fit, a programme's
    title takes at most two lines; the unknown register codes are in the body, not in the window title."""
    from weasyprint import CSS, HTML

    page = (demo / "index.html").read_text("utf-8")
    assert re.search(r"<title>[^<]*</title>", page)  # no markup in the title
    assert "Fiches de registre rattachées à un programme inconnu" in visible_text(page.split("</head>", 1)[1])
    doc = HTML(demo / "index.html", media_type="screen").render(
        stylesheets=[CSS(string="@page { size: 1280px 800px; margin: 0 }")])
    boxes = list(_boxes(doc.pages[0]._page_box))
    table = next(b for b in boxes if type(b).__name__ == "TableBox")
    assert table.margin_width() <= 1280 - 2 * 14  # the body's padding
    line = 14 * 1.2
    titles = [b for b in boxes if type(b).__name__ == "TableCellBox" and b.element.find("a") is not None
              and b.element.tag == "th"]
    assert len(titles) == 3 and all(b.height <= 3 * line + 2 for b in titles)  # two lines of title, the code


def test_counts_in_sentences_group_thousands_as_french_does():
    from mappings.text import fr_int, plural

    assert plural(4897, "apprenant") == "4\u202f897 apprenants" and plural(1, "apprenant") == "1 apprenant"
    assert plural(999, "cours", "cours") == "999 cours" and fr_int(1234567) == "1\u202f234\u202f567"
    assert fr_int(0) == "0" and fr_int(-1500) == "-1\u202f500"
