"""Command line. Only here do errors become messages and exit codes (see README "Exit codes")."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from connector import app, errors
from connector.cli_common import _settings, echo, handle_errors
from connector.cli_data import purge
from connector.cli_doctor import doctor
from connector.cli_registers import register
from connector.safe_text import SafeFormatter, terminal_safe

log = logging.getLogger("qualiopi_sync")


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for handler in logging.getLogger().handlers:
        handler.setFormatter(SafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for noisy in ("alembic", "urllib3", "weasyprint", "fontTools", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _progress():
    if sys.stdout.isatty():
        return lambda msg: click.echo(f"\r\033[K{terminal_safe(msg)}", nl=False)
    return lambda msg: None  # cron: the log lines are enough


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "-c", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="TOML configuration file [default: ./qualiopi-sync.toml].")
@click.option("--verbose", "-v", is_flag=True, help="Debug logging.")
@click.version_option(package_name="qualiopi-sync", message="qualiopi-sync %(version)s")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, verbose: bool) -> None:
    """qualiopi-sync: Qualiopi evidence and reports from a Moodle site.

    Exit codes: 0 ok, 1 failed, 2 configuration/usage, 3 Moodle authentication or
    permission, 4 transient (network, Moodle down), 5 another run holds the lock,
    6 the run lost its lock midway.
    """
    _setup_logging(verbose)
    ctx.obj = {"config": config_path}


@cli.command()
@click.pass_context
@handle_errors
def migrate(ctx: click.Context) -> None:
    """Create or upgrade the store's tables (Alembic), under the run lock (exit 5 while a run holds it)."""
    settings = _settings(ctx)
    store = app.open_store(settings.store.url, lock_file=settings.store.lock_file)
    echo(f"store at revision {app.db.current_revision(store.engine)}")


@cli.command()
@click.pass_context
@handle_errors
def seed(ctx: click.Context) -> None:
    """Load the Qualiopi référentiel (7 criteria, 32 indicators); safe to rerun."""
    settings = _settings(ctx)
    counts = app.seed(app.open_store(settings.store.url, lock_file=settings.store.lock_file))
    echo(f"référentiel: {counts['inserted']} inserted, {counts['updated']} updated")


@cli.command()
@click.option("--full", is_flag=True, help="Fetch everything, ignoring cursors.")
@click.pass_context
@handle_errors
def sync(ctx: click.Context, full: bool) -> None:
    """Pull Moodle data into the store (incremental unless --full)."""
    result = app.sync(_settings(ctx), full=full, progress=_progress())
    _print_sync(result)
    if result.error:
        raise result.error


@cli.command()
@click.pass_context
@handle_errors
def evaluate(ctx: click.Context) -> None:
    """Evaluate every configured programme against the 32 indicators and store the verdicts."""
    import time

    from connector.demo import print_matrix
    from connector.evaluate import run_evaluation

    settings = _settings(ctx)
    if not settings.programmes:
        raise errors.ConfigError("programmes: none configured (add [[programmes]] to the TOML)")
    store = app.open_store(settings.store.url, lock_file=settings.store.lock_file)
    print_matrix(run_evaluation(settings, store.sessions, int(time.time())), echo)


@cli.group()
def contracts() -> None:
    """Apprenticeship contracts (indicator 13)."""


