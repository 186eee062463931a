"""Forums and, for the complaints forums of indicator 31, their discussions.

Only forums whose name matches the complaints pattern (``complaints_pattern``,
thresholds) get their discussions fetched: one call per such forum, not per forum.
Discussions keep the subject, author, creation time, last poster and time of the
last post, and who replied when (one call per discussion whose last post moved, to find
its first staff answer); the message text is not stored.
"""

from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import select

from connector.moodle import models as m
from connector.store.db import transaction
from connector.store.models import Forum, ForumDiscussion
from connector.store.upsert import upsert_rows
from connector.sync.context import SyncContext, save_cursor, save_markers
from connector.sync.resources.feedback import activity_courses, to_list

BATCH = 200  # course ids per mod_forum_get_forums_by_courses call


def fetch_forums(ctx: SyncContext, course_ids: list[int]) -> list[m.Forum]:
    out: list[m.Forum] = []
    for i in range(0, len(course_ids), BATCH):
        out += m.parse_forums(ctx.client.call("mod_forum_get_forums_by_courses", courseids=course_ids[i:i + BATCH]))
    return out


def fetch_discussions(ctx: SyncContext, forum_id: int) -> list[m.Discussion]:
    return m.parse_discussions(ctx.client.call("mod_forum_get_forum_discussions", forumid=forum_id))


def fetch_posts(ctx: SyncContext, discussion_id: int) -> list[list[int]]:
    """[author id, time] of each reply (every post but the first), oldest first; 0 for a hidden author."""
    posts = m.parse_posts(ctx.client.call("mod_forum_get_discussion_posts", discussionid=discussion_id,
                                          sortby="created", sortdirection="ASC"))
    return [[p.author.id or 0, p.timecreated or 0] for p in posts if p.parentid and not p.isdeleted]


def _posts(ctx: SyncContext, discussions: dict[int, list[m.Discussion]]) -> dict[int, list | None]:
    """Who replied when, per discussion with replies: read again only when its last post moved."""
    ids = [d.discussion for items in discussions.values() for d in items]
    with ctx.sessions() as s:
        stored = {i: (t, p) for i, t, p in s.execute(select(ForumDiscussion.id, ForumDiscussion.timemodified,
                                                            ForumDiscussion.posts)
                                                     .where(ForumDiscussion.id.in_(ids or [-1])))}
    out: dict[int, list | None] = {}
    todo = []
    for items in discussions.values():
        for d in items:
            if not d.numreplies:
                out[d.discussion] = []
            elif not ctx.full and d.discussion in stored and stored[d.discussion][0] == d.timemodified \
                    and stored[d.discussion][1] is not None:
                out[d.discussion] = stored[d.discussion][1]
            else:
                todo.append(d.discussion)
    out.update(ctx.client.map(lambda i: (i, fetch_posts(ctx, i)), todo))
    return out


def is_complaints_forum(name: str, pattern: str) -> bool:
    return bool(re.search(pattern, name, re.IGNORECASE))


def sync_forums(ctx: SyncContext, run_id: int) -> Counter[str]:
    """Forums of edited courses (batched); discussions of complaints forums whose course was accessed since.

    Posting means accessing the course: a complaints forum's discussions are read again only when
    the last access to its course moved since they were read (the marker), or on a full run.
    """
    courses, access = activity_courses(ctx, "forum")
    listed, list_markers = to_list(ctx, courses, "forums")
    forums = fetch_forums(ctx, listed) if listed else []
    with ctx.sessions() as s:
        known = [tuple(r) for r in s.execute(select(Forum.id, Forum.course_id, Forum.type, Forum.name).where(
            Forum.course_id.in_(courses or [-1]), Forum.course_id.notin_(listed or [-1])))]
    seen = ctx.markers("forums")
    watched = [(fid, cid) for fid, cid, kind, name in [(f.id, f.course, f.type, f.name) for f in forums] + known
               if kind != "news" and is_complaints_forum(name, ctx.complaints_pattern)
               and (ctx.full or seen.get(f"discussions:{fid}") != str(access.get(cid, 0)))]
    discussions = dict(ctx.client.map(lambda t: (t[0], fetch_discussions(ctx, t[0])), watched))
    posts = _posts(ctx, discussions)
    counts: Counter[str] = Counter()
    with transaction(ctx.sessions) as s:
        rows = [dict(id=f.id, course_id=f.course, cmid=f.cmid, type=f.type, name=f.name,
                     numdiscussions=f.numdiscussions) for f in forums]
        if listed:
            counts.update(upsert_rows(s, Forum, rows, scope=Forum.course_id.in_(listed)))
        for fid, items in discussions.items():
            drows = [dict(id=d.discussion, forum_id=fid, name=d.name, user_id=d.userid, created=d.created,
                          timemodified=d.timemodified, usermodified=d.usermodified, numreplies=d.numreplies,
                          locked=d.locked, posts=posts.get(d.discussion)) for d in items
                     if not (ctx.retired_before and d.timemodified < ctx.retired_before)]  # past retention
            counts.update(upsert_rows(s, ForumDiscussion, drows, scope=ForumDiscussion.forum_id == fid))
        save_markers(s, "forums", {**list_markers,
                                   **{f"discussions:{fid}": str(access.get(cid, 0)) for fid, cid in watched}})
        save_cursor(s, "forums", ctx.now, run_id)
    return counts
