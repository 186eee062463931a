"""A sampled learner's file for the dossier: what Moodle recorded about them, in order, and what it does not
expose (said as such, never guessed)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from connector.store.models import (
    ActivityCompletion,
    Contract,
    Course,
    CourseCompletion,
    Enrolment,
    Feedback,
    FeedbackResponse,
    Module,
    User,
)
from reports.model import LearnerEvent, LearnerFile

NOT_EXPOSED = (("Premier accès à chaque cours : non disponible via Moodle (le service web ne donne que le "
                "dernier accès au cours)."),)
STATUS = {"active": "actif", "suspended": "suspendu", "not_current": "inscription non active"}


def programme_learners(session: Session, course_ids: list[int]) -> list[int]:
    rows = session.execute(select(Enrolment.user_id, Enrolment.roles).where(
        Enrolment.course_id.in_(course_ids), Enrolment.deleted_at.is_(None))).all()
    return sorted({uid for uid, roles in rows if "student" in (roles or [])})


def load_learner_file(session: Session, user_id: int, course_ids: list[int]) -> LearnerFile:
    user = session.get(User, user_id)
    names = dict(session.execute(select(Course.id, Course.shortname).where(Course.id.in_(course_ids))).all())
    events: list[LearnerEvent] = []
    not_available = list(NOT_EXPOSED)
    for e in session.scalars(select(Enrolment).where(Enrolment.user_id == user_id,
                                                     Enrolment.course_id.in_(course_ids),
                                                     Enrolment.deleted_at.is_(None))):
        c = names.get(e.course_id, str(e.course_id))
        status = STATUS.get(e.status, e.status)
        events.append(LearnerEvent(e.timestart, c, f"Inscription ({status})"))
        if e.timestart is None:
            not_available.append(f"{c} : date d’inscription non disponible via Moodle sans le rapport des "
                                 "participants.")
        if e.timeend:
            events.append(LearnerEvent(e.timeend, c, "Fin d’inscription"))
        events.append(LearnerEvent(e.lastcourseaccess or None, c,
                                   "Dernier accès au cours" if e.lastcourseaccess else "Jamais connecté au cours"))
    modules = dict(session.execute(select(Module.id, Module.name).where(Module.course_id.in_(course_ids))).all())
    for a in session.scalars(select(ActivityCompletion).where(ActivityCompletion.user_id == user_id,
                                                              ActivityCompletion.course_id.in_(course_ids))):
        if a.state in (1, 2) and a.timecompleted:
            events.append(LearnerEvent(a.timecompleted, names.get(a.course_id, ""),
                                       f"Activité achevée : {modules.get(a.cmid, f'activité {a.cmid}')}"))
    for cc in session.scalars(select(CourseCompletion).where(CourseCompletion.user_id == user_id,
                                                             CourseCompletion.course_id.in_(course_ids))):
        if cc.completed:
            events.append(LearnerEvent(cc.timecompleted, names.get(cc.course_id, ""), "Cours achevé"))
            if cc.timecompleted is None:
                not_available.append(f"{names.get(cc.course_id, cc.course_id)} : date d’achèvement du cours non "
                                     "disponible via Moodle sans le rapport des participants.")
    for name, course_id, when in session.execute(
            select(Feedback.name, Feedback.course_id, FeedbackResponse.timemodified)
            .join(Feedback, Feedback.id == FeedbackResponse.feedback_id)
            .where(FeedbackResponse.user_id == user_id, Feedback.course_id.in_(course_ids))):
        events.append(LearnerEvent(when, names.get(course_id, ""), f"Réponse au questionnaire « {name} »"))
    for k in session.scalars(select(Contract).where(Contract.user_id == user_id)):
        events.append(LearnerEvent(k.start, "", f"Contrat en alternance : {k.company}, tuteur {k.tutor}"))
        events.append(LearnerEvent(k.end, "", "Fin du contrat en alternance"))
    events.sort(key=lambda ev: (ev.time is None, ev.time or 0, ev.course, ev.what))
    return LearnerFile(user.fullname if user else f"utilisateur {user_id}", user.idnumber if user else None,
                       tuple(events), tuple(not_available))
