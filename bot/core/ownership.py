"""Which platform connections this process owns, and the standby for the others.

Adapters whose connection must have one owner (Matrix, each Discord shard) ask for a
:class:`~bot.core.leases.LeaseKeeper` here; the console and in-memory adapters need none. The
outbox sender delivers only through adapters that can send now (:meth:`Ownership.sendable`),
so a standby process sends what it can and leaves the rest to the owner: claims keep it safe.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.core.handover import AdapterStateStore, HandledEvents
from bot.core.leases import LeaseKeeper, LeaseStore, new_holder_id
from bot.storage.db import Database
from bot.storage.models import Lease

log = logging.getLogger(__name__)


class Ownership:
    def __init__(self, db: Database, failover_seconds: float) -> None:
        self.holder = new_holder_id()
        self.failover_seconds = failover_seconds
        self.leases = LeaseStore(db)
        self.states = AdapterStateStore(db)
        self.handled = HandledEvents(db)
        self.keepers: dict[str, LeaseKeeper] = {}

    def keeper(
        self,
        name: str,
        *,
        on_gained: Callable[[], Awaitable[None]],
        on_lost: Callable[[], Awaitable[None]],
        what: str,
        may_take: Callable[[], bool] | None = None,
        take_lock: asyncio.Lock | None = None,
    ) -> LeaseKeeper:
        """A keeper for the lease ``name`` (not started); ``what`` names the connection in
        the standby line of the log. ``may_take`` and ``take_lock``: see
        :class:`~bot.core.leases.LeaseKeeper` (several leases, a cap on how many to hold)."""

        def standby(current: Lease | None) -> None:
            owner = current.holder if current is not None else "another process"
            log.info(
                "Passerelle standby: %s is owned by %s; this process takes it over within "
                "%g s if the owner stops or dies",
                what,
                owner,
                self.failover_seconds,
            )

        keeper = LeaseKeeper(
            self.leases,
            name,
            self.holder,
            self.failover_seconds,
            on_gained=on_gained,
            on_lost=on_lost,
            on_standby=standby,
            may_take=may_take,
            take_lock=take_lock,
        )
        self.keepers[name] = keeper
        return keeper

    def standby_for(self) -> list[str]:
        """The leases this process waits for (the ready line names them): not owned, and
        taken as soon as they are free (a lease its ``may_take`` refuses now is not awaited)."""
        return sorted(name for name, keeper in self.keepers.items() if keeper.wants)
