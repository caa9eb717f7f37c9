"""Shards and their leases (bot/adapters/discord/shards.py): Discord's shard rule, the lease
names, and the cap on how many shards one process holds — against the real lease table on
SQLite and PostgreSQL, without Discord (connecting a shard is a recorded callback)."""

from __future__ import annotations

import asyncio

from bot.adapters.discord.shards import GATEWAY_LEASE, Shards, cap, describe, lease_name, shard_of
from bot.core.ownership import Ownership
from bot.storage.db import Database
from fakes.discord.model import event_guild
from fakes.discord.model import shard_of as fake_shard_of
from fakes.discord.state import FakeState

FAILOVER = 0.6  # polls every 0.1 s, a lease lives 0.4 s


def test_a_server_is_on_one_shard_and_direct_messages_on_shard_0() -> None:
    guild = (123 << 22) | 4567  # the low 22 bits (worker, process, increment) do not count
    assert [shard_of(guild, n) for n in (1, 2, 4, 5)] == [0, 1, 3, 3]
    assert fake_shard_of(guild, 5) == 3  # the fake applies the same rule
    assert event_guild("INTERACTION_CREATE", {"guild_id": str(guild)}) == guild
    assert event_guild("GUILD_DELETE", {"id": str(guild)}) == guild
    assert event_guild("INTERACTION_CREATE", {"channel_id": "1"}) is None  # a DM: shard 0


def test_lease_names_and_caps() -> None:
    # One shard keeps the lease of before sharding, so a rolling upgrade keeps one owner.
    assert lease_name(0, 1) == GATEWAY_LEASE == "discord:gateway"
    assert [lease_name(i, 3) for i in range(3)] == [f"discord:shard:{i}" for i in range(3)]
    assert [cap(4, n) for n in (0, 1, 2, 4, 9)] == [4, 1, 2, 4, 4]
    assert describe([2, 0]) == "0, 2" and describe([]) == "none"


def test_the_fake_picks_a_server_id_on_a_given_shard() -> None:
    fake = FakeState()
    for shard, count in [(0, 2), (1, 2), (2, 3), (0, 3), (1, 2)]:
        gid = fake.add_other_guild(f"g{shard}", shard=(shard, count))
        assert fake_shard_of(gid, count) == shard
        assert fake.snowflake() > gid  # ids keep growing
    assert fake.guilds_on((fake_shard_of(fake.guild_id, 2), 2))[0] == fake.guild_id


class Recorder:
    """Connecting and closing shards, as the adapter would (optionally slowly)."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.events: list[str] = []

    async def gained(self, shard: int) -> None:
        await asyncio.sleep(self.delay)
        self.events.append(f"+{shard}")

    async def lost(self, shard: int) -> None:
        self.events.append(f"-{shard}")

    def shards(self, count: int, per_process: int) -> Shards:
        return Shards(count, per_process, on_gained=self.gained, on_lost=self.lost)


async def wait_for(check: object, what: str, wait_s: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + wait_s
    while not check():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, what
        await asyncio.sleep(0.02)


async def test_each_process_holds_at_most_its_cap_and_a_spare_takes_a_released_shard(
    db_url: str,
) -> None:
    db = Database(db_url)
    a, b, c = Recorder(), Recorder(), Recorder()
    first, second, spare = a.shards(3, 1), b.shards(3, 1), c.shards(3, 0)
    try:
        await first.start(Ownership(db, FAILOVER))
        await second.start(Ownership(db, FAILOVER))
        assert first.owned() == [0] and second.owned() == [1]
        assert first.waiting() == [] and second.waiting() == []  # full: waiting for nothing
        await asyncio.sleep(FAILOVER)  # several polls: shard 2 stays free, nobody has room
        assert a.events == ["+0"] and b.events == ["+1"]
        ownership = Ownership(db, FAILOVER)
        await spare.start(ownership)  # no cap: takes the free shard, waits for the others
        assert spare.owned() == [2] and spare.waiting() == [0, 1]
        assert ownership.standby_for() == ["discord:shard:0", "discord:shard:1"]
        await first.stop()  # a clean stop releases shard 0: the spare takes it at its next poll
        await wait_for(lambda: spare.owned() == [0, 2], "the spare taking shard 0")
        await asyncio.sleep(FAILOVER / 2)
        assert second.owned() == [1] and b.events == ["+1"]  # second had no room for it
    finally:
        for shards in (first, second, spare):
            await shards.stop()
        await db.dispose()


async def test_a_process_that_loses_its_shard_takes_another_free_one(db_url: str) -> None:
    db = Database(db_url)
    recorder = Recorder()
    shards = recorder.shards(2, 1)
    try:
        ownership = Ownership(db, FAILOVER)
        await shards.start(ownership)
        assert shards.owned() == [0] and shards.waiting() == []
        # Another process took shard 0 while this one could not renew (stolen here): the next
        # renewal loses it, which leaves room to take the free shard 1.
        keeper = shards.keeper(0)
        assert await ownership.leases.release(keeper.name, keeper.holder)
        assert await ownership.leases.acquire(keeper.name, "another-process", 30)
        await wait_for(lambda: shards.owned() == [1], "shard 1 taken after shard 0 was lost")
        assert recorder.events == ["+0", "-0", "+1"]
    finally:
        await shards.stop()
        await db.dispose()


async def test_two_free_shards_are_never_both_taken_past_the_cap(db_url: str) -> None:
    """Both keepers try at once while connecting is slow: the shared lock and the cap let one
    through (without them each would see room, and the process would hold two)."""
    db = Database(db_url)
    slow = Recorder(delay=0.2)
    shards = slow.shards(2, 1)
    try:
        shards.build(Ownership(db, FAILOVER))
        results = await asyncio.gather(*(shards.keeper(i).try_once() for i in (0, 1)))
        assert sorted(results) == [False, True] and len(shards.owned()) == 1
        assert slow.events in (["+0"], ["+1"])
    finally:
        await shards.stop()
        await db.dispose()
