from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.core import Role
from bot.scheduling import FakeClock
from tests.harness import Harness, make_harness


@pytest.fixture
async def cafe(db_url: str) -> AsyncIterator[Harness]:
    # Monday 4 January 2027, 09:00 UTC (10:00 in Paris).
    h = await make_harness(
        db_url, cogs=["cafe"], clock=FakeClock(datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
    )
    h.adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR)
    yield h
    await h.core.stop()
    await h.db.dispose()
