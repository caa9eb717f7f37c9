"""A live café on a real Synapse: typed commands by the host, every activity shown as a native
Matrix poll where its kind allows, answers natively and typed, results counted against those
present."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from sqlmodel import select

from bot.scheduling import FakeClock
from cogs.cafe.models import CafeOccurrence, CafeSession
from tests.e2e.matrix.conftest import Member, World, body

pytestmark = pytest.mark.e2e

MONDAY = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
THURSDAY = datetime(2027, 1, 7, 9, 0, tzinfo=UTC)
T = TypeVar("T")


async def eventually(probe: Callable[[], Awaitable[T | None]], wait_s: float = 20) -> T:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    while True:
        found = await probe()
        if found:
            return found
        if loop.time() > deadline:
            raise TimeoutError("the condition never held")
        await asyncio.sleep(0.2)


POLL_START = ("org.matrix.msc3381.poll.start", "m.poll.start")


async def bot_says(member: Member, world: World, text: str, *more: str, poll: bool = False) -> Any:
    """The bot's room event whose text holds ``text`` and ``more`` (``poll``: a native poll's
    start)."""
    bot = world.bot_user.user_id

    def match(room_id: str, event: Any) -> bool:
        if room_id != world.room_id or event.sender != bot:
            return False
        if poll and event.source.get("type") not in POLL_START:
            return False
        content = json.dumps(event.source.get("content", {}), ensure_ascii=False)
        return all(part in content for part in (text, *more))

    return (await member.wait_for(match, wait_s=30))[1]


async def test_a_session_with_native_polls_and_typed_answers(world: World) -> None:
    bot = await world.start(cogs=("cafe", "poll"))
    core, db = bot.core, bot.db
    clock = core.clock
    assert isinstance(clock, FakeClock)
    clock.set(MONDAY)
    host = world.members[0]  # the room's creator: power level 100, a moderator
    bob, carol = await world.member(), await world.member()
    for member in (bob, carol):
        await world.joined(member)

    async def deliver() -> None:
        for _ in range(8):
            await core.drain()
            if (await core.outbox.deliver_due()).sent:
                continue
            # A send that timed out on a loaded machine is retried a few seconds later: on this
            # test's clock, "later" comes only when the clock is moved to it.
            upcoming = await core.outbox.next_due()
            if upcoming is None or upcoming - clock.now() > timedelta(seconds=60):
                return
            if upcoming > clock.now():
                clock.set(upcoming)

    await host.say(
        world.room_id,
        '!cafe create title:"Café TMNlab" schedule:"monthly first thursday 10:00" '
        "timezone:Europe/Paris",
    )

    async def first_occurrence() -> int | None:
        async with db.session() as s:
            rows = list(await s.exec(select(CafeOccurrence).order_by(CafeOccurrence.starts_at)))
        return rows[0].id if rows else None

    occ = await eventually(first_occurrence)
    await host.say(
        world.room_id, f'!cafe programme add {occ} single "Thé ou café ?" choices:"Thé | Café"'
    )
    await host.say(world.room_id, f'!cafe programme add {occ} open "Une idée pour la suite ?"')
    cafe = core.cogs["cafe"]
    await eventually(lambda: _count(cafe, occ, 2))

    clock.set(THURSDAY - timedelta(minutes=5))
    await host.say(world.room_id, f"!cafe start occurrence:{occ}")
    await eventually(lambda: _session(db, occ))
    await deliver()
    await bot_says(bob, world, "Bienvenue au café")

    await carol.say(world.room_id, "!cafe here")
    await host.say(world.room_id, "!cafe next")
    await eventually(lambda: _opened(db, occ, 1))
    await deliver()
    start = await bot_says(bob, world, "Thé ou café ?", poll=True)
    content = start.source["content"]
    answers = (content.get("org.matrix.msc3381.poll.start") or content["m.poll"])["answers"]
    ids = {
        a.get("org.matrix.msc1767.text") or a["m.text"][0]["body"]: a.get("id") or a["m.id"]
        for a in answers
    }
    # bob answers with Matrix's poll, carol by typing.
    await bob.client.room_send(
        world.room_id,
        "org.matrix.msc3381.poll.response",
        {
            "org.matrix.msc3381.poll.response": {"answers": [ids["Café"]]},
            "m.relates_to": {"rel_type": "m.reference", "event_id": start.event_id},
        },
    )
    poll_id = await _poll(db, occ, 1)
    await carol.say(world.room_id, f"!poll vote poll:{poll_id} choice:Thé")
    await eventually(lambda: _participants(core, poll_id, 2))

    await host.say(world.room_id, "!cafe next")
    await eventually(lambda: _opened(db, occ, 2))
    await deliver()
    # The closed activity's results: bob (answered natively) and carol (checked in, typed).
    # (a live refresh "En cours" may come first: the post that closes it says "Clos")
    results = await bot_says(bob, world, "Participation : 2 / 2 présents", "Clos")
    assert "Clos" in body(results) and "Thé — 1 vote" in body(results), body(results)
    await bot_says(bob, world, "Une idée pour la suite ?")
    open_poll = await _poll(db, occ, 2)
    await bob.say(world.room_id, f'!poll vote poll:{open_poll} text:"Un atelier en juin"')
    await eventually(lambda: _participants(core, open_poll, 1))

    await host.say(world.room_id, "!cafe end")
    await eventually(lambda: _ended(db, occ))
    await deliver()
    await bot_says(bob, world, "Un atelier en juin")
    await bot_says(bob, world, "est terminé")


async def _count(cafe: Any, occ: int, n: int) -> bool:
    return len(await cafe.programme.activities_of(occ)) >= n


async def _session(db: Any, occ: int) -> CafeSession | None:
    async with db.session() as s:
        return await s.get(CafeSession, occ)


async def _opened(db: Any, occ: int, position: int) -> bool:
    row = await _session(db, occ)
    return row is not None and row.position == position and row.current_open


async def _ended(db: Any, occ: int) -> bool:
    row = await _session(db, occ)
    return row is not None and row.ended_at is not None


async def _poll(db: Any, occ: int, position: int) -> int:
    row = await _session(db, occ)
    assert row is not None
    return int(json.loads(row.polls)[str(position)])


async def _participants(core: Any, poll_id: int, n: int) -> bool:
    count, _ = await core.activities.provider("single").participants(poll_id)
    return count >= n
