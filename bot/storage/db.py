"""Async engine and sessions: SQLite (WAL, foreign keys) by default, PostgreSQL by URL."""

from __future__ import annotations

import logging
import os
import re
import stat
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlmodel.ext.asyncio.session import AsyncSession

log = logging.getLogger(__name__)


SUPPORTED_URLS = "sqlite:///path/to/passerelle.db or postgresql://user:password@host/database"
_SQLITE_DRIVERS = ("sqlite", "sqlite+pysqlite", "sqlite+aiosqlite")
_POSTGRES_DRIVERS = ("postgresql", "postgres", "postgresql+psycopg2", "postgresql+asyncpg")


class DatabaseURLError(ValueError):
    """The database URL cannot be used; the message says why and what works (never the
    password)."""


def _parse(url: str) -> URL:
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise DatabaseURLError(f"this is not a database URL; use {SUPPORTED_URLS}") from None
    if parsed.drivername in _SQLITE_DRIVERS:
        return parsed.set(drivername="sqlite+aiosqlite")
    if parsed.drivername in _POSTGRES_DRIVERS:
        return parsed.set(drivername="postgresql+asyncpg")
    raise DatabaseURLError(
        f"unsupported database URL {parsed.drivername}://…: Passerelle works with SQLite and "
        f"PostgreSQL, e.g. {SUPPORTED_URLS}"
    )


def normalize_url(url: str) -> str:
    """Accept plain ``sqlite:///`` and ``postgresql://`` URLs; pick the async drivers.
    Anything else raises DatabaseURLError."""
    return _parse(url).render_as_string(hide_password=False)


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for PostgreSQL and in-memory databases)."""
    parsed = _parse(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser()


def check_url(url: str) -> str:
    """The normalised URL, or DatabaseURLError: unsupported scheme, or a SQLite file whose
    folder does not exist (creating folders from a typo silently put the data elsewhere)."""
    normalized = normalize_url(url)
    path = sqlite_path(normalized)
    if path is not None and not path.parent.is_dir():
        raise DatabaseURLError(
            f"the folder {path.parent} of the SQLite database does not exist: create it "
            "first, or give another path"
        )
    return normalized


def create_private_file(path: Path) -> bool:
    """Create ``path`` empty with mode 0600 unless it exists; True when created.

    SQLite gives its -wal and -shm files the database file's mode, so creating the database
    file private keeps all three private whatever the process umask."""
    # The mode passed to open() can only lose bits to the umask, so the file is at most 0600
    # whatever the umask is (no process-wide umask change needed).
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def dialect_insert(dialect: str, table: Any) -> Any:
    """``INSERT`` with ``on_conflict_do_nothing/update`` for PostgreSQL or SQLite."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # We issue BEGIN ourselves (below) so that writers take the lock up front: a deferred
    # transaction that reads then writes can fail at once with "database is locked".
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted rows (a forgotten member, a purged message) are overwritten, not left readable
    # in free pages of the file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _warn_if_readable(path: Path) -> None:
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning(
            "The database file %s can be read by other users of this machine (mode %o); "
            "chmod 600 it",
            path,
            stat.S_IMODE(mode),
        )


_ARGUMENT_VALUE = re.compile(r"(query argument \$\d+): .*?(?= \(|$)", re.DOTALL)


def _hide_error_values(context: ExceptionContext) -> None:
    """``handle_error`` hook: hide_parameters covers SQLAlchemy's message, but PostgreSQL
    quotes values itself ("DETAIL: Key (…)=(Zoé) already exists") and asyncpg names the value
    it could not encode; scrub both from every exception of the chain (logged tracebacks
    print them all)."""
    seen: set[int] = set()
    wrapper = context.sqlalchemy_exception
    error: BaseException | None = wrapper if wrapper is not None else context.original_exception
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if getattr(error, "detail", None):
            try:
                error.detail = None  # type: ignore[attr-defined]
            except AttributeError:
                pass
        if error.args and isinstance(error.args[0], str):
            error.args = (
                _ARGUMENT_VALUE.sub(r"\1: (value hidden)", error.args[0]),
                *error.args[1:],
            )
        nxt = error.__cause__ or error.__context__
        if nxt is None and error is wrapper:
            nxt = context.original_exception  # not chained yet when the hook runs
        error = nxt


#: Execution option of :meth:`Database.read` connections on SQLite: no BEGIN at all.
_NO_BEGIN = "passerelle_no_begin"


def _sqlite_begin(conn: Any) -> None:
    if conn.get_execution_options().get(_NO_BEGIN):
        return  # pysqlite's isolation_level is None: each statement commits by itself
    conn.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """The one place that knows the engine; everything else asks it for sessions."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = check_url(url)
        # aiosqlite logs every call with its parameters at DEBUG (what -v turns on).
        logging.getLogger("aiosqlite").setLevel(logging.NOTSET if echo else logging.INFO)
        self.dialect = make_url(self.url).get_backend_name()
        # Statement parameters (member names, message texts…) appear in logs and errors only
        # when SQL echo was asked for explicitly.
        kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": not echo}
        if self.dialect == "sqlite":
            path = sqlite_path(self.url)
            if path is not None and not create_private_file(path):
                _warn_if_readable(path)
            kwargs["connect_args"] = {"timeout": 15}
        else:
            kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        # PostgreSQL: reads that need no transaction (``read()``) get their own small pool in
        # autocommit mode. On a connection in a transaction mode, SQLAlchemy's pre-ping alone
        # is three round trips (BEGIN, ping, ROLLBACK) before BEGIN, the query and COMMIT;
        # in autocommit it is one, and the query needs no BEGIN or COMMIT.
        self._reader: AsyncEngine | None = None
        if self.dialect == "postgresql":
            self._reader = create_async_engine(
                self.url,
                # At most 5 more connections per process (two processes on hot standby
                # stay far under PostgreSQL's default 100): each read is one short statement.
                **{**kwargs, "pool_size": 3, "max_overflow": 2},
                isolation_level="AUTOCOMMIT",
            )
        for engine in (self.engine, self._reader):
            if engine is not None and not echo:
                event.listen(engine.sync_engine, "handle_error", _hide_error_values)
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(self.engine.sync_engine, "begin", _sqlite_begin)
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )

    def insert(self, table: Any) -> Any:
        """An upsert-capable ``INSERT`` for this database's dialect."""
        return dialect_insert(self.dialect, table)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: committed on success, rolled back on error."""
        async with self._sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A pooled connection for reads outside any transaction, without an ORM session:
        for hot read-only paths (a calendar feed polled every few minutes, the dashboard's
        cards) where each use is ONE statement — a statement sees one consistent state of the
        database by itself, and saves the BEGIN and COMMIT round trips. Two statements here
        may see two different states: use :meth:`session` when they must agree, and for
        any write."""
        if self._reader is not None:
            async with self._reader.connect() as conn:
                yield conn
            return
        async with self.engine.connect() as conn:
            yield await conn.execution_options(**{_NO_BEGIN: True})

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self._reader is not None:
            await self._reader.dispose()
