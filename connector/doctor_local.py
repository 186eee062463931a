"""`doctor`, this machine's side: the folders the commands write (reports, document copies, the SQLite store) can
be made by the user running it, and a relative one is named with the folder it is taken from (cron and systemd
start commands in /). Nothing is created: each folder, or its nearest existing parent, is only looked at."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from connector.config import Settings
from connector.files import group_problem
from connector.store.db import sqlite_file


@dataclass(frozen=True)
class FolderCheck:
    setting: str
    path: Path
    problem: str | None  # None: writable (or can be made)
    relative: bool


def _nearest_existing(path: Path) -> Path:
    p = path
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def writable_problem(path: Path) -> str | None:
    """Why the current user could not make or write ``path`` (a folder), or None."""
    if path.exists():
        if not path.is_dir():
            return "exists and is not a folder"
        return None if os.access(path, os.W_OK | os.X_OK) else "not writable by this user"
    parent = _nearest_existing(path.parent)
    if not parent.is_dir():
        return f"{parent} is not a folder"
    return None if os.access(parent, os.W_OK | os.X_OK) else f"cannot be made: {parent} is not writable by this user"


def check_folders(settings: Settings) -> list[FolderCheck]:
    folders = [("[reports] out_dir", settings.reports.out_dir), ("[dossier] snapshot_dir", settings.dossier.snapshot_dir)]
    store = sqlite_file(settings.store.url)
    if store is not None:  # a lock file is SQLite's (PostgreSQL's lock lives in the database)
        folders.append(("[store] url (its folder)", Path(store).parent))
        if settings.store.lock_file is not None:
            folders.append(("[store] lock_file (its folder)", settings.store.lock_file.parent))
    return [FolderCheck(name, Path(p), writable_problem(Path(p).absolute()), not Path(p).is_absolute())
            for name, p in folders]


def folder_lines(checks: list[FolderCheck], group: str | None = None) -> list[tuple[str, str]]:
    """(mark, line) as doctor prints them: ✔ fine, ⚠ relative (fine here, taken from / under cron and systemd),
    ✘ cannot be made or written; and whether this user may give the reports to ``group``."""
    out = []
    if group:
        problem = group_problem(group)
        out.append(("✘" if problem else "✔", f"[reports] group {group}: " + (problem or "this user may give files to it")))
    for c in checks:
        where = f"{c.path}" + (f" (relative: {Path.cwd() / c.path} here; cron and systemd start in /)" if c.relative
                               else "")
        mark = "✘" if c.problem else "⚠" if c.relative else "✔"
        out.append((mark, f"{c.setting} {where}: {c.problem or 'writable'}"))
    return out
