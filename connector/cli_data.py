"""Commands on the store's data itself: `purge` (retention, RGPD)."""

from __future__ import annotations

import datetime as dt

import click

from connector import app
from connector.cli_common import _settings, echo, handle_errors


@click.command()
@click.option("--dry-run", is_flag=True, help="Count what would be removed; change nothing.")
@click.pass_context
@handle_errors
def purge(ctx: click.Context, dry_run: bool) -> None:
    """Remove personal data kept past [retention] months (RGPD).

    Removed: enrolments, completion and people whose enrolment, course or contract ended before the
    cut-off, contracts ended before it, old complaints-forum discussions and notes on learners, the link between old survey
    answers and exam results and their author, and the findings of old evaluations (which may name learners; their status,
    risk and figures stay). The sync does not bring back what was removed. Safe to rerun.
    """
    settings = _settings(ctx)
    r = app.purge(settings, dry_run=dry_run)
    when = dt.datetime.fromtimestamp(r.cutoff, dt.UTC).date().isoformat()
    verb = "would remove" if dry_run else "removed"
    echo(f"retention {settings.retention.months} months: data that ended before {when}")
    echo(f"  {verb}: {r.enrolments} enrolment(s), {r.completions} completion record(s), {r.users} person(s), "
         f"{r.contracts} contract(s), {r.discussions} forum discussion(s), {r.notes} note(s)")
    echo(f"  {'would unlink' if dry_run else 'unlinked'}: {r.results_unlinked} exam result(s) from their learner")
    echo(f"  {'would unlink' if dry_run else 'unlinked'}: {r.survey_answers_unlinked} survey answer(s) from "
         f"their author; findings {'would be ' if dry_run else ''}removed from {r.evaluations_stripped} old "
         "evaluation(s) (figures kept)")
