"""The web-service answers of the generated site (``bench.sitegen``), built from recorded templates.

A mixin of ``GeneratedSite``: each ``ws_<function>`` answers one function with a recorded answer of the
demo bundle as template (same keys, same nesting), values from the generated site.
"""

from __future__ import annotations

import bisect
import copy
from datetime import datetime
from functools import lru_cache
from typing import Any

from bench.sitegen_data import (
    BLOCK,
    DAY,
    FIRST_LEARNER,
    REPORT_ID,
    SITE_URL,
    SLOTS,
    SYNC_USER,
    CourseInfo,
    _mix,
    _tpl,
    _unit,
)


def _moodle_percent(done: int, total: int) -> float | int:
    """``core_completion\\progress::get_course_progress_percentage``: done / total × 100, a PHP float (JSON
    writes a whole one as an integer, as recorded: 50, 100)."""
    value = done * 100 / total if total else 0
    return int(value) if value == int(value) else value


class SimError(Exception):
    """A Moodle exception the simulator answers with (HTTP 200, ``{"exception", "errorcode", "message"}``)."""

    def __init__(self, exception: str, errorcode: str, message: str) -> None:
        super().__init__(message)
        self.body = {"exception": exception, "errorcode": errorcode, "message": message}


class Answers:
    """``answer(function, params)`` for ``GeneratedSite``."""

    def answer(self, fn: str, p: dict[str, Any]) -> Any:
        handler = getattr(self, "ws_" + fn, None)
        if handler is None:
            raise SimError("invalid_parameter_exception", "invalidparameter", f"simulator: {fn} is not simulated")
        return handler(p)

    def _course_of(self, p: dict[str, Any], key: str = "courseid") -> CourseInfo:
        c = self.by_id.get(int(p.get(key, 0)))
        if c is None:
            raise SimError("dml_missing_record_exception", "invalidrecord", "Can't find data record in database table course.")
        return c

    def ws_core_webservice_get_site_info(self, p: dict) -> Any:
        out = copy.deepcopy(_tpl("core_webservice_get_site_info"))
        out["sitename"] = f"Site simulé ({self.size}, graine {self.seed})"
        out["userid"] = SYNC_USER
        from connector.moodle.functions import FUNCTIONS

        out["functions"] = [{"name": name, "version": "2024100700"} for name in FUNCTIONS]
        return out

    def ws_core_course_get_categories(self, p: dict) -> Any:
        base = _tpl("core_course_get_categories__all")[1]
        out = []
        for prog in range(self.n_programmes):
            cat = dict(base)
            cat.update(id=10 + prog, name=f"Programme {prog:03d}", idnumber=f"PROG-{prog:03d}",
                       description=f"<p>Programme {prog:03d}</p>", sortorder=10000 * (prog + 1),
                       coursecount=sum(c.programme == prog for c in self._courses), path=f"/{10 + prog}")
            out.append(cat)
        return out

    def _course_record(self, c: CourseInfo) -> dict:
        rec = dict(_tpl("core_course_get_courses_by_field__all")["courses"][2])
        edits = self.edits.get(c.id, 0)
        objectives = "<p><strong>Objectifs</strong> : " + "maîtriser les compétences du module, " * 6 + "</p>" \
            if c.index % 5 else "<p>Module.</p>"
        rncp = f"RNCP{37000 + c.programme}" if c.programme % 3 == 0 else ""
        rec.update(
            id=c.id, fullname=c.fullname, displayname=c.fullname, shortname=c.shortname, categoryid=c.category,
            categoryname=f"Programme {c.programme:03d}", sortorder=10000 * (c.programme + 1) + c.index,
            summary=objectives + (f"<p>Mise à jour {edits}.</p>" if edits else ""),
            contacts=[{"id": t, "fullname": self.user_name(t)[1]} for t, r in self.staff(c) if r == "editingteacher"],
            customfields=[
                {"name": "Code RNCP / RS", "shortname": "rncp", "type": "text", "valueraw": rncp, "value": rncp or None},
                {"name": "Formation en alternance", "shortname": "alternance", "type": "checkbox",
                 "valueraw": int(c.alternance), "value": "Yes" if c.alternance else "No"},
                {"name": "Code programme", "shortname": "programme_code", "type": "text",
                 "valueraw": f"PROG-{c.programme:03d}", "value": f"PROG-{c.programme:03d}"},
                {"name": "Modalité", "shortname": "modalite", "type": "select", "valueraw": 1 + c.index % 3,
                 "value": ("Présentiel", "Distanciel", "Mixte (blended)")[c.index % 3]}],
            startdate=c.start, enddate=c.end, visible=int(c.visible), enablecompletion=int(c.completion))
        if self.course_update:  # Moodle adds the manager fields (course/externallib.php, $canupdatecourse)
            rev = self.edits.get(c.id, 0) + self.module_edits.get(c.id, 0)
            rec.update(idnumber="", timecreated=c.start - 30 * DAY, timemodified=c.start - 30 * DAY + self.edits.get(
                c.id, 0), cacherev=c.start - 30 * DAY + rev, legacyfiles=0, calendartype="", requested=0)
        return rec

    def ws_core_course_get_courses_by_field(self, p: dict) -> Any:
        field_, value = p.get("field", ""), str(p.get("value", ""))
        if field_ in ("id", "ids"):
            wanted = {int(x) for x in value.split(",") if x.strip()}
            courses = [c for c in self._courses if c.id in wanted]
        elif field_ == "category":
            courses = [c for c in self._courses if str(c.category) == value]
        else:
            courses = self._courses
        site = dict(_tpl("core_course_get_courses_by_field__all")["courses"][0])
        out = [site] if not field_ else []
        return {"courses": out + [self._course_record(c) for c in courses], "warnings": []}

    def _module(self, c: CourseInfo, s: int) -> dict:
        _, mod, name, trk = self.slot(c, s)
        tpl = _module_templates().get(mod) or _module_templates()["page"]
        m = dict(tpl)
        cmid = self.cmid(c, s)
        if s == 0 and self.module_edits.get(c.id):
            name = f"{name} (v{self.module_edits[c.id] + 1})"
        m.update(id=cmid, name=name, instance=cmid, contextid=1000 + cmid, completion=trk)
        if "url" in m:
            m["url"] = f"{SITE_URL}/mod/{mod}/view.php?id={cmid}"
        if "completiondata" in m:
            m["completiondata"] = dict(m["completiondata"], hascompletion=bool(trk))
        if mod == "assign" and name.startswith("ALT-"):
            due = c.start + (60 + 60 * int(name[5])) * DAY
            m["dates"] = [{"label": "Due:", "timestamp": due, "dataid": "duedate"}]
        return m

    def ws_mod_page_get_pages_by_courses(self, p: dict) -> Any:
        tpl = _tpl("mod_page_get_pages_by_courses__QUALITE")["pages"][0]
        pages = []
        for cid in p.get("courseids", []):
            c = self._course_of({"courseid": cid})
            for s in range(SLOTS):
                if self.slot(c, s)[1] == "page":
                    cmid = self.cmid(c, s)
                    page = dict(tpl)
                    page.update(id=cmid, coursemodule=cmid, course=c.id, name=self.slot(c, s)[2], visible=True,
                                content=f"<p>Contenu de la séquence {self.slot(c, s)[0]}.</p>", timemodified=c.start)
                    pages.append(page)
        return {"pages": pages, "warnings": []}

    def ws_core_course_get_contents(self, p: dict) -> Any:
        c = self._course_of(p)
        tpl = _tpl("core_course_get_contents__rich_C1")
        sections = []
        for n in range(6):
            sec = {k: v for k, v in tpl[min(n, len(tpl) - 1)].items() if k != "modules"}
            unnamed = n == 5 and c.index % 17 == 0
            sec.update(id=c.id * 10 + n, section=n,
                       name="General" if n == 0 else "New section" if unnamed else f"Séquence {n}",
                       summary="" if unnamed else f"<p>Objectif de la séquence {n}.</p>")
            sec["modules"] = [self._module(c, s) for s in range(SLOTS) if self.slot(c, s)[0] == n]
            sections.append(sec)
        return sections

    def _user_record(self, c: CourseInfo, uid: int, role: str, full: bool) -> dict:
        username, fullname, idnumber = self.user_name(uid)
        e = self.enrolment(c, uid)
        tpl = _tpl("core_enrol_get_enrolled_users__C1_default")[0] if full else \
            _tpl("core_enrol_get_enrolled_users__C1_userfields_onlyactive")[0]
        u = dict(tpl)
        first, _, last = fullname.partition(" ")
        u.update(id=uid, fullname=fullname, idnumber=idnumber, firstaccess=e.timestart,
                 lastaccess=self.clock - int(_unit(self.seed, uid, 99) * 5 * DAY), lastcourseaccess=e.access,
                 roles=[{"roleid": 5 if role == "student" else 3 if role == "editingteacher" else 4, "name": "",
                         "shortname": role, "sortorder": 0}],
                 groups=[{"id": c.id * 10 + (uid % 2), "name": f"Groupe {'AB'[uid % 2]}", "description": "",
                          "descriptionformat": 1}] if c.alternance and role == "student" else [],
                 enrolledcourses=[{"id": c.id, "fullname": c.fullname, "shortname": c.shortname}])
        if "email" in u:
            u["email"] = f"{username}@example.com"
        if full:
            u.update(username=username, firstname=first, lastname=last)
        return u

    def ws_core_enrol_get_enrolled_users(self, p: dict) -> Any:
        c = self._course_of(p)
        opts = {o["name"]: o["value"] for o in p.get("options", [])}
        only_active = str(opts.get("onlyactive", "0")) == "1"
        people = [(t, r) for t, r in self.teachers(c)] + [(u, "student") for u in self.learners(c)]
        if only_active:
            people = [(u, r) for u, r in people if self.enrolment(c, u).status == "active"]
        people.sort()
        start = int(opts.get("limitfrom", 0))
        limit = int(opts.get("limitnumber", 0)) or len(people)
        return [self._user_record(c, u, r, full="userfields" not in opts) for u, r in people[start:start + limit]]

    def courses_of(self, uid: int) -> list[CourseInfo]:
        """A learner's courses: their cohort's block of courses, the induction course, later enrolments."""
        d, out = self.dim, []
        if uid >= FIRST_LEARNER:
            p, block = divmod((uid - FIRST_LEARNER) // d.learners_per_course, self.blocks)
            first = p * d.per_programme + block * BLOCK
            out = [self._courses[k] for k in range(first, min(first + BLOCK, (p + 1) * d.per_programme, d.courses))]
        out.append(self._courses[d.courses])  # the induction course (the last one), for everybody
        out += [self.by_id[cid] for cid, uids in self.extra.items() if uid in uids]
        return [c for c in out if uid in self.learners(c)]

    def ws_core_enrol_get_users_courses(self, p: dict) -> Any:
        """Active enrolments only, as Moodle (enrol_get_users_courses(onlyactive=true))."""
        uid = int(p.get("userid", 0))
        tpl = {k: v for k, v in _tpl("core_enrol_get_users_courses__student01")[0].items()
               if k != "enrolledusercount"}
        counts = str(p.get("returnusercount", "1")).lower() not in ("0", "false")  # Moodle's default: counted
        out = []
        for c in self.courses_of(uid):
            e = self.enrolment(c, uid)
            if e.status != "active":
                continue
            tracked = len(self.tracked(c))
            x = dict(tpl)
            x.update(id=c.id, shortname=c.shortname, fullname=c.fullname, displayname=c.fullname, idnumber="",
                     visible=int(c.visible), enablecompletion=c.completion,
                     completionhascriteria=c.completion and c.criteria, completionusertracked=c.completion,
                     progress=_moodle_percent(min(e.done, tracked), tracked) if c.completion else None,
                     completed=self.completed(c, e) if c.completion else None, startdate=c.start, enddate=c.end,
                     lastaccess=e.access or None, summary="")
            if counts:
                x["enrolledusercount"] = len(self.learners(c)) + len(self.teachers(c))
            out.append(x)
        return out

    def _check_enrolled(self, c: CourseInfo, uid: int) -> None:
        if uid not in self.learners(c) and uid not in {t for t, _ in self.teachers(c)}:
            raise SimError("moodle_exception", "usernotenroled", "User is not enrolled in this course")

    def ws_core_completion_get_activities_completion_status(self, p: dict) -> Any:
        c, uid = self._course_of(p), int(p.get("userid", 0))
        self._check_enrolled(c, uid)
        e = self.enrolment(c, uid)
        tpl = _tpl("core_completion_get_activities_completion_status__C1_student08_partial")["statuses"][0]
        statuses = []
        for n, s in enumerate(self.tracked(c)):
            _, mod, _, trk = self.slot(c, s)
            st = dict(tpl)
            done = n < e.done
            st.update(cmid=self.cmid(c, s), modname=mod, instance=self.cmid(c, s), state=int(done),
                      timecompleted=self.done_time(c, e, n) if done else 0, tracking=trk, isoverallcomplete=done)
            statuses.append(st)
        return {"statuses": statuses, "warnings": []}

    def ws_core_completion_get_course_completion_status(self, p: dict) -> Any:
        c, uid = self._course_of(p), int(p.get("userid", 0))
        if not c.completion:
            raise SimError("moodle_exception", "cannotviewreport", "You cannot view this report")
        self._check_enrolled(c, uid)
        if not c.criteria:
            raise SimError("moodle_exception", "nocriteriaset", "No completion criteria set for this course")
        e = self.enrolment(c, uid)
        tpl = _tpl("core_completion_get_course_completion_status__C1_student08_incomplete")["completionstatus"]
        crit = []
        for n, s in enumerate(self.tracked(c)):
            done = n < e.done
            item = copy.deepcopy(tpl["completions"][0])
            item.update(status="Yes" if done else "No", complete=done,
                        timecompleted=self.done_time(c, e, n) if done else None)
            item["details"]["criteria"] = f'<a href="{SITE_URL}/mod/page/view.php?id={self.cmid(c, s)}">{self.slot(c, s)[2]}</a>'
            crit.append(item)
        return {"completionstatus": {"completed": self.completed(c, e), "aggregation": 1, "completions": crit},
                "warnings": []}

    def ws_mod_feedback_get_feedbacks_by_courses(self, p: dict) -> Any:
        ids = {int(x) for x in p.get("courseids", [])}
        tpl = _tpl("mod_feedback_get_feedbacks_by_courses__4courses")["feedbacks"][0]
        out = []
        for cid in sorted(ids):
            c = self.by_id.get(cid)
            if c and c.feedback:
                f = dict(tpl)
                f.update(id=c.id, course=c.id, name=self.slot(c, SLOTS - 1)[2],
                         anonymous=1 if c.programme % 2 == 0 else 2, coursemodule=self.cmid(c, SLOTS - 1))
                out.append(f)
        return {"feedbacks": out, "warnings": []}

    def _feedback_course(self, p: dict) -> CourseInfo:
        c = self.by_id.get(int(p.get("feedbackid", 0)))
        if c is None or not c.feedback:
            raise SimError("dml_missing_record_exception", "invalidrecord", "Can't find data record in database table feedback.")
        return c

    def ws_mod_feedback_get_items(self, p: dict) -> Any:
        c = self._feedback_course(p)
        items = []
        for i, it in enumerate(_tpl("mod_feedback_get_items__C2_anon")["items"]):
            x = dict(it)
            x.update(id=c.id * 10 + i, feedback=c.id, name=it["name"].replace("BTS-GOPS", c.shortname))
            items.append(x)
        return {"items": items, "warnings": []}

    def ws_mod_feedback_get_responses_analysis(self, p: dict) -> Any:
        c = self._feedback_course(p)
        tracked = len(self.tracked(c))
        anonymous = c.programme % 2 == 0
        named_tpl = _tpl("mod_feedback_get_responses_analysis__C1_nonanon")["attempts"][0]
        anon_tpl = _tpl("mod_feedback_get_responses_analysis__C2_anon")["anonattempts"][0]
        attempts, anon = [], []
        for n, uid in enumerate(self.learners(c)):
            e = self.enrolment(c, uid)
            if not tracked or e.done < tracked:  # the survey is the last tracked activity
                continue
            score = 1 + _mix(self.seed, c.id, uid, 11) % 5
            values = [str(score), str(1 + _mix(self.seed, c.id, uid, 12) % 5), str(score), "1", "1|2",
                      str(_mix(self.seed, c.id, uid, 13) % 11), "Réclamation : salle trop froide." if score == 1 else ""]
            responses = [dict(r, id=c.id * 10 + i, rawval=values[i] or None, printval=values[i])
                         for i, r in enumerate(anon_tpl["responses"])]
            rid = c.index * 10_000 + n + 1
            if anonymous:
                anon.append(dict(anon_tpl, id=rid, number=len(anon) + 1, responses=responses))
            else:
                attempts.append(dict(named_tpl, id=rid, userid=uid, fullname=self.user_name(uid)[1],
                                     timemodified=self.done_time(c, e, tracked - 1), responses=responses))
        return {"attempts": attempts, "totalattempts": len(attempts), "anonattempts": anon,
                "totalanonattempts": len(anon), "warnings": []}

    def ws_mod_feedback_get_non_respondents(self, p: dict) -> Any:
        """Every learner (suspended ones too, as Moodle) who did not answer; an anonymous survey is an error."""
        c = self._feedback_course(p)
        if c.programme % 2 == 0:
            raise SimError("core\\exception\\moodle_exception", "anonymous", "Anonymous")
        tracked = len(self.tracked(c))
        users = [dict(courseid=0, userid=uid, fullname=self.user_name(uid)[1], started=False)
                 for uid in self.learners(c) if not tracked or self.enrolment(c, uid).done < tracked]
        return {"users": users, "total": len(users), "warnings": []}

    def ws_mod_forum_get_forums_by_courses(self, p: dict) -> Any:
        tpl = _tpl("mod_forum_get_forums_by_courses__C1_C4")
        news, general = tpl[0], next(f for f in tpl if f["type"] == "general")
        out = []
        for cid in sorted(int(x) for x in p.get("courseids", [])):
            c = self.by_id.get(cid)
            if c is None:
                continue
            for s in range(SLOTS):
                if self.slot(c, s)[1] == "forum":
                    kind = "news" if s == 0 else "general"
                    f = dict(news if kind == "news" else general)
                    f.update(id=self.cmid(c, s), course=c.id, name=self.slot(c, s)[2], cmid=self.cmid(c, s),
                             numdiscussions=len(self._discussions(c)) if kind == "general" else 0)
                    out.append(f)
        return out

    def _discussions(self, c: CourseInfo) -> list[dict]:
        tpl = _tpl("mod_forum_get_forum_discussions__C1_general")["discussions"][0]
        learners = self.learners(c)
        teacher = self.teachers(c)[0][0]
        out = []
        for j in range(3):
            author = learners[(j * 7) % len(learners)]
            created = c.start + (30 + 40 * j) * DAY
            answered = j != 2
            d = dict(tpl)
            d.update(id=self.cmid(c, SLOTS - 2) * 10 + j, discussion=self.cmid(c, SLOTS - 2) * 10 + j,
                     name=f"Réclamation {j + 1} : planning", subject=f"Réclamation {j + 1} : planning",
                     userid=author, created=created, modified=created,
                     timemodified=created + 2 * DAY if answered else created,
                     usermodified=teacher if answered else author, numreplies=1 if answered else 0,
                     userfullname=self.user_name(author)[1])
            out.append(d)
        return out

    def ws_mod_forum_get_discussion_posts(self, p: dict) -> Any:
        """The opening post, and the teacher's reply of an answered complaint (shape of Moodle 4.5's post
        exporter, only the fields the sync reads)."""
        did = int(p.get("discussionid", 0))
        c = self.by_id.get(did // 1000)  # discussion id = cmid * 10 + j, cmid = course id * 100 + slot
        found = [d for d in (self._discussions(c) if c else []) if d["discussion"] == did]
        if not found:
            raise SimError("dml_missing_record_exception", "invalidrecord",
                           "Can't find data record in database table forum_discussions.")
        d = found[0]
        posts = [{"id": did * 10, "discussionid": did, "parentid": None, "hasparent": False,
                  "timecreated": d["created"], "author": {"id": d["userid"]}, "isdeleted": False}]
        if d["numreplies"]:
            posts.append({"id": did * 10 + 1, "discussionid": did, "parentid": did * 10, "hasparent": True,
                          "timecreated": d["timemodified"], "author": {"id": d["usermodified"]}, "isdeleted": False})
        return {"posts": posts, "forumid": 0, "courseid": c.id, "warnings": []}

    def ws_mod_forum_get_forum_discussions(self, p: dict) -> Any:
        fid = int(p.get("forumid", 0))
        c = self.by_id.get(fid // 100)
        if c is None or self.slot(c, fid % 100)[1] != "forum":
            raise SimError("dml_missing_record_exception", "invalidrecord", "Can't find data record in database table forum.")
        return {"discussions": self._discussions(c) if fid % 100 == SLOTS - 2 else [], "warnings": []}

    # ------------------------------------------------------------------ notes (follow-up traces of 12)
    def ws_core_notes_get_course_notes(self, p: dict) -> Any:
        """Shape of core_notes_get_course_notes__BTSMCO-DRC.json: a course note ("public") on one learner in
        three of those without access for 30 days when the site was generated, written by the course's first
        teacher a day before."""
        c = self._course_of(p)
        teachers = self.teachers(c)
        author = teachers[0][0] if teachers else SYNC_USER
        notes = []
        if c.running:
            for uid in self.learners(c):  # written once: a learner coming back later does not remove it
                access = self.generated_access(c, uid)
                if uid % 3 == 0 and access and self.clock - access > 30 * DAY:
                    when = self.clock - DAY
                    notes.append({"id": c.id * 100_000 + uid % 100_000, "courseid": c.id, "userid": uid,
                                  "content": "Relance t&eacute;l&eacute;phonique : pas de connexion depuis un mois.",
                                  "format": 1, "created": when, "lastmodified": when, "usermodified": author,
                                  "publishstate": "public"})
        return {"sitenotes": [], "coursenotes": notes, "personalnotes": [], "canmanagesystemnotes": False,
                "canmanagecoursenotes": False, "warnings": []}

    # ------------------------------------------------------------------ gradebook (doctor's visibility check)
    def _graded(self, c: CourseInfo) -> list[tuple[int, str, str]]:
        return [(self.cmid(c, s), self.slot(c, s)[1], self.slot(c, s)[2]) for s in range(SLOTS)
                if self.slot(c, s)[1] in ("quiz", "assign")]

    def ws_core_grades_get_gradeitems(self, p: dict) -> Any:
        c = self._course_of(p)  # shape of core_grades_get_gradeitems__EXCEL-FOND.json (ids are strings)
        return {"gradeItems": [{"id": str(cmid), "itemname": name, "category": c.fullname}
                               for cmid, _, name in self._graded(c)], "warnings": []}

    def ws_gradereport_user_get_grade_items(self, p: dict) -> Any:
        c = self._course_of(p)  # shape of gradereport_user_get_grade_items__EXCEL-FOND_student26.json
        uid = int(p.get("userid", 0))
        items = [{"id": cmid, "itemname": name, "itemtype": "mod", "itemmodule": mod, "iteminstance": cmid,
                  "itemnumber": 0, "idnumber": "", "categoryid": c.id, "outcomeid": None, "scaleid": None,
                  "locked": False, "cmid": cmid, "graderaw": None, "gradeformatted": "-"}
                 for cmid, mod, name in self._graded(c)]
        return {"usergrades": [{"courseid": c.id, "courseidnumber": "", "userid": uid,
                                "userfullname": self.user_name(uid)[1], "useridnumber": self.user_name(uid)[2],
                                "maxdepth": 2, "gradeitems": items}], "warnings": []}

    # ------------------------------------------------------------------ the participants report
    def _date(self, t: int | None) -> str:
        if not t:
            return ""
        d = datetime.fromtimestamp(t, self._tzinfo)
        if self.lang == "fr":  # recorded: "dimanche 17 mai 2026, 07:33"
            return f"{_FR_DAYS[d.weekday()]} {d.day} {_FR_MONTHS[d.month - 1]} {d.year}, {d.hour:02d}:{d.minute:02d}"
        hour = d.hour % 12 or 12
        return f"{d:%A}, {d.day} {d:%B} {d.year}, {hour}:{d.minute:02d} {'AM' if d.hour < 12 else 'PM'}"

    def _word(self, en: str) -> str:
        return _FR_WORDS.get(en, en) if self.lang == "fr" else en

    def _percent(self, value: float) -> str:
        return f"{value:.1f}".replace(".", ",") + "\u00a0%" if self.lang == "fr" else f"{value:.1f}%"

    def _report_rows(self, c: CourseInfo) -> list[list[str]]:
        link = f'<a href="{SITE_URL}/course/view.php?id={c.id}">{c.shortname}</a>'
        people = [(u, "student") for u in self.learners(c)] + self.teachers(c)
        if not people:
            return [[link] + [""] * 12]
        rows = []
        tracked = len(self.tracked(c))
        for uid, role in sorted(people, key=lambda x: self.user_name(x[0])[0]):
            username, fullname, idnumber = self.user_name(uid)
            e = self.enrolment(c, uid)
            start, end = self.dates_over.get((c.id, uid), (e.timestart, 0))
            done = self.completed(c, e) if role == "student" else False
            rows.append([
                link, f'<a href="{SITE_URL}/user/profile.php?id={uid}">{fullname}</a>', username, idnumber, role,
                f"Groupe {'AB'[uid % 2]}" if c.alternance and role == "student" else "",
                self._word("Active" if e.status == "active" else "Suspended"), self._date(start), self._date(end),
                self._date(e.access) or self._word("Never"), self._word("Yes" if done else "No"),
                self._date(self.done_time(c, e, tracked - 1)) if done else "",
                # Moodle writes 0.0 % for teachers and in courses without completion (recorded)
                self._percent((100.0 * min(e.done, tracked) / tracked) if tracked and role == "student" else 0.0),
            ])
        return rows

    def ws_core_reportbuilder_retrieve_report(self, p: dict) -> Any:
        if int(p.get("reportid", 0)) != REPORT_ID:
            raise SimError("dml_missing_record_exception", "invalidrecord", "Can't find data record in database table reportbuilder_report.")
        page, perpage = int(p.get("page", 0)), int(p.get("perpage", 10))
        first, last = page * perpage, min((page + 1) * perpage, self.total_rows)
        rows: list[list[str]] = []
        if first < last:
            k = bisect.bisect_right(self.offsets, first) - 1
            skip = first - self.offsets[k]
            while len(rows) < last - first and k < len(self.order):
                chunk = self._report_rows(self.order[k])
                rows += chunk[skip:skip + (last - first - len(rows))]
                skip, k = 0, k + 1
        from connector.moodle.report import COLUMNS, SOURCE

        if self.shuffled and len(rows) > 2:  # an unsorted report: a course's rows are split apart
            rows = rows[1:] + rows[:1]

        return {"details": {"id": REPORT_ID, "name": "qualiopi-sync participants", "source": SOURCE, "type": 0, "uniquerows": False,
                            "conditiondata": "{}", "settingsdata": None, "contextid": 1, "component": "", "area": "",
                            "itemid": 0, "usercreated": 2, "timecreated": self.clock - 30 * DAY,
                            "timemodified": self.clock - 30 * DAY, "usermodified": 2,
                            "sourcename": "Course participants",
                            "modifiedby": {"id": 2, "email": "admin@example.com", "idnumber": "",
                                           "phone1": "", "phone2": "", "department": "", "institution": "",
                                           "fullname": "Admin User", "identity": "",
                                           "profileurl": f"{SITE_URL}/user/profile.php?id=2",
                                           "profileimageurl": f"{SITE_URL}/theme/image.php/boost/core/1/u/f1",
                                           "profileimageurlsmall": f"{SITE_URL}/theme/image.php/boost/core/1/u/f2"}},
                "data": {"headers": [c[3 if self.lang == "fr" else 2] for c in COLUMNS],
                         "rows": [{"columns": r} for r in rows], "totalrowcount": self.total_rows},
                "warnings": []}



_FR_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_FR_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
              "novembre", "décembre")
_FR_WORDS = {"Active": "Active", "Suspended": "Suspendu", "Not current": "Pas actuel", "Never": "Jamais",
             "Yes": "Oui", "No": "Non"}  # as recorded (core_reportbuilder_retrieve_report__report1_participants_fr)


@lru_cache(maxsize=1)
def _module_templates() -> dict[str, dict]:
    out: dict[str, dict] = {}
    for sec in _tpl("core_course_get_contents__rich_C1"):
        for m in sec["modules"]:
            out.setdefault(m["modname"], m)
    return out
