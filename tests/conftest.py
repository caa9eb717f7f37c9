"""Fixtures: every storage test runs on SQLite and, when PASSERELLE_TEST_DATABASE_URL is set,
on PostgreSQL too (a fresh database per test session, tables truncated between tests)."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.storage import migrate
from bot.storage.db import Database, normalize_url
from bot.storage.registry import import_all_models
from tests.harness import Harness, make_harness

PG_ENV = "PASSERELLE_TEST_DATABASE_URL"
E2E_DIR = Path(__file__).resolve().parent / "e2e"
WEB_DIR = Path(__file__).resolve().parent / "web"


def pytest_configure(config: pytest.Config) -> None:
    os.environ.pop("PASSERELLE_CONFIG", None)
    for key in [k for k in os.environ if k.startswith("PASSERELLE_") and k != PG_ENV]:
        if key != "PASSERELLE_VENV":
            os.environ.pop(key)
    # Every bot the suite starts (in process or as a subprocess) serves its web side on a free
    # port: 8470 may be taken by a bot the developer is running, or by a parallel run.
    os.environ["PASSERELLE_WEB__PORT"] = "0"


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under ``-n`` (pytest-xdist) one worker runs each platform's end-to-end tests (one
    Synapse, installed once; one fake Discord) and one the browser tests; every other test is
    dealt out alone. (xdist's own ``loadgroup`` marks the node ids, which pytest 9 ignores.)"""
    from xdist.scheduler import LoadScopeScheduling

    class Groups(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return schedule_group(nodeid)

    return Groups(config, log)


def schedule_group(nodeid: str) -> str:
    """The scope a test is scheduled with: its platform's end-to-end group, the browser group,
    or the test alone."""
    path = nodeid.split("::", 1)[0]
    if path.startswith("tests/e2e/"):
        return "e2e:" + path.split("/")[2]
    if path.startswith("tests/web/test_browser"):
        return "browser"
    return nodeid


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Markers that apply: ``e2e`` on every test under tests/e2e, ``postgres`` on every run
    parametrised on PostgreSQL (``-m "not e2e"``, ``-m postgres`` select the right tests)."""
    for item in items:
        if item.path.is_relative_to(E2E_DIR):
            item.add_marker(pytest.mark.e2e)
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("db_url") == "postgres":
            item.add_marker(pytest.mark.postgres)


def _backends() -> list[str]:
    return ["sqlite", "postgres"] if os.environ.get(PG_ENV) else ["sqlite"]


async def _migrate(url: str) -> None:
    db = Database(url)
    try:
        await migrate.upgrade(db)
    finally:
        await db.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    base = os.environ.get(PG_ENV)
    if not base:
        yield None
        return
    base = normalize_url(base)
    name = f"passerelle_test_{uuid.uuid4().hex[:10]}"

    async def admin(statement: str) -> None:
        db = Database(base)
        try:
            async with db.engine.execution_options(isolation_level="AUTOCOMMIT").connect() as c:
                await c.execute(text(statement))
        finally:
            await db.dispose()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_migrate(url))
    yield url
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=_backends())
def db_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path, postgres_url: str | None
) -> str:
    """A migrated, empty database: a copy of the SQLite template, or the PostgreSQL test
    database emptied (see :func:`_empty_postgres`)."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite+aiosqlite:///{path}"
    assert postgres_url is not None

    asyncio.run(_empty_postgres(postgres_url))
    return postgres_url


#: The id sequences an earlier test moved (PostgreSQL shows ``last_value`` once one is used).
_USED_SEQUENCES = """
SELECT seq.relname FROM pg_class seq
JOIN pg_sequences used ON used.schemaname = current_schema() AND used.sequencename = seq.relname
WHERE seq.relkind = 'S' AND used.last_value IS NOT NULL
"""


async def _empty_postgres(url: str) -> None:
    """Leave the database as ``TRUNCATE … RESTART IDENTITY`` of every table would, faster:
    the rows an earlier test left are deleted (children first) and the sequences it moved
    restarted. A TRUNCATE makes new files for each table and index, and with CASCADE it
    reached every table referencing the members: ~0.5 s a test, against ~40 ms."""
    tables = [table.name for table in import_all_models().metadata.sorted_tables]
    with_rows = " UNION ALL ".join(
        f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in tables
    )
    db = Database(url)
    try:
        async with db.engine.begin() as conn:
            filled = {row[0] for row in (await conn.execute(text(with_rows))).all()}
            for name in reversed(tables):
                if name in filled:
                    await conn.execute(text(f'DELETE FROM "{name}"'))
            for (sequence,) in (await conn.execute(text(_USED_SEQUENCES))).all():
                await conn.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))
    finally:
        await db.dispose()


@pytest.fixture
def backend(db_url: str) -> str:
    return "postgres" if db_url.startswith("postgresql") else "sqlite"


@pytest.fixture
async def harness(db_url: str) -> AsyncIterator[Harness]:
    """A core with the builtins only; cog tests build their own with ``make_harness``."""
    async with await make_harness(db_url) as h:
        yield h
