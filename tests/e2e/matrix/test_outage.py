"""After the homeserver has been away, members are answered within seconds of its return, and
the outage is one warning line per attempt in the log, not a traceback each time."""

from __future__ import annotations

import asyncio
import logging

import pytest

from fakes.synapse import Synapse
from tests.e2e.matrix.conftest import World

pytestmark = pytest.mark.e2e

# Synapse stopped 16 s, back ~4 s later: a doubling backoff (retries at 1, 3, 7, 15, 31 s)
# would answer ~11 s after the return; capped at 4 s, within ~4 s.
AWAY_S = 16


async def test_answered_within_seconds_of_the_homeserver_return(
    world: World, synapse: Synapse, caplog: pytest.LogCaptureFixture
) -> None:
    await world.start()
    ines = await world.member()
    await world.joined(ines)
    await ines.command(world.room_id, "!ballot ping")
    caplog.set_level(logging.WARNING, logger="bot.adapters.matrix")
    await asyncio.to_thread(synapse.stop)
    await asyncio.sleep(AWAY_S)
    await asyncio.to_thread(synapse.start)
    loop = asyncio.get_running_loop()
    back = loop.time()
    reply = await ines.command(world.room_id, "!ballot ping", wait_s=30)
    assert "pong" in reply.source["content"]["body"]
    assert loop.time() - back < 10, f"answered {loop.time() - back:.1f} s after the return"
    away = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(away) >= 3  # one line per attempt…
    assert all(r.exc_info is None for r in away)  # …without a traceback
    assert not [r for r in caplog.records if r.exc_info and "sync" in r.getMessage()]
