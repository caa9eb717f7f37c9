"""Fixtures: a core with the onboarding cog on SQLite (and PostgreSQL when configured)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.config import load_settings
from bot.core.refs import MemberRef
from tests.harness import Harness, make_harness

SETTINGS: dict[str, Any] = {
    "welcome_room": "memory:welcome",
    "dm_fallback_room": "memory:general",
    "nudges": ["2d", "7d"],
}


async def onboarding_harness(db_url: str, **section: Any) -> Harness:
    settings = load_settings(None, cogs={"onboarding": {**SETTINGS, **section}})
    return await make_harness(db_url, cogs=["onboarding"], settings=settings)


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    harness = await onboarding_harness(db_url)
    yield harness
    await harness.core.stop()
    await harness.db.dispose()


async def member_id(h: Harness, name: str, platform: str = "memory") -> int:
    return (await h.core.members.resolve(MemberRef(platform, name, name))).id


async def invoke(h: Harness, who: str, path: str, **raw: Any) -> Any:
    """Like ``h.invoke`` for commands whose option is called ``name``."""
    return await h.core.invoke(h.adapter.actor(who), h.adapter.room, path, raw)
