"""Leases on platform connections: one owner at a time, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.handover import AdapterStateStore, HandledEvents
from bot.core.leases import LeaseKeeper, LeaseStore
from bot.storage.db import Database

T0 = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


async def test_acquire_renew_steal_after_expiry_and_release(db_url: str) -> None:
    db = Database(db_url)
    clock = Clock()
    store = LeaseStore(db, clock)
    try:
        assert await store.acquire("matrix:@bot:x", "a", 15)
        assert not await store.acquire("matrix:@bot:x", "b", 15)  # a's lease is live
        clock.now = T0 + timedelta(seconds=10)
        assert await store.acquire("matrix:@bot:x", "a", 15)  # renewed until 12:00:25
        clock.now = T0 + timedelta(seconds=20)
        assert not await store.acquire("matrix:@bot:x", "b", 15)  # the renewal counted
        row = await store.current("matrix:@bot:x")
        assert row is not None and row.holder == "a"
        assert row.acquired_at == T0 and row.expires_at == T0 + timedelta(seconds=25)
        clock.now = T0 + timedelta(seconds=26)
        assert await store.acquire("matrix:@bot:x", "b", 15)  # expired: b steals it
        assert not await store.acquire("matrix:@bot:x", "a", 15)  # a cannot take it back
        row = await store.current("matrix:@bot:x")
        assert row is not None and row.holder == "b" and row.acquired_at == clock.now
        # Releasing: only the holder can, and then anyone takes it at once.
        assert not await store.release("matrix:@bot:x", "a")
        assert await store.release("matrix:@bot:x", "b")
        assert await store.acquire("matrix:@bot:x", "a", 15)
        # Leases are independent of each other.
        assert await store.acquire("discord:shard:1", "b", 15)
    finally:
        await db.dispose()


async def test_two_holders_racing_for_a_free_or_expired_lease_one_wins(db_url: str) -> None:
    db = Database(db_url)
    clock = Clock()
    store = LeaseStore(db, clock)
    try:
        for round_ in range(5):
            name = f"race:{round_}"
            holders = [f"h{i}" for i in range(6)]
            won = await asyncio.gather(*(store.acquire(name, h, 15) for h in holders))
            assert sum(won) == 1
            clock.now += timedelta(seconds=16)  # expired: race again for the stale row
            won = await asyncio.gather(*(store.acquire(name, h, 15) for h in holders))
            assert sum(won) == 1
            clock.now = T0
    finally:
        await db.dispose()


async def test_keeper_takes_over_when_the_owner_stops_renewing(db_url: str) -> None:
    db = Database(db_url)
    events: list[str] = []

    def keeper(holder: str) -> LeaseKeeper:
        async def gained() -> None:
            events.append(f"{holder} gained")

        async def lost() -> None:
            events.append(f"{holder} lost")

        return LeaseKeeper(
            LeaseStore(db), "matrix:@k:x", holder, 1.2, on_gained=gained, on_lost=lost
        )

    owner, standby = keeper("owner"), keeper("standby")
    try:
        assert await owner.start()
        assert not await standby.start()
        await asyncio.sleep(2.0)  # the owner renews: the standby keeps waiting
        assert owner.valid and not standby.owned
        assert events == ["owner gained"]
        # The owner hangs (its heartbeat stops, like a SIGSTOP): the standby takes over after
        # expiry, and the owner no longer trusts its lease even before it learns it.
        assert owner._task is not None
        owner._task.cancel()
        await asyncio.sleep(1.0)
        assert not owner.valid  # local deadline (80 % of the lease) passed
        for _ in range(40):
            if standby.owned:
                break
            await asyncio.sleep(0.05)
        assert standby.owned and standby.previous is not None
        assert standby.previous.holder == "owner"
        # The old owner's next attempt finds the lease gone: it gives up.
        assert not await owner.try_once()
        assert events == ["owner gained", "standby gained", "owner lost"]
        # A clean stop releases: a newcomer takes it with no previous owner to catch up for.
        await standby.stop()
        late = keeper("late")
        assert await late.start() and late.previous is None
        await late.stop()
    finally:
        await owner.stop()
        await standby.stop()
        await db.dispose()


async def test_adapter_state_is_written_only_by_the_lease_holder(db_url: str) -> None:
    db = Database(db_url)
    leases, states = LeaseStore(db), AdapterStateStore(db)
    try:
        assert await states.load("matrix", "@bot:x") is None
        assert await leases.acquire("matrix:@bot:x", "a", 15)
        assert await states.save(
            "matrix", "@bot:x", {"sync_token": "s1"}, lease="matrix:@bot:x", holder="a"
        )
        assert await states.save(
            "matrix", "@bot:x", {"sync_token": "s2"}, lease="matrix:@bot:x", holder="a"
        )
        # b does not hold the lease: its write is refused and changes nothing.
        ok = await states.save(
            "matrix", "@bot:x", {"sync_token": "old"}, lease="matrix:@bot:x", holder="b"
        )
        assert not ok
        assert await states.load("matrix", "@bot:x") == {"sync_token": "s2"}
    finally:
        await db.dispose()


async def test_an_event_is_claimed_once(db_url: str) -> None:
    db = Database(db_url)
    one, two = HandledEvents(db), HandledEvents(db)
    try:
        results = await asyncio.gather(*(h.claim("matrix", "$ev1") for h in (one, two, one, two)))
        assert sorted(results) == [False, False, False, True]
        assert await one.claim("discord", "$ev1")  # per platform
        assert await one.prune(timedelta(0)) == 2
        assert await two.claim("matrix", "$ev1")
    finally:
        await db.dispose()


async def test_a_connection_that_fails_to_start_gives_the_lease_back(db_url: str) -> None:
    db = Database(db_url)

    async def refused() -> None:
        raise RuntimeError("Matrix access token refused")

    async def nothing() -> None:
        return None

    store = LeaseStore(db)
    keeper = LeaseKeeper(store, "matrix:@bad:x", "a", 15, on_gained=refused, on_lost=nothing)
    try:
        # At start the error stops `passerelle run` (a wrong token is not retried forever)…
        with pytest.raises(RuntimeError, match="refused"):
            await keeper.start()
        assert not keeper.owned
        # … and the lease is free for a process that can connect.
        assert await store.acquire("matrix:@bad:x", "b", 15)
    finally:
        await keeper.stop()
        await db.dispose()
