"""The demo's quality course and registers, derived from the second recording set into the demo's world.

The second set (``../shared/moodle`` RECORDINGS-2.md) is another site: its quality course QUALITE (id 10),
its documents (cm 27–32) and its three registers (databases 1–3, cm 33–35). Here they become the demo
site's quality course, every entry marked ``derived``:

- ids that would collide with the first set's are moved: modules +100, sections 201–203;
- times are moved by whole days so that the recording's "now" falls on the demo's clock (a document that
  was 400 days old stays 400 days old, a review that fell due that morning still does);
- programme codes of the registers are those of the demo (BTS-MCO-2025 → BTS-MCO, EXCEL-01 → EXCEL);
  TP-DWWM-2025 is kept as recorded, so that the demo shows how an unknown code is reported;
- the quality manager (user 38 there) is user 50 here; the sync user's answers keep their shape.
"""

from __future__ import annotations

import copy

T0 = 1796277458  # the second recording's clock
DAY = 86400
CODES = {"BTS-MCO-2025": "BTS-MCO", "EXCEL-01": "EXCEL"}
QUALITE = 10
MANAGER = {"id": 50, "fullname": "Nadia Qualité-Responsable", "firstname": "Nadia", "lastname": "Qualité-Responsable"}
WHY = "derived: second recording set's quality course (RECORDINGS-2.md), moved into the demo's ids and clock"


def _cm(i: int) -> int:
    return i + 100


def _url(u: str | None) -> str | None:
    if not u or "view.php?id=" not in u:
        return u
    head, _, num = u.rpartition("=")
    return f"{head}={_cm(int(num))}" if num.isdigit() else u


def _pristine(entry: dict) -> dict:
    """The recorded answer a derived entry replaces, kept as the simulator's template."""
    return {"file": entry["source"].removeprefix("recorded:"), "response": entry["response"]}


def quality_files(recorded, fixtures) -> tuple[dict, dict]:
    """The bytes the demo's file downloads answer with: (files by URL, blobs by name).

    Two downloads were recorded (the welcome booklet as a resource and as a register attachment, the same
    PDF); the other documents of the quality course were not downloaded in the recording, so their
    answers are derived: the recorded PDF stands for them.
    """
    import base64

    blob = (fixtures / "files" / "pluginfile__resource_file.bin").read_bytes()
    blobs = {"livret_accueil.pdf": base64.b64encode(blob).decode()}
    files = {}
    for name in ("pluginfile__resource_file.json", "pluginfile__register_attachment.json"):
        rec = recorded(name)
        files[rec["url"].split("?")[0]] = {"content_type": rec["headers"]["Content-Type"],
                                           "blob": "livret_accueil.pdf", "source": f"recorded:{name}"}
    for sec in recorded("core_course_get_contents__QUALITE.json")["response"]:
        for m in sec["modules"]:
            for c in m.get("contents", []):
                url = (c.get("fileurl") or "").split("?")[0]
                if c["type"] == "file" and "/mod_page/" not in url and url not in files:
                    files[url] = {"content_type": "application/pdf", "blob": "livret_accueil.pdf",
                                  "source": "derived: not downloaded in the recording; the recorded PDF stands "
                                            "for it"}
    return files, blobs


