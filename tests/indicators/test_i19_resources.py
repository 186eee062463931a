"""Indicator 19: resources offered to learners, by kind, per course; a pass and a fail case per rule."""

from __future__ import annotations

from dataclasses import replace

from mappings.indicators import i19_resources
from mappings.model import Document, Evidence, ModuleSnap, Outcome, SectionSnap, Status
from mappings.status import assess
from tests.indicators.builders import good_course, inp

PDF = (Document("support.pdf", size=1000),)


def with_modules(*mods: ModuleSnap, section_visible: bool = True, **kw):
    return good_course(sections=(SectionSnap(1, "Séquence 1", "", section_visible, mods),), **kw)


def test_resources_are_counted_by_kind_and_a_course_with_resources_passes():
    c = with_modules(ModuleSnap(1, "resource", "Diaporama", None, True, 0, files=PDF),
                     ModuleSnap(2, "resource", "Fiche", None, True, 0, files=PDF),
                     ModuleSnap(3, "url", "Site RNCP", None, True, 0, target="https://www.francecompetences.fr"),
                     ModuleSnap(4, "quiz", "Quiz", None, True, 2), ModuleSnap(5, "glossary", "Lexique", None, True, 0))
    v = i19_resources.evaluate(inp(c))
    assert v.outcome == Outcome.PASSED and v.findings == ()
    assert v.figures["ressources"] == 4 and v.figures["types_de_ressources"] == "2 fichiers, 1 glossaire, 1 lien"
    assert "4 ressources mises à disposition" in v.summary and "1 cours sur 1" in v.summary


def test_hidden_or_empty_resources_do_not_count_and_the_course_is_to_correct():
    hidden = ModuleSnap(1, "resource", "Diaporama", None, False, 0, files=PDF)
    empty = ModuleSnap(2, "resource", "Fiche", None, True, 0)
    no_target = ModuleSnap(3, "url", "Lien", None, True, 0, target="")
    blank_page = ModuleSnap(4, "page", "Page", None, True, 0, text_chars=0)
    v = i19_resources.evaluate(inp(with_modules(hidden, empty, no_target, blank_page)))
    assert v.outcome == Outcome.FAILED and v.missing and v.figures["ressources"] == 0
    assert v.findings[0].what == "Aucune ressource pédagogique dans le cours" and "3 ressources vides" in v.findings[0].why
    in_hidden_section = with_modules(ModuleSnap(1, "resource", "Diaporama", None, True, 0, files=PDF),
                                     section_visible=False)
    assert i19_resources.evaluate(inp(in_hidden_section)).figures["ressources"] == 0


def test_a_programme_is_judged_by_its_courses_coverage_and_declared_evidence_avoids_to_provide():
    rich = with_modules(ModuleSnap(1, "book", "Livre", None, True, 0))
    bare = replace(with_modules(ModuleSnap(4, "quiz", "Quiz", None, True, 2)), id=3, shortname="BARE")
    v = i19_resources.evaluate(inp(rich, bare))
    assert v.outcome == Outcome.FAILED and not v.missing and "1 cours sur 2" in v.summary
    assert assess(v, "mineure_ou_majeure", 0.8)[0] == Status.A_CONSOLIDER  # 50 % of the courses
    assert assess(v, "mineure_ou_majeure", 0.5)[0] == Status.COUVERT
    declared = Evidence("Centre de ressources en ligne", source="register", indicators=(19,), scope="organisme")
    only_declared = i19_resources.evaluate(replace(inp(bare), evidence=(declared,)))
    assert only_declared.outcome == Outcome.WARN and not only_declared.missing
    assert assess(only_declared, "mineure_ou_majeure", 0.8)[0] == Status.A_CONSOLIDER


def test_a_page_with_text_or_not_read_yet_counts_and_no_visible_course_is_not_evaluated():
    written = ModuleSnap(1, "page", "Fiche méthode", None, True, 0, text_chars=1200)
    not_read = ModuleSnap(2, "page", "Glossaire métier", None, True, 0)  # text_chars None: counted
    v = i19_resources.evaluate(inp(with_modules(written, not_read)))
    assert v.outcome == Outcome.PASSED and v.figures["types_de_ressources"] == "2 pages"
    hidden = i19_resources.evaluate(inp(good_course(visible=False)))
    assert hidden.outcome == Outcome.NOT_EVALUATED and hidden.missing_data == "aucun cours visible rattaché au programme"
