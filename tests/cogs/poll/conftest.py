"""A core with the poll cog on SQLite (and PostgreSQL when configured)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlmodel import select

from bot.config import load_settings
from bot.core.refs import RoomRef
from cogs.poll.models import PollBallot
from tests.harness import Harness, make_harness

SECRET = "test-ballot-secret-0123456789abcdef"


async def poll_harness(db_url: str, **poll_settings: object) -> Harness:
    settings = load_settings(None, cogs={"poll": {"ballot_secret": SECRET, **poll_settings}})
    h = await make_harness(db_url, cogs=["poll"], settings=settings)
    h.adapter.population = 71
    return h


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    harness = await poll_harness(db_url)
    yield harness
    await close(harness)


async def close(h: Harness) -> None:
    """Finish pending live refreshes (their timers would fire after the database is gone)."""
    await h.core.drain()
    await h.core.stop()
    await h.db.dispose()


async def ballots(h: Harness, poll_id: int) -> list[PollBallot]:
    async with h.db.session() as s:
        return list(await s.exec(select(PollBallot).where(PollBallot.poll_id == poll_id)))


def dm(h: Harness, name: str) -> RoomRef:
    """``name``'s direct chat with the bot: where anonymous votes are typed."""
    return RoomRef(h.adapter.platform, f"dm-{name}", direct=True)
