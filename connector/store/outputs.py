"""Bookkeeping of the output side: render hashes, push records, the engagement trend."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from connector.store.models import Evaluation, PushRecord, RenderState, VerdictRow


def load_render_hashes(session: Session, kind: str) -> dict[str, str]:
    return dict(session.execute(select(RenderState.key, RenderState.input_hash)
                                .where(RenderState.kind == kind)).all())


def save_render_hash(session: Session, kind: str, key: str, input_hash: str) -> None:
    session.merge(RenderState(kind=kind, key=key, input_hash=input_hash))


# "sending": recorded before the call, so that a crash between Moodle's acceptance and the record of it never
# sends twice; "unknown": an attempt whose outcome was not seen — both count as sent (at most once)
SENT_OR_MAYBE = ("sent", "sending", "unknown")


def site_secret(session: Session, name: str) -> str:
    """A random secret of this store (created once, kept in ``render_state`` under kind "secret"): the key of
    the teacher digests' file names."""
    import secrets

    row = session.get(RenderState, ("secret", name))
    if row is None:
        row = RenderState(kind="secret", key=name, input_hash=secrets.token_hex(32))
        session.add(row)
        session.flush()
    return row.input_hash


def already_sent(session: Session, channel: str, recipient: str, content_hash: str) -> str | None:
    """The status of the attempt that sent (or may have sent) this content, or None."""
    return session.scalar(select(PushRecord.status).where(
        PushRecord.channel == channel, PushRecord.recipient == recipient,
        PushRecord.content_hash == content_hash, PushRecord.status.in_(SENT_OR_MAYBE))
        .order_by(PushRecord.id.desc()).limit(1))


def record_push(session: Session, channel: str, recipient: str, what: str, content_hash: str, status: str,
                detail: str | None = None) -> int:
    rec = PushRecord(channel=channel, recipient=recipient, what=what, content_hash=content_hash, status=status,
                     detail=detail)
    session.add(rec)
    session.flush()
    return rec.id


def finish_push(session: Session, record_id: int, status: str, detail: str | None) -> None:
    rec = session.get(PushRecord, record_id)
    rec.status, rec.detail = status, detail


def load_trend(session: Session, programme: str, limit: int = 24) -> list[tuple[int, dict]]:
    """(data time, indicator-12 figures) of the latest evaluations of a programme, oldest first."""
    rows = session.execute(
        select(Evaluation.data_time, VerdictRow.figures).join(Evaluation)
        .where(VerdictRow.programme == programme, VerdictRow.indicator == 12)
        .order_by(Evaluation.id.desc()).limit(limit)).all()
    return [(t, f) for t, f in reversed(rows)]
