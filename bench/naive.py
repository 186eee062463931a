"""The naive path a typical script takes: per course its contents and users, per learner their completion.

This is the baseline of the benchmark: no report, no incremental state, completion fetched with
two calls per learner per course, sequentially (one call at a time) unless ``--concurrency`` says
otherwise. It runs over a sample of the courses (every n-th course, the big induction course
included) and prints what it measured as JSON, with the sample's share of the site's enrolments so
that the caller can extrapolate to the whole site.

    python -m bench.naive --url http://127.0.0.1:PORT --sample 0.02
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connector import errors
from connector.moodle import MoodleClient
from connector.moodle import models as m


def run(url: str, sample: float, concurrency: int) -> dict:
    client = MoodleClient(url, "naive-token", concurrency=concurrency, backoff=0)
    started = time.monotonic()
    rows = len(m.parse_categories(client.call("core_course_get_categories")))
    courses = [c for c in m.parse_courses(client.call("core_course_get_courses_by_field")) if c.format != "site"]
    rows += len(courses)
    step = max(1, round(1 / sample)) if sample < 1 else 1
    picked = [c for i, c in enumerate(courses) if i % step == 0 or i == len(courses) - 1]
    enrolments = 0
    for c in picked:
        sections = m.parse_contents(client.call("core_course_get_contents", courseid=c.id))
        rows += sum(1 + len(s.modules) for s in sections)
        users = m.parse_enrolled_users(client.call("core_enrol_get_enrolled_users", courseid=c.id))
        enrolments += len(users)
        rows += len(users)
        learners = [u.id for u in users if any(r.shortname == "student" for r in u.roles)]

        def completion(uid: int, cid: int = c.id) -> int:
            got = len(m.parse_activities_completion(client.call(
                "core_completion_get_activities_completion_status", courseid=cid, userid=uid)).statuses)
            try:
                client.call("core_completion_get_course_completion_status", courseid=cid, userid=uid)
                got += 1
            except errors.MoodleError:
                pass
            return got

        rows += sum(client.map(completion, learners))
        for f in m.parse_feedbacks(client.call("mod_feedback_get_feedbacks_by_courses", courseids=[c.id])):
            rows += 1 + len(m.parse_feedback_items(client.call("mod_feedback_get_items", feedbackid=f.id)))
            a = m.parse_responses_analysis(client.call("mod_feedback_get_responses_analysis", feedbackid=f.id))
            rows += sum(1 + len(x.responses) for x in [*a.attempts, *a.anonattempts])
    return {"calls": dict(client.calls), "wall_s": time.monotonic() - started, "rows": rows,
            "courses": len(picked), "site_courses": len(courses), "enrolments": enrolments}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--sample", type=float, default=1.0, help="share of the courses to go through (0–1]")
    ap.add_argument("--concurrency", type=int, default=1)
    args = ap.parse_args()
    print(json.dumps(run(args.url, args.sample, args.concurrency)))


if __name__ == "__main__":
    main()
