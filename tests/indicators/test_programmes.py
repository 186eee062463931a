from mappings.programmes import (
    CategoryRef,
    CourseRef,
    Programme,
    Rule,
    assign_programmes,
    idle_rules,
    rule_text,
)

CATS = {2: CategoryRef(2, "PROG-BTS", "/2"), 5: CategoryRef(5, None, "/2/5"), 4: CategoryRef(4, None, "/4")}


def course(i, cat, short="X", fields=None):
    return CourseRef(i, short, None, cat, fields or {})


def test_first_matching_rule_wins_and_unmapped_listed():
    progs = [Programme("A", "A", rules=(Rule("customfield", "EXCEL-01", field="programme_code"),)),
             Programme("B", "B", rules=(Rule("category", "PROG-BTS"),)),
             Programme("C", "C", rules=(Rule("prefix", "DWWM-"),))]
    courses = [course(1, 2), course(2, 5), course(3, 4, "DWWM-FRONT"), course(4, 4, fields={"programme_code": "EXCEL-01"}),
               course(5, 4, "OTHER")]
    mapped, unmapped = assign_programmes(progs, courses, CATS)
    assert mapped == {"A": [4], "B": [1, 2], "C": [3]}
    assert [c.id for c in unmapped] == [5]


def test_without_subcategories():
    prog = Programme("B", "B", rules=(Rule("category", "2", subcategories=False),))
    mapped, unmapped = assign_programmes([prog], [course(1, 2), course(2, 5)], CATS)
    assert mapped == {"B": [1]} and [c.id for c in unmapped] == [2]


def test_rules_that_match_nothing_are_listed_as_the_toml_writes_them():
    progs = [Programme("B", "B", rules=(Rule("category", "PROG-BTS"), Rule("category", "HIDDEN-IDNUMBER"))),
             Programme("C", "C", rules=(Rule("prefix", "2025"), Rule("category", "4"))),
             Programme("A", "A", rules=(Rule("customfield", "EXCEL-01", field="programme_code"),))]
    idle = idle_rules(progs, [course(1, 2), course(3, 4, "DWWM-FRONT")], CATS)
    assert [(code, rule_text(r), absent) for code, r, absent in idle] == [
        ("B", 'category = "HIDDEN-IDNUMBER"', True),  # no such category (Moodle hides idnumbers)
        ("C", 'prefix = "2025"', False),
        ("A", 'customfield programme_code = "EXCEL-01"', False)]
    assert rule_text(Rule("category", "4")) == "category = 4"  # a category id is a number in the TOML
    assert idle_rules(progs[:1], [], CATS) == [("B", progs[0].rules[0], False), ("B", progs[0].rules[1], True)]
