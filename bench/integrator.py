"""The second baseline: what a competent integrator writes without the participants report.

Per course its contents, its users and its surveys (questions and answers); per learner, once, their
courses (``core_enrol_get_users_courses``: completion and progress of all of them in one call). No
activity completion, no incremental state; calls made ``--concurrency`` at a time, as qualiopi-sync
makes them. It goes through the whole site and prints what it measured as JSON.

    python -m bench.integrator --url http://127.0.0.1:PORT --concurrency 4
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connector.moodle import MoodleClient
from connector.moodle import models as m


def run(url: str, concurrency: int) -> dict:
    client = MoodleClient(url, "integrator-token", concurrency=concurrency, backoff=0)
    started = time.monotonic()
    rows = len(m.parse_categories(client.call("core_course_get_categories")))
    courses = [c for c in m.parse_courses(client.call("core_course_get_courses_by_field")) if c.format != "site"]
    rows += len(courses)
    learners: set[int] = set()
    enrolments = 0

    def course(c: m.Course) -> tuple[int, list[int]]:
        got = sum(1 + len(s.modules) for s in m.parse_contents(client.call("core_course_get_contents",
                                                                           courseid=c.id)))
        users = m.parse_enrolled_users(client.call("core_enrol_get_enrolled_users", courseid=c.id))
        got += len(users)
        for f in m.parse_feedbacks(client.call("mod_feedback_get_feedbacks_by_courses", courseids=[c.id])):
            got += 1 + len(m.parse_feedback_items(client.call("mod_feedback_get_items", feedbackid=f.id)))
            a = m.parse_responses_analysis(client.call("mod_feedback_get_responses_analysis", feedbackid=f.id))
            got += sum(1 + len(x.responses) for x in [*a.attempts, *a.anonattempts])
        return got, [u.id for u in users if any(r.shortname == "student" for r in u.roles)]

    for got, ids in client.map(course, courses):
        rows += got
        enrolments += len(ids)
        learners.update(ids)
    rows += sum(client.map(lambda u: len(m.parse_users_courses(client.call(
        "core_enrol_get_users_courses", userid=u, returnusercount=0))), sorted(learners)))
    return {"calls": dict(client.calls), "wall_s": time.monotonic() - started, "rows": rows,
            "courses": len(courses), "learners": len(learners), "learner_enrolments": enrolments}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--concurrency", type=int, default=4)
    args = ap.parse_args()
    print(json.dumps(run(args.url, args.concurrency)))


if __name__ == "__main__":
    main()
