"""Alembic environment: async engines, every model imported, batch mode for SQLite."""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection

from bot.storage.db import Database
from bot.storage.registry import import_all_models, include_name

config = context.config
target_metadata = import_all_models().metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    return (
        config.get_main_option("sqlalchemy.url")
        or os.environ.get("PASSERELLE_DATABASE__URL")
        or "sqlite+aiosqlite:///passerelle.db"
    )


async def _run_async() -> None:
    db = Database(_url())
    try:
        async with db.engine.connect() as connection:
            await connection.run_sync(_configure)
            await connection.commit()
    finally:
        await db.dispose()


if context.is_offline_mode():
    context.configure(
        url=_url(), target_metadata=target_metadata, render_as_batch=True, literal_binds=True
    )
    with context.begin_transaction():
        context.run_migrations()
elif (connection := config.attributes.get("connection")) is not None:
    # Called from bot.storage.migrate inside a running event loop, on its connection.
    _configure(connection)
else:
    asyncio.run(_run_async())
