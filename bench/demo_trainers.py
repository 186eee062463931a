"""The demo's trainers' training course (indicator 22), derived into the demo's world: no recording holds one.

A category « Formation des formateurs » (id 5) with one course, FORMATEURS-PEDA (id 11), in which three of
the demo's teachers are enrolled as learners: Sophie Martin (43) completed it three months ago, Karim Benali
(44) twenty-six months ago (older than ``trainer_training_months``), Julie Moreau-Petit (45) has not
finished; Thomas Lefèvre (46) and the tutor (47) are not enrolled. Every answer takes a recorded answer as its
template (category 4, course 8, the teachers' enrolment records, C1's page and completion statuses) and is
marked ``derived``.
"""

from __future__ import annotations

import copy

CATEGORY, COURSE, CMID = 5, 11, 70
DAY = 86400
WHY = "derived: the trainers' training course (indicator 22), recorded answers as templates (bench/demo_trainers.py)"
DONE_DAYS_AGO = {43: 90, 44: 790}  # completed; 45 enrolled, not finished
ENROLLED = (43, 44, 45)


def _replace(entries: dict, key: tuple, response, why: str) -> None:
    old = entries[key]
    pristine = old.get("recorded") or {"file": old["source"].removeprefix("recorded:"), "response": old["response"]}
    entries[key] = {"source": why, "wsfunction": key[0], "params": old["params"], "response": response,
                    "recorded": pristine}


def add_trainers_world(add, entries: dict, now: int, staff_record, templates: dict, section: dict,
                       tmpl_status: dict, cc_crit: dict, onlyactive: dict, only_fields: tuple[str, ...],
                       users_course) -> None:
    key = ("core_course_get_categories", ())
    cats = copy.deepcopy(entries[key]["response"])
    tmpl = next(c for c in cats if c["id"] == 4)
    cats.append({**tmpl, "id": CATEGORY, "name": "Formation des formateurs", "path": f"/{CATEGORY}",
                 "coursecount": 1, "sortorder": 50000})
    _replace(entries, key, cats, "derived: recorded core_course_get_categories__all.json plus the trainers' "
                                 "category (bench/demo_trainers.py)")

    key = ("core_course_get_courses_by_field", ())
    listing = copy.deepcopy(entries[key]["response"])
    c8 = next(c for c in listing["courses"] if c["id"] == 8)
    course = copy.deepcopy(c8)
    start = now - 400 * DAY
    course.update(id=COURSE, shortname="FORMATEURS-PEDA", fullname="Formation de formateurs : pédagogie active",
                  displayname="Formation de formateurs : pédagogie active", categoryid=CATEGORY,
                  categoryname="Formation des formateurs", startdate=start, enddate=0, cacherev=start,
                  sortorder=50001, contacts=[],
                  summary="<p>Parcours interne des formateurs : pédagogie active, classe inversée.</p>",
                  customfields=[{**f, "value": None, "valueraw": None} for f in c8["customfields"]])
    listing["courses"].append(course)
    _replace(entries, key, listing, entries[key]["source"] + ", plus the trainers' training course "
                                                             "(bench/demo_trainers.py)")

    people = []
    for uid in ENROLLED:
        p = staff_record("C1", uid, "student")
        p["roles"] = [{"roleid": 5, "name": "", "shortname": "student", "sortorder": 0}]
        p["lastcourseaccess"] = now - DONE_DAYS_AGO.get(uid, 20) * DAY
        p["enrolledcourses"] = [{"id": COURSE, "fullname": course["fullname"], "shortname": course["shortname"]}]
        p.pop("groups", None)
        people.append(p)
    add(WHY, "core_enrol_get_enrolled_users", {"courseid": COURSE}, people)
    add(WHY + " (onlyactive)", "core_enrol_get_enrolled_users", {"courseid": COURSE, **onlyactive},
        [{k: p[k] for k in only_fields if k in p} for p in people])

    page = copy.deepcopy(templates["page"])
    page.update(id=CMID, instance=CMID, name="Module 1 — Pédagogie active",
                url=f"http://127.0.0.1:8080/mod/page/view.php?id={CMID}", contextid=0)
    general = copy.deepcopy(section)
    general.update(id=301, section=0, name="General", summary="", modules=[page])
    add(WHY, "core_course_get_contents", {"courseid": COURSE}, [general])

    for uid in ENROLLED:
        days = DONE_DAYS_AGO.get(uid)
        when = now - days * DAY if days else 0
        st = copy.deepcopy(tmpl_status)
        st.update(cmid=CMID, modname="page", instance=CMID, state=int(bool(days)), timecompleted=when,
                  isoverallcomplete=bool(days))
        st["details"] = [{"rulename": "completionview", "rulevalue": {"status": int(bool(days)),
                                                                      "description": "View"}}]
        add(WHY, "core_completion_get_activities_completion_status", {"courseid": COURSE, "userid": uid},
            {"statuses": [st], "warnings": []})
        crit = copy.deepcopy(cc_crit)
        crit.update(status="Yes" if days else "No", complete=bool(days), timecompleted=when or None)
        add(WHY, "core_completion_get_course_completion_status", {"courseid": COURSE, "userid": uid},
            {"completionstatus": {"completed": bool(days), "aggregation": 1, "completions": [crit]},
             "warnings": []})
        # their course list as the sync without the report reads it: the training course (the courses they
        # teach are left out: the sync reads completion of learner enrolments only)
        add(WHY, "core_enrol_get_users_courses", {"userid": uid, "returnusercount": "0"},
            [users_course(course, enabled=True, criteria=True, progress=100 if days else 0, completed=bool(days),
                          lastaccess=now - DONE_DAYS_AGO.get(uid, 20) * DAY)])
