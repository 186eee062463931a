"""What every command shares: the one place errors become a message and an exit code, and the settings."""

from __future__ import annotations

import functools
import sys

import click
from sqlalchemy.exc import SQLAlchemyError

from connector import errors
from connector.config import load_settings


def handle_errors(fn):
    """Turn typed errors into one line on stderr and the documented exit code."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except errors.QualiopiSyncError as exc:
            click.echo(f"error: {exc}", err=True)
            for line in getattr(exc, "details", []):
                click.echo(f"  {line}", err=True)
            sys.exit(exc.exit_code)
        except SQLAlchemyError as exc:
            click.echo(f"error: store: {type(exc).__name__}: {getattr(exc, 'orig', exc)}", err=True)
            sys.exit(errors.EXIT_FAILED)

    return wrapper



def _settings(ctx: click.Context):
    return load_settings(ctx.obj["config"])
