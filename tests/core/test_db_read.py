"""``Database.read``: one-statement reads outside any transaction, on SQLite and PostgreSQL.

On SQLite a read must not take the write lock (every ``session()`` begins IMMEDIATE), so it
answers while a writer holds the database and sees only what is committed; on PostgreSQL
each statement is its own transaction (autocommit). Writes still go through ``session()``."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func, text
from sqlmodel import select

from bot.storage.db import Database
from bot.storage.models import Member

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


async def count(db: Database) -> int:
    async with db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(Member))).one()[0])


async def test_a_read_does_not_wait_for_a_writer_and_sees_only_committed_rows(
    db_url: str,
) -> None:
    db = Database(db_url)
    try:
        async with db.session() as s:
            s.add(Member(display_name="Zoé", created_at=NOW, last_seen_at=NOW))
        async with db.session() as s:
            s.add(Member(display_name="Yves", created_at=NOW, last_seen_at=NOW))
            await s.flush()  # the writer holds its lock (SQLite: the database) from here
            # A read through session() would wait for the writer on SQLite (BEGIN IMMEDIATE)
            # until busy_timeout (15 s); read() answers at once with the committed state.
            assert await asyncio.wait_for(count(db), timeout=5) == 1
        assert await count(db) == 2
    finally:
        await db.dispose()


async def test_each_statement_of_a_read_is_its_own_transaction(db_url: str) -> None:
    db = Database(db_url)
    try:
        async with db.read() as conn:
            if db.dialect == "postgresql":
                first = (await conn.execute(text("SELECT txid_current()"))).scalar_one()
                second = (await conn.execute(text("SELECT txid_current()"))).scalar_one()
                assert first != second  # in one transaction both would be the same
            else:
                before = (await conn.execute(select(func.count()).select_from(Member))).one()
                # Written and committed meanwhile: a SQLite transaction would keep reading
                # its first snapshot (or have locked the writer out); a read sees the row.
                async with db.session() as s:
                    s.add(Member(display_name="Zoé", created_at=NOW, last_seen_at=NOW))
                after = (await conn.execute(select(func.count()).select_from(Member))).one()
                assert (before[0], after[0]) == (0, 1)
    finally:
        await db.dispose()
