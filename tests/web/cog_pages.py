"""A core with the café, poll and resource cogs and the web application in front of it: the
fixture of the Cafés, Polls and Resources pages' tests (import ``pages`` in a test module)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.config import load_settings
from bot.core import Role
from bot.scheduling import FakeClock
from bot.web.server import build_app
from cogs.resource.preview import Preview, PreviewError
from tests.harness import make_harness
from tests.web.conftest import Web

SECRET = "test-ballot-secret-0123456789abcdef"


class NoPreview:
    """Link previews fail like an unreachable page: the tests give titles themselves."""

    async def fetch(self, url: str) -> Preview:
        raise PreviewError("le nom « {host} » est introuvable", host="nulle.part")


@pytest.fixture
async def pages(db_url: str) -> AsyncIterator[Web]:
    settings = load_settings(
        None,
        cogs={"resource": {"moderation": "queue"}, "poll": {"ballot_secret": SECRET}},
    )
    h = await make_harness(
        db_url,
        cogs=["cafe", "poll", "resource"],
        settings=settings,
        # Monday 4 January 2027, 09:00 UTC (10:00 in Paris).
        clock=FakeClock(datetime(2027, 1, 4, 9, 0, tzinfo=UTC)),
    )
    h.core.cogs["resource"].service.fetcher = NoPreview()  # type: ignore[attr-defined]
    h.adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR)
    client = TestClient(TestServer(build_app(h.core)))
    await client.start_server()
    try:
        yield Web(h, client)
    finally:
        await client.close()
        await h.core.drain()
        await h.close()
