"""What every command shares: the one place errors become a message and an exit code, and the settings."""

from __future__ import annotations

import functools
import sys

import click
from sqlalchemy.exc import SQLAlchemyError

from connector import errors
from connector.config import load_settings
from connector.files import os_error_line
from connector.safe_text import terminal_safe
from connector.store.db import store_error

MAX_DETAILS = 50  # a 400,000-line bad file prints its first problems, not all of them


def echo(message: object = "", **kwargs) -> None:
    """click.echo without the control and bidi characters a Moodle text may hold."""
    click.echo(terminal_safe(message), **kwargs)


def handle_errors(fn):
    """Turn typed errors into one line on stderr and the documented exit code."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except errors.QualiopiSyncError as exc:
            echo(f"error: {exc}", err=True)
            details = getattr(exc, "details", [])
            for line in details[:MAX_DETAILS]:
                echo(f"  {line}", err=True)
            if len(details) > MAX_DETAILS:
                echo(f"  … et {len(details) - MAX_DETAILS} autre(s) ligne(s) non affichée(s)", err=True)
            sys.exit(exc.exit_code)
        except SQLAlchemyError as exc:  # one the layers below did not type: as they would have
            typed = store_error(exc, "cannot use the store")
            echo(f"error: {typed}", err=True)
            sys.exit(typed.exit_code)
        except OSError as exc:  # a folder or file the command cannot make, write or read: one line, no traceback
            echo(f"error: {os_error_line(exc)}", err=True)
            sys.exit(errors.EXIT_CONFIG if isinstance(exc, SETTING_ERRORS) else errors.EXIT_FAILED)

    return wrapper


# what a setting fixes (a folder elsewhere, or given to the service's user); a full disk is not one of them
SETTING_ERRORS = (PermissionError, FileNotFoundError, NotADirectoryError, IsADirectoryError, FileExistsError)


def _settings(ctx: click.Context):
    return load_settings(ctx.obj["config"])
