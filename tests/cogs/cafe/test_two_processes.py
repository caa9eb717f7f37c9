"""Two bot processes on one database send each reminder exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.core import MemberRef, Role
from bot.scheduling import FakeClock
from bot.storage.models import OutboxMessage
from cogs.cafe.models import CafeOccurrence
from tests.harness import make_harness

MEMBERS = 60


async def test_two_cores_deliver_concurrently_without_duplicates(db_url: str) -> None:
    clock = FakeClock(datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
    one = await make_harness(db_url, cogs=["cafe"], clock=clock)
    two = await make_harness(db_url, cogs=["cafe"], clock=clock)
    one.core.settings.outbox.batch_size = 7  # many small claims: more chances to collide
    two.core.settings.outbox.batch_size = 7
    try:
        one.adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR)
        await one.say(
            "mod",
            '!cafe create title:Duo schedule:"monthly first thursday 10:00" '
            'timezone:Europe/Paris reminders:"24h,15m"',
        )
        names = [f"m{i}" for i in range(MEMBERS)]
        for i, name in enumerate(names):  # registrations arrive through both processes
            await (one if i % 2 else two).invoke(name, "cafe join")
        async with one.db.session() as s:
            occ = (await s.exec(select(CafeOccurrence).order_by(CafeOccurrence.starts_at))).first()
        for due in (occ.starts_at - timedelta(hours=24), occ.starts_at - timedelta(minutes=15)):
            clock.set(due)
            await asyncio.gather(one.deliver(), two.deliver(), one.deliver(), two.deliver())
        sent = [s for h in (one, two) for s in h.adapter.sent if s.kind == "dm"]
        keys = Counter(s.key for s in sent)
        assert len(keys) == MEMBERS * 2
        assert max(keys.values()) == 1, [k for k, n in keys.items() if n > 1]
        assert {s.member.id for s in sent} == set(names)
        # Both processes took part, and every row is stamped sent.
        assert all(any(s.kind == "dm" for s in h.adapter.sent) for h in (one, two))
        async with one.db.session() as s:
            rows = [r for r in await s.exec(select(OutboxMessage)) if r.key.startswith("cafe:")]
        assert len(rows) == MEMBERS * 2 and {r.status for r in rows} == {"sent"}
        ids = {(await one.core.members.resolve(MemberRef("memory", n, n))).id for n in names}
        assert {int(r.key.rsplit(":", 1)[1]) for r in rows} == ids
    finally:
        for h in (one, two):
            await h.core.stop()
            await h.db.dispose()


async def test_concurrent_joins_from_two_processes_never_exceed_capacity(db_url: str) -> None:
    clock = FakeClock(datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
    one = await make_harness(db_url, cogs=["cafe"], clock=clock)
    two = await make_harness(db_url, cogs=["cafe"], clock=clock)
    try:
        one.adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR)
        await one.say("mod", '!cafe create title:Petit schedule:"2027-02-01 18:00" capacity:3')
        names = [f"p{i}" for i in range(12)]
        for name in names:  # identities exist before the rush
            await one.core.members.resolve(MemberRef("memory", name, name))
        replies = await asyncio.gather(
            *((one if i % 2 else two).invoke(n, "cafe join") for i, n in enumerate(names))
        )
        registered = [r for r in replies if "vous êtes inscrit" in r.text]
        waiting = [r for r in replies if "liste d'attente" in r.text]
        assert (len(registered), len(waiting)) == (3, 9)
        positions = sorted(int(r.text.split("position ")[1].split(".")[0]) for r in waiting)
        assert positions == list(range(1, 10))
    finally:
        for h in (one, two):
            await h.core.stop()
            await h.db.dispose()
