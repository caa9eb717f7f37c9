"""What the live-café tests share: a monthly café created by a moderator, hosted by alice,
with five members and a programme of the test's own."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import select

from bot.core import Role
from bot.scheduling import FakeClock
from cogs.cafe.models import CafeOccurrence
from tests.harness import Harness, make_harness

CREATE = (
    '!cafe create title:"Café TMNlab" schedule:"monthly first thursday 10:00" '
    "timezone:Europe/Paris duration:60"
)
# Monday 4 January 2027, 09:00 UTC: the first café is Thursday 7 January at 10:00 Paris.
MONDAY = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
THURSDAY = datetime(2027, 1, 7, 9, 0, tzinfo=UTC)
MEMBERS = ("alice", "bob", "carol", "dan", "eve")


async def cafe_with_programme(h: Harness, lines: list[str]) -> int:
    """The first occurrence's id, its programme added by its host (``{occ}`` in each line)."""
    h.adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR)
    for name in MEMBERS:
        h.adapter.set_roles(name, Role.MEMBER)
    await h.reply("mod", CREATE)
    async with h.db.session() as s:
        rows = await s.exec(select(CafeOccurrence).order_by(CafeOccurrence.starts_at))
        occ = next(r.id for r in rows if r.id is not None)
    await h.reply("mod", f"!cafe edit occurrence:{occ} host:alice")
    for line in lines:
        reply = await h.reply("alice", line.format(occ=occ))
        assert "ajoutée au programme" in reply.text, reply.text
    return occ


def harness_on_monday(*cogs: str) -> Callable[..., Any]:
    """A module's ``h`` fixture: a harness with ``cogs`` whose clock starts on MONDAY
    (``h = harness_on_monday("cafe", "poll")`` at the top of a test module)."""

    @pytest.fixture
    async def h(db_url: str) -> AsyncIterator[Harness]:
        harness = await make_harness(db_url, cogs=list(cogs), clock=FakeClock(MONDAY))
        yield harness
        await harness.close()

    return h
