"""Store the verdicts of an evaluation; read earlier figures back for trends."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from connector.store.models import Evaluation, VerdictRow
from mappings.model import Finding, Verdict, Where

KEEP_DETAILED = 3  # evaluations whose findings and course lines are kept; older ones keep status, risk, figures


WHERE_FIELDS = tuple(f.name for f in dataclasses.fields(Where))


def finding_dict(f: Finding) -> dict:
    """``dataclasses.asdict`` of a finding, written out: asdict's deep copy cost 4 s per large-site evaluation."""
    w = f.where
    return {"what": f.what, "where": {k: getattr(w, k) for k in WHERE_FIELDS}, "why": f.why, "fix": f.fix,
            "severity": f.severity, "audience": f.audience}


def save_evaluation(session: Session, verdicts: Iterable[Verdict], data_time: int,
                    sync_run_id: int | None) -> int:
    """Store the evaluation, then drop the findings of the one that leaves the last ``KEEP_DETAILED`` (on a
    5,000-course site they weigh ≈ 10 MiB per evaluation; trends need only the figures)."""
    ev = Evaluation(data_time=data_time, sync_run_id=sync_run_id)
    session.add(ev)
    session.flush()
    for v in verdicts:
        session.add(VerdictRow(
            evaluation_id=ev.id, programme=v.programme, indicator=v.indicator, outcome=v.outcome.value,
            status=v.status.value if v.status else None, risk=v.risk.value if v.risk else None,
            summary=v.summary, figures=dict(v.figures),
            findings=[finding_dict(f) for f in v.findings],
            courses=[{"course_id": c.course_id, "shortname": c.shortname, "outcome": c.outcome,
                      "figures": dict(c.figures)} for c in v.courses], missing_data=v.missing_data,
        ))
    session.flush()
    recent = session.scalars(select(Evaluation.id).order_by(Evaluation.id.desc()).limit(KEEP_DETAILED)).all()
    old = session.scalars(select(Evaluation.id).where(Evaluation.detailed.is_(True),
                                                      Evaluation.id < min(recent))).all()
    if old:
        session.execute(update(VerdictRow).where(VerdictRow.evaluation_id.in_(old)).values(findings=[], courses=[]))
        session.execute(update(Evaluation).where(Evaluation.id.in_(old)).values(detailed=False))
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