@contracts.command("import")
@click.argument("csv_file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
@handle_errors
def contracts_import(ctx: click.Context, csv_file: Path) -> None:
    """Replace the contracts with those of CSV_FILE (apprentice;company;tutor;start;end, optionally type:
    apprentissage or professionnalisation)."""
    from connector.store.contracts import import_contracts

    with app.locked_store(_settings(ctx.parent)) as store, app.db.transaction(store.sessions) as s:
        n = import_contracts(s, csv_file)
    echo(f"{n} contrat(s) importé(s) depuis {csv_file.name}")


@cli.group()
def results() -> None:
    """Certification exam results (indicators 2, 3, 11 and 16): the certifier's results never live in Moodle."""


@results.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
@handle_errors
def results_import(ctx: click.Context, file: Path) -> None:
    """Replace the exam results with FILE (CSV or XLSX: programme;session;apprenant;inscrit;presente;resultat,
    optionally blocs;date). All or nothing: each bad line is reported by its number."""
    from connector.store.results import import_results

    with app.locked_store(_settings(ctx.parent)) as store, app.db.transaction(store.sessions) as s:
        n = import_results(s, file)
    echo(f"{n} résultat(s) d’examen importé(s) depuis {file.name}")


@cli.group()
def rncp() -> None:
    """France compétences RNCP/RS open data (indicators 7 and 16)."""


@rncp.command("import")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--file", "more", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="An export file (export-fiches-csv-*.zip, its CSV files, or a V4.1 XML); repeatable.")
@click.option("--url", help="Download the export from this address (e.g. data.gouv.fr's stable resource URL).")
@click.pass_context
@handle_errors
def rncp_import(ctx: click.Context, files: tuple[Path, ...], more: tuple[Path, ...], url: str | None) -> None:
    """Load France compétences' RNCP/RS export into the store (FILES, --file or --url).

    A newer export replaces the fiches of the répertoires it covers; an older one is refused;
    a bad file changes nothing.
    """
    import tempfile

    from connector.rncp import fetch_export, read_export
    from connector.store.rncp import upsert_fiches

    paths = [*files, *more]
    if not paths and not url:
        raise errors.ConfigError("rncp import: give the export as FILE, --file FILE or --url URL")
    with tempfile.TemporaryDirectory(prefix="qualiopi-rncp-") as tmp:
        if url:
            paths.append(fetch_export(url, Path(tmp)))
        fiches = read_export(paths)
    settings = _settings(ctx.parent)
    store = app.open_store(settings.store.url, lock_file=settings.store.lock_file)
    with app.db.transaction(store.sessions) as s:
        counts = upsert_fiches(s, fiches)
    echo(f"{len(fiches)} fiche(s) read: +{counts['inserted']} ~{counts['updated']} -{counts['deleted']}")


@cli.command()
@click.option("--limit", default=10, show_default=True, help="How many runs to show.")
@click.option("--store", "store_url", metavar="URL", help="The store's URL (default: [store] url of the config).")
@click.pass_context
@handle_errors
def status(ctx: click.Context, limit: int, store_url: str | None) -> None:
    """Last sync runs: when, duration, calls, rows, errors (reads the store only: no Moodle URL or token needed)."""
    from connector.config import load_store_config
    from connector.store.queries import load_runs

    store = app.open_store_to_read(store_url or load_store_config(ctx.obj["config"]).url)
    runs = []
    if store is not None:
        with store.sessions() as s:
            runs = load_runs(s, limit)
    if not runs:
        echo("no sync run yet: run `qualiopi-sync sync`" + (" (it creates the store)" if store is None else ""))
    for r in runs:
        took = (r.finished_at - r.started_at).total_seconds() if r.finished_at else None
        rows = sum(sum(c.values()) for c in r.rows.values())
        echo(f"#{r.id} {r.started_at:%Y-%m-%d %H:%M:%S} UTC {r.status:<7} "
                   f"{'%.1f s' % took if took is not None else 'running':>8} calls {sum(r.calls.values()):>6} "
                   f"rows {rows:>7}{' full' if r.full else ''}" + (f"\n    error: {r.error}" if r.error else ""))


@cli.command()
@click.option("--force", is_flag=True, help="Re-render every report, changed or not.")
@click.option("--dry-run", is_flag=True, help="Print what would be pushed; send nothing.")
@click.option("--no-push", is_flag=True, help="Stop after rendering.")
@click.option("--no-sync", is_flag=True, help="Use the data already in the store.")
@click.pass_context
@handle_errors
def run(ctx: click.Context, force: bool, dry_run: bool, no_push: bool, no_sync: bool) -> None:
    """The whole pipeline once: sync → evaluate → render → push (the cron entry)."""
    from connector.pipeline import run_pipeline

    r = run_pipeline(_settings(ctx), do_sync=not no_sync, push=not no_push, force=force, dry_run=dry_run)
    if r.sync:
        _print_sync(r.sync)
    _print_outputs(r.render, r.push)


@cli.command()
@click.option("--force", is_flag=True, help="Re-render every report, changed or not.")
@click.pass_context
@handle_errors
def render(ctx: click.Context, force: bool) -> None:
    """Evaluate and render the reports (site, PDFs, teacher digests, dossiers) from the store."""
    from connector.pipeline import run_pipeline

    r = run_pipeline(_settings(ctx), do_sync=False, push=False, force=force)
    _print_outputs(r.render, None)


@cli.command()
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send nothing.")
@click.pass_context
@handle_errors
def push(ctx: click.Context, dry_run: bool) -> None:
    """Render what changed, then send teacher notifications and the PDFs (Moodle and/or e-mail)."""
    from connector.pipeline import run_pipeline

    r = run_pipeline(_settings(ctx), do_sync=False, dry_run=dry_run)
    _print_outputs(r.render, r.push)


@cli.command()
@click.pass_context
@handle_errors
def serve(ctx: click.Context) -> None:
    """Run the pipeline on the [schedule] of the TOML until SIGTERM (systemd service)."""
    from connector.scheduler import serve as serve_forever

    serve_forever(_settings(ctx))


def _print_outputs(rendered, pushed) -> None:
    echo(f"reports in {rendered.out_dir.resolve()}: {len(rendered.rendered)} programme(s) rendered, "
               f"{len(rendered.unchanged)} unchanged, {len(rendered.digests_rendered)} teacher digest(s)")
    for code, why in rendered.reasons.items():
        echo(f"  {code}: {why}")
    echo(f"  index: {rendered.index.resolve()}")
    if pushed is None:
        return
    for kind, lines in (("would send", pushed.planned), ("sent", pushed.sent), ("FAILED", pushed.failed)):
        for line in lines:
            echo(f"  {kind}: {line}")
    echo(f"push: {len(pushed.sent)} sent, {len(pushed.skipped)} unchanged (not resent), "
               f"{len(pushed.planned)} planned (dry run), {len(pushed.failed)} failed")
    if pushed.failed:
        raise errors.PushError(f"{len(pushed.failed)} push(es) failed; see above (recorded, not retried blindly)")


@cli.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("qualiopi-demo"),
              show_default=True, help="Where the demo store and reports go.")
@click.option("--force", is_flag=True, help="Re-render every report.")
@handle_errors
def demo(out: Path, force: bool) -> None:
    """Run the pipeline on the bundled recordings of a real Moodle 4.5 (no Moodle needed)."""
    from connector.demo import print_summary, run_demo

    result = run_demo(out, force=force)
    print_summary(result, echo)
    if result.sync.error:
        raise result.sync.error


def _print_sync(result) -> None:
    if sys.stdout.isatty():
        click.echo("\r\033[K", nl=False)
    calls = sum(result.calls.values())
    echo(f"sync run #{result.run_id}: {result.status}, {calls} calls, {result.rows_written} rows written")
    for name, counts in result.rows.items():
        echo(f"  {name:<11} +{counts['inserted']} ~{counts['updated']} -{counts['deleted']}")


cli.add_command(doctor)
cli.add_command(register)
cli.add_command(purge)


def main() -> None:
    cli(prog_name="qualiopi-sync")




if __name__ == "__main__":
    main()
