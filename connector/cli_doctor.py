"""`doctor`: the Moodle side (site, functions of the service, capabilities, report, registers, rules), then this
machine's (the folders the commands write), as ✔/⚠/✘ lines with the fix; exit 3 (Moodle) or 2 (a folder)."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click

from connector import app, errors
from connector.cli_common import _settings, echo, handle_errors
from connector.moodle.replay import ReplayTransport


@click.command()
@click.option("--demo", is_flag=True, help="Check against the bundled recordings instead of a real Moodle.")
@click.pass_context
@handle_errors
def doctor(ctx: click.Context, demo: bool) -> None:
    """Check the Moodle side (site, functions of the service, capabilities) and the folders written here."""
    from connector.demo import demo_settings
    from connector.doctor import check_site
    from connector.doctor_local import check_folders, folder_lines
    from connector.evaluate import to_programme

    settings = demo_settings(Path("qualiopi-demo")) if demo else _settings(ctx)
    transport = ReplayTransport.from_bundle() if demo else None
    report = check_site(app.make_client(settings, transport), set(settings.sync.features),
                        settings.moodle.participants_report_id, settings.moodle.report_timezone,
                        settings.quality_courses, settings.quality.register_names(),
                        [to_programme(p) for p in settings.programmes], set(settings.quality_courses))
    _print_site(report, settings)
    local = [] if demo else folder_lines(check_folders(settings), settings.reports.group)
    if local:
        echo(f"\nThis machine, as {getpass.getuser()}:")
    for mark, line in local:
        echo(f" {mark} {line}")
    if not report.ok:
        failed = [c for c in report.checks if not c.in_service or c.probe == "failed"]
        echo(f"\n{len(failed)} check(s) failed; fix, then run doctor again:")
        for c in failed:
            echo(f" ✘ {c.function}: {c.fix}")
        sys.exit(errors.EXIT_AUTH)
    if any(mark == "✘" for mark, _ in local):
        echo("\nFix the ✘ lines of this machine above (a folder, the group), then run doctor again.")
        sys.exit(errors.EXIT_CONFIG)


def _print_site(report, settings) -> None:
    echo(f"Site: {report.site.sitename} ({report.site.release}) as {report.site.username}")
    for c in report.checks:
        mark = "✔" if c.in_service and c.probe != "failed" else "✘"
        service = f"service: {'yes' if c.in_service else 'NO':<4} " if not c.function.startswith("register") else ""
        echo(f" {mark} {c.function:<52} {service}probe: {c.probe}" + (f"\n     fix: {c.fix}" if c.fix else ""))
    for note in report.notes:
        echo(f" ⚠ {note}")
    report_failed = any(c.function == "core_reportbuilder_retrieve_report" and c.probe == "failed"
                        for c in report.checks)
    if not settings.moodle.participants_report_id or report_failed:
        from connector.moodle.report import recipe

        echo("\nHow to build the participants report:" if report_failed else
             "\nFast path not configured: without a participants report the sync costs 2 calls per course "
             "on every run, and 1 per learner whose enrolments or access changed. To enable it:")
        for line in recipe():
            echo(f"  {line}")
