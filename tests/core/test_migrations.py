"""Alembic: an empty database upgrades to head, and autogenerate then finds no difference."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.storage import migrate
from bot.storage.db import Database
from bot.storage.registry import import_all_models, include_name


def _diff(connection: Connection) -> list:
    context = MigrationContext.configure(
        connection,
        opts={"compare_type": True, "render_as_batch": True, "include_name": include_name},
    )
    return compare_metadata(context, import_all_models().metadata)


async def test_upgrade_to_head_then_no_autogenerate_diff(db_url: str) -> None:
    db = Database(db_url)
    try:
        assert await migrate.current_revision(db) == migrate.head_revision()
        async with db.engine.connect() as conn:
            diff = await conn.run_sync(_diff)
        assert diff == [], f"models and migrations disagree: {diff}"
    finally:
        await db.dispose()


async def test_fresh_sqlite_file_migrates_from_empty(tmp_path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        assert await migrate.current_revision(db) is None
        assert await migrate.upgrade(db) is True
        assert await migrate.upgrade(db) is False  # already at head: nothing to do
        async with db.engine.connect() as conn:
            mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar()
            fks = (await conn.execute(text("PRAGMA foreign_keys"))).scalar()
        assert (mode, fks) == ("wal", 1)
    finally:
        await db.dispose()


def test_history_is_linear() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    assert len(script.get_heads()) == 1, "several heads: re-chain the migrations"
    assert len(script.get_bases()) == 1
