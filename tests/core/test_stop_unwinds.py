"""Stopping the core lets cancelled background work unwind while the database is still open."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from bot.storage.models import OutboxMessage
from tests.harness import make_harness


async def test_stop_unwinds_background_work_inside_a_transaction(db_url: str) -> None:
    h = await make_harness(db_url)
    inside = asyncio.Event()
    unwound = asyncio.Event()

    async def work() -> None:
        try:
            async with h.db.session() as s:
                await s.exec(select(OutboxMessage.id))
                inside.set()
                await asyncio.sleep(3600)
        finally:
            unwound.set()

    h.core.spawn(work())
    await inside.wait()
    await h.close()
    assert unwound.is_set()  # rolled back before the engine went, not after
