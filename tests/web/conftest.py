"""A core with the café on a real database and the web application in front of it, through
aiohttp's test client (a real HTTP server on a free loopback port)."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from bot.config import load_settings
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


LINK = re.compile(r"/login/([A-Za-z0-9_-]{16,64})")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def login_link(web: Web, name: str) -> str:
    """The path of a fresh one-time link, as the ``dashboard`` command gives it to ``name``."""
    reply = await web.h.reply(name, "!dashboard")
    found = LINK.search(reply.text or "")
    assert found, reply.text
    return found.group(0)


async def log_in(web: Web, name: str) -> str:
    """Open a dashboard session for ``name`` on the test client (its cookie jar keeps the
    cookie); returns the CSRF token of the page landed on."""
    path = await login_link(web, name)
    resp = await web.client.post(path)
    assert resp.status == 200, await resp.text()
    return csrf_of(await resp.text())


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


async def body(resp: ClientResponse) -> str:
    """A page's text with HTML entities decoded (autoescape writes ' as &#39;)."""
    return html.unescape(await resp.text())


@pytest.fixture
async def board(db_url: str) -> AsyncIterator[Web]:
    """Every cog (resources held for approval), the web application in front; ``mod`` is a
    moderator, ``admin`` an administrator, anyone else a member."""
    settings = load_settings(
        None,
        cogs={
            "onboarding": {"welcome_room": "memory:welcome", "dm_fallback_room": "memory:general"},
            "resource": {"moderation": "queue"},
        },
    )
    h = await make_harness(
        db_url,
        cogs=["onboarding", "cafe", "poll", "resource"],
        settings=settings,
        clock=FakeClock(datetime(2027, 1, 4, 9, 0, tzinfo=UTC)),
    )
    h.adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR)
    h.adapter.set_roles("admin", Role.MEMBER, Role.MODERATOR, Role.ADMIN)
    client = TestClient(TestServer(build_app(h.core)))
    await client.start_server()
    try:
        yield Web(h, client)
    finally:
        await client.close()
        await h.close()
