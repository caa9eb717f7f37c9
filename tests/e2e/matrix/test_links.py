"""A plain message with a link in a Matrix room reaches the core as ``LinksShared`` (only its
links: the café's report lists those shared during a session); commands do not."""

from __future__ import annotations

import asyncio

import pytest

from bot.core import LinksShared
from tests.e2e.matrix.conftest import World

pytestmark = pytest.mark.e2e


async def test_links_in_room_messages_reach_the_core(world: World) -> None:
    bot = await world.start()
    seen: list[LinksShared] = []

    async def record(event: LinksShared) -> None:
        seen.append(event)

    bot.core.events.subscribe(LinksShared, record)
    alice = await world.member()
    await world.joined(alice)
    await alice.command(world.room_id, "!ballot ping https://not-kept.example")
    await alice.say(world.room_id, "Le replay : https://replay.example/cafe-12.")
    for _ in range(100):
        if seen:
            break
        await asyncio.sleep(0.1)
    assert [e.urls for e in seen] == [("https://replay.example/cafe-12",)]
    assert seen[0].room.id == world.room_id
