from dataclasses import replace

from mappings.indicators import i06_contents
from mappings.model import ModuleSnap, Outcome, SectionSnap
from tests.indicators.builders import good_course, inp


def test_pass_complete_course():
    v = i06_contents.evaluate(inp(good_course()))
    assert v.outcome == Outcome.PASSED, v.findings
    assert v.figures["cours_a_completer"] == 0


def test_fail_empty_course_like_c3():
    c3 = good_course(summary="", enddate=0, customfields={},
                     sections=(SectionSnap(0, "General", "", True, ()), SectionSnap(1, "New section", "", True, ())))
    v = i06_contents.evaluate(inp(c3))
    assert v.outcome == Outcome.FAILED
    whats = {f.what for f in v.findings}
    assert {"Résumé du cours absent ou trop court", "Section sans nom", "Section visible vide",
            "Aucune activité d’évaluation", "Dates du cours incomplètes", "Champ « modalite » non renseigné"} <= whats
    f = next(f for f in v.findings if f.what == "Section visible vide")
    assert f.where.section == "section 1" and f.where.course == "GOOD" and f.fix


def test_plain_text_summary_and_hidden_course_skipped():
    plain = good_course(summary="Objectifs : " + "x" * 250, summaryformat=2)
    hidden = replace(good_course(summary=""), id=7, shortname="HIDDEN", visible=False)
    v = i06_contents.evaluate(inp(plain, hidden))
    assert v.outcome == Outcome.PASSED and v.figures["cours_masques_ignores"] == 1


def test_no_visible_course_is_not_evaluated():
    v = i06_contents.evaluate(inp(good_course(visible=False)))
    assert v.outcome == Outcome.NOT_EVALUATED and v.missing_data


def test_script_in_summary_is_not_counted_as_text():
    c = good_course(summary="<script>" + "alert(1);" * 50 + "</script><p>Objectifs</p>")
    v = i06_contents.evaluate(inp(c))
    assert any(f.what.startswith("Résumé") for f in v.findings)


def test_missing_assessment_only():
    c = good_course(sections=(SectionSnap(1, "Séquence", "<p>x</p>", True,
                                          (ModuleSnap(1, "page", "P", None, True, 2),)),))
    v = i06_contents.evaluate(inp(c))
    assert [f.what for f in v.findings if f.severity == Outcome.FAILED] == ["Aucune activité d’évaluation"]


def test_unfinished_section_of_a_structured_course_only_warns():
    base = good_course()
    c1 = replace(base, sections=(*base.sections, SectionSnap(6, "New section", "", True, ())))
    v = i06_contents.evaluate(inp(c1))
    assert v.outcome == Outcome.WARN
    assert {f.what for f in v.findings} == {"Section sans nom", "Section sans description", "Section visible vide"}
    assert {f.where.section for f in v.findings} == {"section 6"}


def test_sections_with_the_same_problem_make_one_line_linked_to_the_first():
    from mappings.model import ModuleSnap, SectionSnap

    page = ModuleSnap(10, "page", "Cours", None, True, 2)
    named = SectionSnap(1, "La vente conseil", "<p>Objectifs de la séquence</p>", True, (page,))
    unnamed = tuple(SectionSnap(n, f"Section {n}", "", True, (page,)) for n in (2, 3, 4, 5))
    c = good_course(sections=(SectionSnap(0, "General", "", True, ()), named, *unnamed),
                    url="https://moodle.example.fr/course/view.php?id=2")
    v = i06_contents.evaluate(inp(c))
    whats = [f.what for f in v.findings]
    assert whats.count("Sections sans nom") == 1 and "Section sans nom" not in whats
    f = next(f for f in v.findings if f.what == "Sections sans nom")
    assert f.where.section == "sections 2, 3, 4, 5" and f.severity == Outcome.WARN  # the course has a structure
    assert f.where.url == "https://moodle.example.fr/course/view.php?id=2#section-2"
    one = i06_contents.evaluate(inp(replace(c, sections=(named, unnamed[0]))))
    assert [f.where.section for f in one.findings if f.what == "Section sans nom"] == ["section 2"]


def test_a_face_to_face_course_is_not_judged_on_its_moodle_space_structure():
    from mappings.model import SectionSnap

    shell = dict(sections=(SectionSnap(1, "Section 1", "", True, ()),))
    face = good_course(**shell, customfields={"modalite": "1"}, customfield_labels={"modalite": "Présentiel"})
    v = i06_contents.evaluate(inp(face))
    assert v.outcome == Outcome.PASSED and v.findings == ()
    online = i06_contents.evaluate(inp(good_course(**shell)))  # the builder has the raw option only: judged
    assert {"Section sans nom", "Section visible vide", "Aucune activité d’évaluation"} <= \
        {f.what for f in online.findings}
