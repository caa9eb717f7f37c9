"""The suite's PostgreSQL database is emptied between tests by deleting only what an earlier
test left and restarting the sequences it moved (tests/conftest.py): what is left must be what
a full TRUNCATE … RESTART IDENTITY leaves."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.storage.db import Database
from tests.conftest import _empty_postgres


async def _ids(url: str, statements: list[str]) -> list[int]:
    db = Database(url)
    try:
        async with db.engine.begin() as conn:
            found: list[int] = []
            for statement in statements:
                result = await conn.execute(text(statement))
                if result.returns_rows:
                    found += [row[0] for row in result.all()]
            return found
    finally:
        await db.dispose()


ROOM = "INSERT INTO core_room (platform, external_id) VALUES ('console', '{}') RETURNING id"
AUDIT = "INSERT INTO core_web_audit (action, detail, at) VALUES ('a', 'b', now())"


async def test_rows_and_moved_sequences_are_reset(db_url: str, backend: str) -> None:
    if backend != "postgres":
        pytest.skip("SQLite tests get a fresh copy of the migrated template instead")
    # A row kept in one table; another table's sequence moved, its rows deleted again.
    await _ids(
        db_url,
        [
            ROOM.format("kept"),
            AUDIT,
            "DELETE FROM core_web_audit",
        ],
    )
    await _empty_postgres(db_url)
    counts = await _ids(
        db_url,
        ["SELECT count(*) FROM core_room", "SELECT count(*) FROM core_web_audit"],
    )
    assert counts == [0, 0]
    first = await _ids(
        db_url,
        [
            ROOM.format("again"),
            AUDIT + " RETURNING id",
        ],
    )
    assert first == [1, 1]  # both sequences start over, as after TRUNCATE … RESTART IDENTITY
