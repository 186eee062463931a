from mappings.programmes import CategoryRef, CourseRef, Programme, Rule, assign_programmes

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
