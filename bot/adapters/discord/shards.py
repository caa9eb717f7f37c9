"""Gateway shards: which ones this process owns, one lease each, at most ``shards_per_process``.

Discord sends a server's events on shard ``(guild_id >> 22) % shard_count`` and direct messages
on shard 0. With ``[discord] shard_count = N > 1`` every shard ``i`` has its lease
``discord:shard:<i>``; a process takes free ones until it holds ``shards_per_process`` (0: all
of them) and stands by for the rest, so processes share the shards of a bot in many servers and
a spare process takes over whichever shard's owner dies. With one shard the lease stays
``discord:gateway`` and nothing is capped: exactly the single connection of before sharding,
so a rolling upgrade keeps one owner.

The keepers share one lock and ask :meth:`Shards.may_take` before each attempt, so a process
takes (and connects) one shard at a time and never past its cap; when it loses or gives back a
shard, the cap has room again and its next poll takes another free one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core.leases import LeaseKeeper
    from bot.core.ownership import Ownership

log = logging.getLogger(__name__)

#: The only lease of an unsharded bot (kept for rolling upgrades from before sharding).
GATEWAY_LEASE = "discord:gateway"


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord sends a server's events on."""
    return (guild_id >> 22) % shard_count


def lease_name(shard: int, shard_count: int) -> str:
    """The lease of one shard's connection."""
    return GATEWAY_LEASE if shard_count == 1 else f"discord:shard:{shard}"


def cap(shard_count: int, per_process: int) -> int:
    """How many shards one process may hold (``shards_per_process`` 0: all)."""
    return shard_count if per_process <= 0 else min(per_process, shard_count)


def describe(shards: Iterable[int]) -> str:
    """``0, 2`` (or ``none``) for log lines."""
    listed = sorted(shards)
    return ", ".join(map(str, listed)) if listed else "none"


Connect = Callable[[int], Awaitable[None]]


class Shards:
    """The keepers of this process's shard leases; ``on_gained(i)`` connects shard ``i`` and
    ``on_lost(i)`` closes it."""

    def __init__(
        self, shard_count: int, per_process: int, *, on_gained: Connect, on_lost: Connect
    ) -> None:
        self.count = shard_count
        self.cap = cap(shard_count, per_process)
        self.on_gained = on_gained
        self.on_lost = on_lost
        self.keepers: dict[int, LeaseKeeper] = {}
        self.stopping = False
        self._lock = asyncio.Lock()

    @property
    def sharded(self) -> bool:
        return self.count > 1

    def owned(self) -> list[int]:
        """The shards whose lease this process holds."""
        return [i for i, keeper in self.keepers.items() if keeper.owned]

    def waiting(self) -> list[int]:
        """The shards this process would take as soon as they are free."""
        return [i for i, keeper in self.keepers.items() if keeper.wants]

    def may_take(self) -> bool:
        """Room for one more shard (asked under the keepers' shared lock)."""
        return not self.stopping and len(self.owned()) < self.cap

    def keeper(self, shard: int) -> LeaseKeeper:
        return self.keepers[shard]

    def build(self, ownership: Ownership) -> None:
        """A keeper per shard (not started)."""
        for shard in range(self.count):
            what = (
                f"Discord shard {shard} (of {self.count})"
                if self.sharded
                else "the Discord gateway connection"
            )
            self.keepers[shard] = ownership.keeper(
                lease_name(shard, self.count),
                on_gained=partial(self.on_gained, shard),
                on_lost=partial(self.on_lost, shard),
                what=what,
                # One shard: no cap and no lock, the lease behaves as before sharding.
                may_take=self.may_take if self.sharded else None,
                take_lock=self._lock if self.sharded else None,
            )

    async def start(self, ownership: Ownership) -> None:
        """A keeper per shard, started in order: free shards are taken from 0 up to the cap."""
        self.build(ownership)
        if self.sharded:
            # Take the free shards first: the standby lines that ``start`` logs then name only
            # the shards this process still has room for.
            for keeper in list(self.keepers.values()):
                await keeper.try_once(raise_errors=True)
        for keeper in list(self.keepers.values()):
            await keeper.start()
        if self.sharded:
            log.info(
                "Discord: this process owns shard(s) %s of %d (at most %d here); "
                "waits for shard(s) %s",
                describe(self.owned()),
                self.count,
                self.cap,
                describe(self.waiting()),
            )

    def close_gate(self) -> None:
        """A stopping process takes no more shards (its keepers keep renewing until stopped)."""
        self.stopping = True

    async def stop(self) -> None:
        """Stop every keeper, releasing the leases held (their connections already closed)."""
        self.stopping = True
        for keeper in list(self.keepers.values()):
            await keeper.stop()