def add_quality_world(add, recorded, demo_now: int, courses: dict, onlyactive: dict, entries: dict,
                      only_fields: tuple[str, ...]) -> None:
    shift = round((demo_now - T0) / DAY) * DAY

    def t(v):
        return v + shift if isinstance(v, int) and v > 0 else v

    # contents: ids moved, times shifted
    sections = copy.deepcopy(recorded("core_course_get_contents__QUALITE.json")["response"])
    for n, sec in enumerate(sections):
        sec["id"] = 201 + n
        for m in sec["modules"]:
            m["id"], m["url"] = _cm(m["id"]), _url(m.get("url"))
            if m.get("contentsinfo"):
                m["contentsinfo"]["lastmodified"] = t(m["contentsinfo"]["lastmodified"])
            for c in m.get("contents", []):
                c["timecreated"], c["timemodified"] = t(c.get("timecreated")), t(c.get("timemodified"))
    add(WHY, "core_course_get_contents", {"courseid": QUALITE}, sections)

    original = recorded("mod_page_get_pages_by_courses__QUALITE.json")["response"]
    pages = copy.deepcopy(original)
    for p in pages["pages"]:
        p["coursemodule"], p["timemodified"] = _cm(p["coursemodule"]), t(p["timemodified"])
    add(WHY, "mod_page_get_pages_by_courses", {"courseids[0]": QUALITE}, pages)
    key = ("mod_page_get_pages_by_courses", (("courseids[0]", str(QUALITE)),))
    entries[key]["recorded"] = {"file": "mod_page_get_pages_by_courses__QUALITE.json", "response": original}

    dbs = copy.deepcopy(recorded("mod_data_get_databases_by_courses__QUALITE.json")["response"])
    for d in dbs["databases"]:
        d["coursemodule"] = _cm(d["coursemodule"])
    add(WHY, "mod_data_get_databases_by_courses", {"courseids[0]": QUALITE}, dbs)

    for name, dataid in (("db1_preuves", 1), ("db2_reclamations", 2), ("db3_plan_amelioration", 3)):
        fields = recorded(f"mod_data_get_fields__{name}.json")["response"]
        add(f"recorded:mod_data_get_fields__{name}.json", "mod_data_get_fields", {"databaseid": dataid}, fields)
        dates = {f["id"] for f in fields["fields"] if f["type"] == "date"}
        texts = {f["id"] for f in fields["fields"] if f["name"] == "programme"}
        got = copy.deepcopy(recorded(f"mod_data_get_entries__{name}_returncontents.json")["response"])
        for e in got["entries"]:
            e["timecreated"], e["timemodified"] = t(e["timecreated"]), t(e["timemodified"])
            e["userid"], e["fullname"] = MANAGER["id"], MANAGER["fullname"]
            for c in e["contents"]:
                if c["fieldid"] in dates and c["content"] and c["content"].isdigit():
                    c["content"] = str(int(c["content"]) + shift)
                if c["fieldid"] in texts and c["content"] in CODES:
                    c["content"] = CODES[c["content"]]
                for f in c.get("files", []):
                    f["timemodified"] = t(f["timemodified"])
        add(WHY, "mod_data_get_entries", {"databaseid": dataid, "returncontents": 1, "page": 0, "perpage": 200}, got)

    # nothing changes in the demo's quality course between runs: Moodle reports no update, whatever "since"
    none = recorded("core_course_get_updates_since__BTSMCO-DRC_before_edit.json")["response"]
    add("derived: the recorded answer with no update (core_course_get_updates_since__BTSMCO-DRC_before_edit.json), "
        "for any time", "core_course_get_updates_since", {"courseid": QUALITE, "since": "*"}, none)
    for name, dataid in (("db1_preuves", 1), ("db2_reclamations", 2), ("db3_plan_amelioration", 3)):
        full = recorded(f"mod_data_get_entries__{name}_returncontents.json")["response"]
        first = {k: v for k, v in full["entries"][0].items() if k != "contents"}
        add(WHY + " (the entry count: one entry, no contents)", "mod_data_get_entries",
            {"databaseid": dataid, "returncontents": 0, "page": 0, "perpage": 1},
            {**full, "entries": [{**first, "userid": MANAGER["id"], "fullname": MANAGER["fullname"]}],
             "listviewcontents": ""})

    # the course list: the first set's recorded answer plus the quality course
    key = ("core_course_get_courses_by_field", ())
    listing = copy.deepcopy(entries[key]["response"])
    tmpl = next(c for c in listing["courses"] if c["id"] == courses["C1"])
    q = copy.deepcopy(tmpl)
    q.update(id=QUALITE, shortname="QUALITE", fullname="Espace qualité — Qualiopi", displayname="Espace qualité — Qualiopi",
             categoryid=1, categoryname="Category 1", summary="<p>Documents et registres qualité de l’organisme.</p>",
             enablecompletion=0, startdate=tmpl["startdate"], enddate=0,
             contacts=[{"id": MANAGER["id"], "fullname": MANAGER["fullname"]}],
             customfields=[{**f, "valueraw": None, "value": None} for f in tmpl.get("customfields", [])])
    listing["courses"].append(q)
    for c in listing["courses"]:  # as a sync user holding moodle/course:update sees the list (doctor requires it)
        c["cacherev"] = c["startdate"]
    # the hours field added on the second set's site (courses 2, 8, 9: 1350 h, 7 h, 3.5 h), same ids here
    hours = {c["id"]: f for c in recorded("core_course_get_courses_by_field__ids_2_8_9_customfields.json")
             ["response"]["courses"] for f in c["customfields"] if f["shortname"] == "duree_heures"}
    empty = {**next(iter(hours.values())), "value": None, "valueraw": None}
    for c in listing["courses"]:
        c["customfields"] = [*c.get("customfields", []), copy.deepcopy(hours.get(c["id"], empty))]
    entries[key] = {"source": "derived: recorded course list (core_course_get_courses_by_field__all.json) plus the "
                              "quality course of the second set, plus each course's cacherev (its startdate) as "
                              "a sync user holding moodle/course:update sees it, plus the duree_heures field of the "
                              "second set (core_course_get_courses_by_field__ids_2_8_9_customfields.json)", "wsfunction": key[0], "params": {},
                    "response": listing, "recorded": _pristine(entries[key])}

    # who is enrolled in it: the quality manager, editing teacher (first set's teacher record as template)
    c1 = entries[("core_enrol_get_enrolled_users", (("courseid", str(courses["C1"])),))]["response"]
    teacher = copy.deepcopy(next(u for u in c1 if any(r["shortname"] == "editingteacher" for r in u["roles"])))
    teacher.update(MANAGER, email="rqualite@example.invalid", lastcourseaccess=demo_now - DAY,
                   lastaccess=demo_now - DAY, groups=[], enrolledcourses=[{"id": QUALITE, "fullname": q["fullname"],
                                                                          "shortname": "QUALITE"}])
    teacher.update(username="rqualite", idnumber="")
    add(WHY, "core_enrol_get_enrolled_users", {"courseid": QUALITE}, [teacher])
    add(WHY + " (onlyactive)", "core_enrol_get_enrolled_users", {"courseid": QUALITE, **onlyactive},
        [{k: teacher[k] for k in only_fields if k in teacher}])

    # the service as set up for the second set: the functions added there are in it
    site_key = ("core_webservice_get_site_info", ())
    site = copy.deepcopy(entries[site_key]["response"])
    have = {f["name"] for f in site["functions"]}
    for fn in ("mod_data_get_databases_by_courses", "mod_data_get_fields", "mod_data_get_entries",
               "mod_data_search_entries", "mod_page_get_pages_by_courses", "core_grades_get_gradeitems",
               "gradereport_user_get_grade_items", "core_course_get_updates_since"):
        if fn not in have:
            site["functions"].append({"name": fn, "version": site["functions"][0].get("version")})
    entries[site_key] = {"source": "derived: recorded site info plus the functions added to the service for the "
                                   "second set (RECORDINGS-2.md)", "wsfunction": site_key[0], "params": {},
                         "response": site, "recorded": _pristine(entries[site_key])}


__all__ = ["add_quality_world"]
