"""`register` commands: the provider's registers as spreadsheets, and the Moodle presets."""

from __future__ import annotations

from pathlib import Path

import click

from connector import app, errors
from connector.cli_common import _settings, echo, handle_errors
from connector.registers import REGISTER_LABELS, SCHEMAS


@click.group()
def register() -> None:
    """The provider's registers: evidence, complaints, improvement plan."""


@register.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--kind", type=click.Choice(sorted(SCHEMAS)), default=None,
              help="Which register the file is (default: recognised from its columns).")
@click.pass_context
@handle_errors
def register_import(ctx: click.Context, file: Path, kind: str | None) -> None:
    """Replace the imported lines of a register with FILE (CSV or XLSX, the Moodle register's columns).

    All or nothing: each bad line is reported by its number and nothing is imported. Entries read from
    Moodle are not touched.
    """
    from connector.registers.imports import import_register

    settings = _settings(ctx.parent)
    with app.locked_store(settings) as store, app.db.transaction(store.sessions) as s:
        kind, n = import_register(s, file, kind)
    echo(f"{REGISTER_LABELS[kind]} : {n} ligne(s) importée(s) depuis {file.name}")


@register.command("presets")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="Folder to write the three preset zips into.")
@handle_errors
def register_presets(out: Path) -> None:
    """Write the three Moodle Database presets (import them in the quality course: Database > Presets)."""
    from connector.registers.presets import FILENAMES, build_preset

    try:
        out.mkdir(parents=True, exist_ok=True)
        for kind, name in FILENAMES.items():
            (out / name).write_bytes(build_preset(kind))
            echo(f"{out / name} — {REGISTER_LABELS[kind]} ({len(SCHEMAS[kind])} champs attendus)")
    except OSError as exc:
        raise errors.InputError(f"{out} : écriture impossible ({exc.strerror})") from None
