"""A core with the café on a real database and the web application in front of it, through
aiohttp's test client (a real HTTP server on a free loopback port)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.core import Role
from bot.scheduling import FakeClock
from bot.web.server import build_app
from tests.harness import Harness, make_harness


@dataclass
class Web:
    h: Harness
    client: TestClient


@pytest.fixture
async def web(db_url: str) -> AsyncIterator[Web]:
    # Monday 4 January 2027, 09:00 UTC (10:00 in Paris).
    h = await make_harness(
        db_url, cogs=["cafe"], clock=FakeClock(datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
    )
    h.adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR)
    client = TestClient(TestServer(build_app(h.core)))
    await client.start_server()
    try:
        yield Web(h, client)
    finally:
        await client.close()
        await h.close()
