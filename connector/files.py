"""Files that name people or hold the provider's documents: private whatever the umask, never via a link."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def os_error_line(exc: OSError) -> str:
    """« what failed: which path » — with the folder a relative path was taken from (cron and systemd start in /)."""
    where = exc.filename
    text = f"{exc.strerror or type(exc).__name__}: {os.fsdecode(where)}" if where is not None else str(exc)
    if where is not None and not Path(os.fsdecode(where)).is_absolute():
        text += (f" (a relative path, taken from the folder the command runs in, {Path.cwd()}: give an absolute "
                 "path in the configuration, e.g. [reports] out_dir or [dossier] snapshot_dir)")
    return text


def group_problem(group: str) -> str | None:
    """Why this user could not give files to ``group`` (only its members may, or root), or None."""
    import getpass
    import grp

    try:
        gid = grp.getgrnam(group).gr_gid
    except KeyError:
        return f"no group named {group!r} on this machine"
    if os.geteuid() == 0 or gid == os.getegid() or gid in os.getgroups():
        return None
    return (f"this user may not give files to the group {group!r}, not being a member (as root: usermod -aG "
            f"{group} {getpass.getuser()}, then start the command again), or leave group out")


def private_dir(path: Path) -> Path:
    """A folder only its owner can read (0700), created with its parents; a symlink is refused."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.is_symlink():
        raise OSError(f"{path} is a symbolic link: refused")
    os.chmod(path, 0o700)
    return path


def write_private(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` (0600) through a fresh temporary file renamed into place: readers never
    see half a file, and a link planted at the temporary name cannot be followed (mkstemp uses O_EXCL)."""
    private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
