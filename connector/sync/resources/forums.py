"""Forums and, for the complaints forums of indicator 31, their discussions.

Only forums whose name matches the complaints pattern (``complaints_pattern``,
thresholds) get their discussions fetched: one call per such forum, not per forum.
Discussions keep the subject, author, creation time, last poster and time of the
last post; the message text is not stored.
"""

from __future__ import annotations

import re
from collections import Counter

from connector.moodle import models as m
from connector.store.db import transaction
from connector.store.models import Forum, ForumDiscussion
from connector.store.upsert import upsert_rows
from connector.sync.context import SyncContext, save_cursor
from connector.sync.resources.feedback import activity_courses

BATCH = 200  # course ids per mod_forum_get_forums_by_courses call


def fetch_forums(ctx: SyncContext, course_ids: list[int]) -> list[m.Forum]:
    out: list[m.Forum] = []
    for i in range(0, len(course_ids), BATCH):
        out += m.parse_forums(ctx.client.call("mod_forum_get_forums_by_courses", courseids=course_ids[i:i + BATCH]))
    return out


def fetch_discussions(ctx: SyncContext, forum_id: int) -> list[m.Discussion]:
    return m.parse_discussions(ctx.client.call("mod_forum_get_forum_discussions", forumid=forum_id))


def is_complaints_forum(name: str, pattern: str) -> bool:
    return bool(re.search(pattern, name, re.IGNORECASE))


def sync_forums(ctx: SyncContext, run_id: int) -> Counter[str]:
    """The forum list (batched, cheap) when any forum course moved; discussions of moved courses only."""
    courses, access = activity_courses(ctx, "forum")
    cursor = ctx.cursor("forums")
    since = (cursor or 0) - ctx.lookback
    moved = set(courses)
    if not ctx.full and cursor is not None:
        contents_changed = ctx.changed.get("contents", set())
        moved = {c for c in courses if c in contents_changed or access.get(c, 0) >= since}
    if not moved:
        with transaction(ctx.sessions) as s:
            save_cursor(s, "forums", ctx.now, run_id)
        return Counter()
    forums = fetch_forums(ctx, courses)
    watched = [f for f in forums if f.course in moved and f.type != "news"
               and is_complaints_forum(f.name, ctx.complaints_pattern)]
    discussions = dict(ctx.client.map(lambda f: (f.id, fetch_discussions(ctx, f.id)), watched))
    counts: Counter[str] = Counter()
    with transaction(ctx.sessions) as s:
        rows = [dict(id=f.id, course_id=f.course, cmid=f.cmid, type=f.type, name=f.name,
                     numdiscussions=f.numdiscussions) for f in forums]
        counts.update(upsert_rows(s, Forum, rows, scope=Forum.course_id.in_(courses)))
        for fid, items in discussions.items():
            drows = [dict(id=d.discussion, forum_id=fid, name=d.name, user_id=d.userid, created=d.created,
                          timemodified=d.timemodified, usermodified=d.usermodified, numreplies=d.numreplies,
                          locked=d.locked) for d in items]
            counts.update(upsert_rows(s, ForumDiscussion, drows, scope=ForumDiscussion.forum_id == fid))
        save_cursor(s, "forums", ctx.now, run_id)
    return counts
