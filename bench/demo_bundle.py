"""Build ``connector/demo/bundle.json``: the recorded Moodle answers the demo replays.

Every response the sync asks for that was recorded in ``../shared/moodle/fixtures``
is copied verbatim (``"source": "recorded:<file>"``). The recording covers only
part of the calls a full sync makes (e.g. enrolled users of C1 and C6 only), so the
missing answers are *derived*: built in the recorded shapes (recorded entries used
as templates) from the data set's ground truth in ``../shared/moodle/README.md`` and
``dataset.json`` (``"source": "derived: …"``). Run: ``python bench/demo_bundle.py``.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "moodle"
FIX = SHARED / "fixtures"
DATASET = json.loads((SHARED / "dataset.json").read_text())
NOW = DATASET["generated_at"]
DAY = 86400
SKIP = {"wstoken", "wsfunction", "moodlewsrestformat"}

SYNC_FUNCTIONS = {
    "core_webservice_get_site_info", "core_course_get_categories", "core_course_get_courses_by_field",
    "core_course_get_contents", "core_enrol_get_enrolled_users", "core_enrol_get_users_courses",
    "core_completion_get_activities_completion_status", "core_completion_get_course_completion_status",
    "mod_feedback_get_feedbacks_by_courses", "mod_feedback_get_items", "mod_feedback_get_responses_analysis",
    "mod_feedback_get_non_respondents", "mod_forum_get_forums_by_courses", "mod_forum_get_forum_discussions",
}
ONLYACTIVE = {
    "options[0][name]": "onlyactive", "options[0][value]": "1", "options[1][name]": "userfields",
    "options[1][value]": "id,fullname,email,idnumber,firstaccess,lastaccess,lastcourseaccess,roles,groups,"
                         "enrolledcourses",
}

entries: dict[tuple, dict] = {}


def key(wsfunction: str, params: dict) -> tuple:
    return (wsfunction, tuple(sorted((k, str(v)) for k, v in params.items() if k not in SKIP)))


def add(source: str, wsfunction: str, params: dict, response) -> None:
    k = key(wsfunction, params)
    if k in entries and entries[k]["source"].startswith("recorded"):
        return  # a recording always wins over a derivation
    entries[k] = {"source": source, "wsfunction": wsfunction, "params": dict(k[1]), "response": response}


def recorded(name: str) -> dict:
    return json.loads((FIX / name).read_text())


# ---------------------------------------------------------------- recordings
# the second recording set is another site (its own ids): only its quality course is derived into the demo
SET2 = {e["file"] for e in json.loads((SHARED / "fixtures_index.json").read_text())
        if (e.get("note") or "").startswith("set 2")}
for f in sorted(FIX.glob("*.json")):
    if f.name in SET2:
        continue
    d = json.loads(f.read_text())
    if d.get("token_user") != "qualiopisync" or d.get("wsfunction") not in SYNC_FUNCTIONS:
        continue
    if d.get("http_status") != 200 or d.get("endpoint", "").endswith("upload.php"):
        continue
    if f.name.endswith("__GET.json"):
        continue
    add(f"recorded:{f.name}", d["wsfunction"], d["params"], d["response"])

# ---------------------------------------------------------------- ground truth
C = {k: v["id"] for k, v in DATASET["courses"].items()}
S = {int(n): v for n, v in DATASET["users"]["students"].items()}
T = {int(n): v for n, v in DATASET["users"]["teachers"].items()}
TUTOR = DATASET["users"]["tutor"]["id"]
r = range
STUDENTS = {"C1": list(r(1, 16)), "C2": list(r(1, 16)), "C3": list(r(1, 11)), "C4": list(r(16, 31)),
            "C5": list(r(16, 31)), "C6": [], "C7": list(r(31, 41)) + [1, 2, 3], "C8": list(r(31, 41))}
SUSPENDED = {"C1": {14}, "C4": {29}, "C7": {40}}
STAFF = {"C1": [(43, "editingteacher"), (47, "teacher")], "C2": [(43, "editingteacher")],
         "C3": [(43, "editingteacher")], "C4": [(44, "editingteacher"), (47, "teacher")],
         "C5": [(45, "editingteacher"), (44, "editingteacher")], "C6": [(45, "editingteacher")],
         "C7": [(46, "editingteacher")], "C8": [(46, "editingteacher")]}
NEVER = {15, 30, 40}
INACTIVE_DAYS = {12: 45, 13: 62, 27: 35, 28: 90, 39: 50}

c1_default = recorded("core_enrol_get_enrolled_users__C1_default.json")["response"]
c1_by_id = {u["id"]: u for u in c1_default}
c6_teacher = recorded("core_enrol_get_enrolled_users__C6_hidden_no_students.json")["response"][0]


def lastaccess(n: int) -> int:
    uid = S[n]["id"]
    if uid in c1_by_id:
        return c1_by_id[uid]["lastaccess"]
    if n in NEVER:
        return 0
    if n in INACTIVE_DAYS:
        return NOW - INACTIVE_DAYS[n] * DAY - 3600 * (n % 7)
    return NOW - ((n % 9) + 1) * DAY + 1800 * (n % 5)


def groups_for(course: str, n: int | None, uid: int) -> list[dict]:
    if course == "C1":
        return copy.deepcopy(c1_by_id[uid]["groups"]) if uid in c1_by_id else []
    if course == "C4" and n is not None:
        return [{"id": DATASET["groups"]["C4"], "name": "Promo DWWM Printemps", "description": "",
                 "descriptionformat": 1}]
    return []


def student_record(course: str, n: int) -> dict:
    uid = S[n]["id"]
    base = copy.deepcopy(c1_by_id.get(uid) or c1_by_id[3])
    first, last = S[n]["fullname"].split(" ", 1)
    la = lastaccess(n)
    base.update(id=uid, username=S[n]["username"], firstname=first, lastname=last, fullname=S[n]["fullname"],
                email=f"{S[n]['username']}@example.com", idnumber=f"STU{n:03d}", lastaccess=la,
                lastcourseaccess=la, firstaccess=0 if la == 0 else base["firstaccess"])
    base["groups"] = groups_for(course, n, uid)
    base["enrolledcourses"] = [
        {"id": C[c], "fullname": DATASET["courses"][c]["fullname"], "shortname": DATASET["courses"][c]["shortname"]}
        for c in ("C3", "C2", "C1", "C4", "C5", "C7", "C8") if n in STUDENTS[c]
    ]
    if not base["groups"]:
        base.pop("groups", None)
    return base


def staff_record(course: str, uid: int, role: str) -> dict:
    base = copy.deepcopy(c1_by_id.get(uid) or c6_teacher)
    teacher = next((t for t in T.values() if t["id"] == uid), None)
    if teacher:
        first, last = teacher["fullname"].split(" ", 1)
        base.update(id=uid, username=teacher["username"], firstname=first, lastname=last,
                    fullname=teacher["fullname"], email=f"{teacher['username']}@example.com",
                    idnumber=f"FORM{list(T.values()).index(teacher) + 1:03d}")
    base["lastcourseaccess"] = 0
    base["roles"] = [{"roleid": 3 if role == "editingteacher" else 4, "name": "", "shortname": role,
                      "sortorder": 0}]
    if course == "C4" and uid == TUTOR:
        base["groups"] = groups_for("C4", None, uid)
    elif course != "C1":
        base.pop("groups", None)
    return base


ONLY_FIELDS = ("id", "fullname", "email", "idnumber", "firstaccess", "lastaccess", "lastcourseaccess",
               "roles", "groups", "enrolledcourses")
for course, cid in C.items():
    people = [student_record(course, n) for n in STUDENTS[course]] + [
        staff_record(course, uid, role) for uid, role in STAFF[course]]
    why = "derived: enrolled users from README ground truth, C1 records as templates"
    add(why, "core_enrol_get_enrolled_users", {"courseid": cid}, people)
    active = [{k: p[k] for k in ONLY_FIELDS if k in p} for p in people
              if not any(p["id"] == S[n]["id"] for n in SUSPENDED.get(course, ()))]
    add(why + " (onlyactive drops suspended)", "core_enrol_get_enrolled_users", {"courseid": cid, **ONLYACTIVE},
        active)

# ---------------------------------------------------------------- course contents
c1_contents = recorded("core_course_get_contents__rich_C1.json")["response"]
templates = {m["modname"]: m for s in c1_contents for m in s["modules"]}
empty_sections = recorded("core_course_get_contents__empty_C3.json")["response"]
MOD_NAMES = {"page": "Support de cours", "assign": "Devoir - Étude de cas", "feedback": "Questionnaire de satisfaction",
             "url": "Ressource en ligne", "resource": "Fiche mémo (PDF)", "quiz": "Quiz d'évaluation",
             "forum": "Questions techniques"}
LAYOUT = {  # section name → module keys (dataset.json "modules")
    "C2": [("Séquence 1 - L'offre produits", ["page", "assign"]), ("Bilan", ["feedback"])],
    "C4": [("Séquence 1 - HTML et CSS", ["page", "url"]), ("Séquence 2 - JavaScript", ["resource", "forum"]),
           ("Séquence 3 - Accessibilité", []), ("Évaluations", ["quiz", "assign"]), ("Bilan", ["feedback"])],
    "C5": [("Séquence 1 - API et bases de données", ["page", "assign"])],
    "C6": [("Projet", ["page"])],
    "C7": [("Prise en main", ["page", "resource"]), ("Évaluation et bilan", ["quiz", "feedback"])],
}
COMPLETION_OFF = {"C6"}
# indicator 8: a positioning quiz in the General section of C2 and C4, derived (no recording has one); cm ids
# and quiz instances 60/61 collide with nothing recorded
POSITIONING = {"C2": {"cmid": 60, "instance": 60}, "C4": {"cmid": 61, "instance": 61}}
MOD_NAMES["positioning"], templates["positioning"] = "Test de positionnement", templates["quiz"]
section_id = 100
for course, layout in LAYOUT.items():
    cid, mods = C[course], {**DATASET["modules"][course], **({"positioning": POSITIONING[course]}
                                                              if course in POSITIONING else {})}
    sections = []
    general = ["positioning"] if course in POSITIONING else []
    for number, (name, keys) in enumerate([("General", general)] + layout):
        section_id += 1
        sec = copy.deepcopy(empty_sections[min(number, 1)])
        sec.update(id=section_id, section=number, name=name,
                   summary="" if number == 0 else f"<p>{name} : contenus et activités de la séquence.</p>")
        sec["modules"] = []
        for k in keys:
            m = copy.deepcopy(templates[k])
            m.update(id=mods[k]["cmid"], instance=mods[k]["instance"], name=MOD_NAMES[k],
                     url=f"http://127.0.0.1:8080/mod/{m['modname']}/view.php?id={mods[k]['cmid']}", contextid=0)
            if course in COMPLETION_OFF:
                m["completion"] = 0
                m.pop("completiondata", None)
            sec["modules"].append(m)
        sections.append(sec)
    add("derived: sections/modules from dataset.json module ids, C1 modules as templates",
        "core_course_get_contents", {"courseid": cid}, sections)

# ---------------------------------------------------------------- completion
act01 = recorded("core_completion_get_activities_completion_status__C1_student01_complete.json")["response"]
tmpl_status = act01["statuses"][0]
cc_done = recorded("core_completion_get_course_completion_status__C1_student01_complete.json")["response"]
cc_crit = cc_done["completionstatus"]["completions"][0]
nocriteria = recorded("core_completion_get_course_completion_status__C2_no_criteria.json")["response"]
notenrolled = recorded("core_completion_get_course_completion_status__C1_not_enrolled_user.json")["response"]
TRACKED = {"C1": ["page", "resource", "url", "page2", "quiz", "assign", "feedback"],
           "C2": ["positioning", "page", "assign", "feedback"],
           "C4": ["positioning", "page", "url", "resource", "quiz", "assign", "feedback"],
           "C5": ["page", "assign"], "C7": ["page", "resource", "quiz", "feedback"]}
CRITERIA = {"C1": ["page", "quiz", "assign", "feedback"], "C4": ["page", "url", "quiz", "assign", "feedback"],
            "C5": ["page", "assign"], "C7": ["page", "quiz", "feedback"]}


START = {c["id"]: c["startdate"] for c in recorded("core_course_get_courses_by_field__all.json")["response"]["courses"]}


def positioned_at(course: str, n: int) -> int | None:
    """When learner n took the positioning quiz: before the course start, or weeks later, or never (only
    learners who did something else in the course took it, so that the course's progress counts stay)."""
    start = START[C[course]]
    if course == "C2":
        return start - 2 * DAY if n <= 5 else start + 25 * DAY if n == 6 else None
    if course == "C4":
        return start - DAY if n <= 22 else start + 20 * DAY if n <= 24 else None
    return None


def done_set(course: str, n: int) -> set[str]:
    full = set(TRACKED[course])
    if course == "C1":
        return full if n <= 5 else ({"page", "resource", "quiz", "url", "feedback"} if n <= 7 else
                                    {"page", "resource", "feedback"} if n == 8 else
                                    {"page", "resource"} if n <= 10 else set())
    if course == "C2":
        return {"page"} if n <= 6 else set()
    if course == "C4":
        if n <= 19:
            return full
        if n <= 25:
            return {"page"} | ({"quiz"} if n <= 22 else set()) | ({"feedback"} if n <= 24 else set())
        return set()
    if course == "C5":
        return {"page"} if n == 16 else set()
    if course == "C7":
        return full if 31 <= n <= 36 else ({"page", "feedback"} if n in (37, 38) else set())
    return set()


for course, tracked in TRACKED.items():
    cid, mods = C[course], DATASET["modules"][course]
    for n in STUDENTS[course]:
        uid, done = S[n]["id"], done_set(course, n)
        when = NOW - 14 * DAY if course != "C7" else NOW - 59 * DAY
        statuses = []
        for k in tracked:
            st = copy.deepcopy(tmpl_status)
            if k == "positioning":
                at = positioned_at(course, n)
                ok, spec = at is not None, POSITIONING[course]
                st.update(cmid=spec["cmid"], modname="quiz", instance=spec["instance"], state=int(ok),
                          timecompleted=at or 0, isoverallcomplete=ok)
            else:
                ok = k in done
                st.update(cmid=mods[k]["cmid"], modname=k.rstrip("2"), instance=mods[k]["instance"], state=int(ok),
                          timecompleted=when if ok else 0, isoverallcomplete=ok)
            st["details"] = [{"rulename": "completionview", "rulevalue": {"status": int(ok), "description": "View"}}]
            statuses.append(st)
        add("derived: activity completion from README ground truth", "core_completion_get_activities_completion_status",
            {"courseid": cid, "userid": uid}, {"statuses": statuses, "warnings": []})
        if n in SUSPENDED.get(course, ()):  # Moodle tracks active enrolments only (completion_info::is_tracked_user)
            add("derived: a suspended learner is not tracked (recorded usernotenroled body)",
                "core_completion_get_course_completion_status", {"courseid": cid, "userid": uid}, notenrolled)
            continue
        if course == "C2":
            add("derived: C2 has no course criteria (recorded error body)",
                "core_completion_get_course_completion_status", {"courseid": cid, "userid": uid}, nocriteria)
            continue
        crits = []
        for k in CRITERIA[course]:
            ok = k in done
            c = copy.deepcopy(cc_crit)
            c.update(status="Yes" if ok else "No", complete=ok, timecompleted=when if ok else None)
            c["details"] = dict(c["details"], criteria=f"<a href=\"http://127.0.0.1:8080/mod/{k.rstrip('2')}/view.php"
                                f"?id={mods[k]['cmid']}\">{MOD_NAMES.get(k, k)}</a>")
            crits.append(c)
        status = {"completed": all(c["complete"] for c in crits), "aggregation": 1, "completions": crits}
        add("derived: course completion from README ground truth", "core_completion_get_course_completion_status",
            {"courseid": cid, "userid": uid}, {"completionstatus": status, "warnings": []})

# each learner's courses (the sync without the participants report reads completion this way): the recorded
# answer of student15 as template, one entry per active enrolment, from the same ground truth as above
LISTING = {c["id"]: c for c in recorded("core_course_get_courses_by_field__all.json")["response"]["courses"]}
UC_TEMPLATE = recorded("core_enrol_get_users_courses__student15_never.json")["response"][0]
COMPLETION_ON = set(TRACKED)


def users_course(course: dict, *, enabled: bool, criteria: bool, progress, completed, lastaccess: int) -> dict:
    """One course of ``core_enrol_get_users_courses`` (returnusercount=0) in the recorded shape."""
    x = copy.deepcopy(UC_TEMPLATE)
    x.update(id=course["id"], shortname=course["shortname"], fullname=course["fullname"],
             displayname=course.get("displayname", course["fullname"]), idnumber=course.get("idnumber", ""),
             visible=course.get("visible", 1), summary=course.get("summary", ""), enablecompletion=enabled,
             completionhascriteria=enabled and criteria, completionusertracked=enabled,
             progress=progress if enabled else None, completed=completed if enabled else None,
             startdate=course["startdate"], enddate=course.get("enddate", 0), lastaccess=lastaccess or None,
             hidden=False, showcompletionconditions=True if enabled else None)
    return x


def percent(done: int, total: int):
    """Moodle's progress: done / tracked × 100 (a whole number when it divides)."""
    value = done * 100 / total if total else 0
    return int(value) if value == int(value) else value


for n in sorted(S):
    mine = []
    for course in ("C3", "C2", "C1", "C4", "C5", "C7", "C8"):
        if n not in STUDENTS[course] or n in SUSPENDED.get(course, ()):
            continue  # Moodle lists active enrolments only
        on = course in COMPLETION_ON
        done = done_set(course, n) & set(TRACKED[course]) if on else set()
        if course in POSITIONING and positioned_at(course, n) is not None:
            done |= {"positioning"}
        mine.append(users_course(
            LISTING[C[course]], enabled=on, criteria=course in CRITERIA,
            progress=percent(len(done), len(TRACKED[course])) if on else None,
            completed=course in CRITERIA and set(CRITERIA[course]) <= done, lastaccess=lastaccess(n)))
    add("derived: the learner's active courses from README ground truth (recorded student15 answer as template)",
        "core_enrol_get_users_courses", {"userid": S[n]["id"], "returnusercount": "0"}, mine)

# doctor probes feedback with the first course only
fb4 = recorded("mod_feedback_get_feedbacks_by_courses__4courses.json")["response"]
add("derived: recorded 4-course answer filtered to course 2 (doctor probe)", "mod_feedback_get_feedbacks_by_courses",
    {"courseids[0]": C["C1"]}, {**fb4, "feedbacks": [f for f in fb4["feedbacks"] if f["course"] == C["C1"]]})

# doctor (with the participants report) reads the first learner's courses without the user counts
uc = recorded("core_enrol_get_users_courses__student01.json")
add("derived: recorded answer for student01 without enrolledusercount (returnusercount=0)",
    "core_enrol_get_users_courses", {"userid": uc["params"]["userid"], "returnusercount": "0"},
    [{k: v for k, v in c.items() if k != "enrolledusercount"} for c in uc["response"]])

forums = recorded("mod_forum_get_forums_by_courses__C1_C4.json")["response"]
add("derived: recorded 2-course answer filtered to course 2 (doctor probe)", "mod_forum_get_forums_by_courses",
    {"courseids[0]": C["C1"]}, [f for f in forums if f["course"] == C["C1"]])

# doctor compares the gradebook of its probe course (C1, first with a learner) with what the sync user sees
c1_graded = [m for sec in c1_contents for m in sec["modules"] if m["modname"] in ("quiz", "assign")]
g_items = [{"id": str(100 + i), "itemname": m["name"], "category": DATASET["courses"]["C1"].get("fullname", "C1")}
           for i, m in enumerate(c1_graded)]
add("derived: C1's graded modules (rich_C1 contents) in the shape of core_grades_get_gradeitems__EXCEL-FOND.json",
    "core_grades_get_gradeitems", {"courseid": C["C1"]}, {"gradeItems": g_items, "warnings": []})
ug = copy.deepcopy(json.loads((FIX / "gradereport_user_get_grade_items__EXCEL-FOND_student26.json").read_text())
                   ["response"])
tmpl_item = next(i for i in ug["usergrades"][0]["gradeitems"] if i["itemtype"] == "mod")
first = S[STUDENTS["C1"][0]]
ug["usergrades"][0].update(courseid=C["C1"], courseidnumber="", userid=first["id"],
                           userfullname=c1_by_id[first["id"]]["fullname"], useridnumber=first.get("idnumber", ""))
ug["usergrades"][0]["gradeitems"] = [
    {**tmpl_item, "id": int(g["id"]), "itemname": m["name"], "itemmodule": m["modname"], "iteminstance": m["instance"],
     "cmid": m["id"]} for g, m in zip(g_items, c1_graded, strict=True)]
add("derived: the gradebook items as the sync user sees them (set-2 student26 answer as template)",
    "gradereport_user_get_grade_items", {"courseid": C["C1"], "userid": first["id"]}, ug)

# follow-up traces (12): the second set's recorded notes of its course 2, moved onto C1's learners at risk
# here (student12, 45 days without access; student13, 62 days), written two and three days ago; student15
# (never came) has none. Every other course answers no note.
notes = copy.deepcopy(recorded("core_notes_get_course_notes__BTSMCO-DRC.json")["response"])
moved = {3: (S[12]["id"], 2), 1: (S[13]["id"], 3), 2: (S[13]["id"], 1)}  # note id → (learner, days ago)
for n in notes["sitenotes"] + notes["coursenotes"]:
    uid, days = moved[n["id"]]
    n.update(courseid=C["C1"], userid=uid, created=NOW - days * DAY, lastmodified=NOW - days * DAY)
for cid in sorted({*C.values(), 10, 11}):  # 11: the trainers' course (bench/demo_trainers.py)
    answer = notes if cid == C["C1"] else {**notes, "sitenotes": [], "coursenotes": []}
    add("derived: core_notes_get_course_notes__BTSMCO-DRC.json (second set) with its notes moved onto C1's "
        "learners at risk; no note elsewhere", "core_notes_get_course_notes", {"courseid": cid}, answer)

# who replied when in C1's general forum discussion (read when a forum is watched as a complaints channel):
# no recording of mod_forum_get_discussion_posts; shape of Moodle 4.5's post exporter
# (mod/forum/classes/local/exporters/post.php), values from the recorded discussion list (2 replies, the last
# by user 7 at its timemodified; the first reply placed a day after the opening, by user 3)
disc = recorded("mod_forum_get_forum_discussions__C1_general.json")["response"]["discussions"][0]


def post(pid: int, parent: int | None, author: int, when: int, subject: str) -> dict:
    return {"id": pid, "subject": subject, "replysubject": f"Re: {disc['name']}", "message": "<p>…</p>",
            "messageformat": 1, "author": {"id": author, "fullname": c1_by_id.get(author, {}).get("fullname", ""),
                                           "isdeleted": False, "groups": [], "urls": {}},
            "discussionid": disc["discussion"], "hasparent": parent is not None, "parentid": parent,
            "timecreated": when, "timemodified": when, "unread": None, "isdeleted": False, "isprivatereply": False,
            "haswordcount": False, "wordcount": None, "charcount": None, "capabilities": {}, "urls": {},
            "attachments": [], "tags": [], "html": {"rating": None, "taglist": None, "authorsubheading": None}}


add("derived: posts of the recorded C1 discussion (shape of Moodle 4.5's post exporter, no recording)",
    "mod_forum_get_discussion_posts", {"discussionid": disc["discussion"], "sortby": "created",
                                       "sortdirection": "ASC"},
    {"posts": [post(disc["id"], None, disc["userid"], disc["created"], disc["name"]),
               post(disc["id"] + 1, disc["id"], 3, disc["created"] + DAY, f"Re: {disc['name']}"),
               post(disc["id"] + 2, disc["id"] + 1, disc["usermodified"], disc["timemodified"],
                    f"Re: {disc['name']}")],
     "forumid": 1, "courseid": C["C1"], "ratinginfo": None, "warnings": []})

sys.path.insert(0, str(ROOT))
from bench.demo_quality import add_quality_world, quality_files
from bench.demo_trainers import add_trainers_world

add_quality_world(add, recorded, NOW + 180, C, ONLYACTIVE, entries, ONLY_FIELDS)
add_trainers_world(add, entries, NOW, staff_record, templates, empty_sections[0], tmpl_status, cc_crit, ONLYACTIVE,
                   ONLY_FIELDS, users_course)
FILES, BLOBS = quality_files(recorded, FIX)

out = ROOT / "connector" / "demo" / "bundle.json"
out.parent.mkdir(parents=True, exist_ok=True)
payload = {"clock": NOW, "recorded_from": "Moodle 4.5 (Build: 20241007), see ../shared/moodle/README.md",
           "entries": sorted(entries.values(), key=lambda e: (e["wsfunction"], sorted(e["params"].items()))),
           "files": FILES, "blobs": BLOBS}
out.write_text(json.dumps(payload, ensure_ascii=False, indent=0, sort_keys=True))
n_rec = sum(e["source"].startswith("recorded") for e in entries.values())
print(f"{out}: {len(entries)} responses ({n_rec} recorded, {len(entries) - n_rec} derived)")
