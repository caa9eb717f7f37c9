"""``passerelle db backup``: a consistent copy of a live SQLite database, created private.

SQLite's online backup API copies every page under one read transaction, so the copy is a
snapshot even while the bot writes (WAL: writers are not blocked). The copy is switched to the
rollback journal so that it is one self-contained file. PostgreSQL has its own tool (pg_dump).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path


class BackupError(Exception):
    """The backup could not be made; the message says why and what to do."""


def _create_private(path: Path) -> None:
    # O_EXCL: never overwrite (or follow a planted link to) an existing file; 0600 whatever
    # the umask, since the copy holds everything the database holds.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BackupError(f"{path} already exists: choose another name or remove it") from None
    except FileNotFoundError:
        raise BackupError(f"the folder {path.parent} does not exist: create it first") from None
    except PermissionError:
        raise BackupError(f"cannot write {path}: permission denied") from None
    os.close(fd)


def backup_sqlite(source: Path, target: Path) -> int:
    """Copy the SQLite database ``source`` to the new file ``target`` (mode 0600); returns
    the copy's size in bytes."""
    if not source.is_file():
        raise BackupError(f"there is no database at {source}")
    _create_private(target)
    try:
        # Read-only: a backup must never create or change the live database.
        src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=15)
        try:
            dst = sqlite3.connect(target)
            try:
                src.backup(dst)  # all pages in one step: one consistent snapshot
                dst.execute("PRAGMA journal_mode=DELETE")
                check = dst.execute("PRAGMA quick_check").fetchone()
                if check is None or check[0] != "ok":
                    raise BackupError(f"the copy failed its integrity check: {check}")
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        target.unlink(missing_ok=True)
        raise BackupError(f"{source} could not be copied: {exc}") from None
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target.stat().st_size


def copy_private(source: Path, target: Path) -> None:
    """Copy a small secret file to the new file ``target`` with mode 0600."""
    _create_private(target)
    try:
        with source.open("rb") as src, target.open("wb") as dst:
            shutil.copyfileobj(src, dst)
    except OSError as exc:
        target.unlink(missing_ok=True)
        raise BackupError(f"{source} could not be copied: {exc.strerror or exc}") from None
