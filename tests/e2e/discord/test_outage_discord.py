"""After Discord has been away (gateway and REST refusing connections), a slash command is
answered within seconds of its return, and each reconnect attempt is one warning line, not a
traceback. ``E2E_OUTAGE_S`` lengthens the outage (60 or 120 s, as in the issue); the
default is shorter to keep the suite quick, and already past the point where discord.py's own
backoff (a random delay up to 2, 4, 8, 16, 32 s…) would leave members waiting."""

from __future__ import annotations

import asyncio
import logging
import os

import pytest

from bot.adapters.discord import compat
from tests.e2e.discord.conftest import Bot

pytestmark = pytest.mark.e2e

AWAY_S = float(os.environ.get("E2E_OUTAGE_S", "20"))


async def test_answered_within_seconds_of_the_gateway_return(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    fake = bot.fake
    user = fake.member_id("user0")
    assert (await fake.answer(await fake.command(user, "help"))).kind == "message"
    caplog.set_level(logging.WARNING, logger="discord")
    await fake.go_away()
    await asyncio.sleep(AWAY_S)
    loop = asyncio.get_running_loop()
    await fake.come_back()
    back = loop.time()
    await fake.wait_connected(wait=30)
    answer = await fake.answer(await fake.command(user, "help"))
    assert answer.kind == "message" and "help" in answer.text
    assert loop.time() - back < 10, f"answered {loop.time() - back:.1f} s after the return"
    attempts = [r for r in caplog.records if "gateway is unreachable" in r.getMessage()]
    # One line per attempt, about every RECONNECT_MAX_S once the delay reached its cap.
    assert len(attempts) >= AWAY_S / compat.RECONNECT_MAX_S - 2
    assert all(r.levelno == logging.WARNING and r.exc_info is None for r in attempts)
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


def test_the_reconnect_delay_is_capped() -> None:
    backoff = compat.CappedBackoff()
    delays = [backoff.delay() for _ in range(12)]  # uncapped, the last would reach 1024 s
    assert max(delays) <= compat.RECONNECT_MAX_S
    assert delays[-1] > 0
