"""Store the verdicts of an evaluation; read earlier figures back for trends."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from connector.store.models import Evaluation, VerdictRow
from mappings.model import Verdict


def save_evaluation(session: Session, verdicts: Iterable[Verdict], data_time: int,
                    sync_run_id: int | None) -> int:
    ev = Evaluation(data_time=data_time, sync_run_id=sync_run_id)
    session.add(ev)
    session.flush()
    for v in verdicts:
        session.add(VerdictRow(
            evaluation_id=ev.id, programme=v.programme, indicator=v.indicator, outcome=v.outcome.value,
            status=v.status.value if v.status else None, risk=v.risk.value if v.risk else None,
            summary=v.summary, figures=dict(v.figures),
            findings=[dataclasses.asdict(f) for f in v.findings],
            courses=[dataclasses.asdict(c) for c in v.courses], missing_data=v.missing_data,
        ))
    return ev.id


def load_history(session: Session, programme: str, limit: int = 12) -> dict[int, tuple[dict, ...]]:
    """Indicator → figures of the earlier evaluations of this programme, oldest first."""
    rows = session.execute(
        select(VerdictRow.indicator, VerdictRow.figures).join(Evaluation)
        .where(VerdictRow.programme == programme).order_by(Evaluation.id.desc()).limit(limit * 32)
    ).all()
    out: dict[int, list[dict]] = {}
    for ind, figures in reversed(rows):
        out.setdefault(ind, []).append(figures)
    return {k: tuple(v[-limit:]) for k, v in out.items()}
