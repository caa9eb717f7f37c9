"""One owner per platform connection: leases in the database.

A connection (the Matrix account, each Discord shard) has one row in ``core_lease``. A process
takes it with one conditional upsert — insert, or update when the row is its own or expired —
that works the same on SQLite and PostgreSQL (no advisory lock), renews it every third of
``[core] failover_seconds`` (F) for two thirds of F (one missed heartbeat is forgiven) and
deletes it on a clean stop. Another process polls the same statement every F/6 and wins the
row once it has expired: that is the hot standby taking over, at most 5F/6 after the owner's
last heartbeat, which leaves F/6 to connect.

A holder that cannot renew (paused past expiry, database gone) stops trusting its lease at the
local deadline measured on its own monotonic clock, before any other process can have taken
the row, so two processes never both believe they own a connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, or_
from sqlmodel import col, delete, select

from bot.storage.db import Database
from bot.storage.models import Lease

log = logging.getLogger(__name__)

#: The local deadline is this share of the lease's length: a holder stops a little before the
#: row can be stolen, which absorbs clock steps between hosts and the renewal's own latency.
LOCAL_SHARE = 0.8

Now = Callable[[], datetime]


def new_holder_id() -> str:
    """Who a process is in ``core_lease``: host, pid and a random part (pids are reused)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _utcnow() -> datetime:
    return datetime.now(UTC)


class LeaseStore:
    """The ``core_lease`` statements."""

    def __init__(self, db: Database, now: Now = _utcnow) -> None:
        self.db = db
        self.now = now

    async def acquire(self, name: str, holder: str, ttl: float) -> bool:
        """Take or renew ``name`` for ``ttl`` seconds; True when ``holder`` owns it now.

        One statement: insert the row, or update it when it is the holder's own or has
        expired. A competitor's live row is left alone and nothing is returned."""
        now = self.now()
        stmt = self.db.insert(Lease).values(
            name=name,
            holder=holder,
            acquired_at=now,
            renewed_at=now,
            expires_at=now + timedelta(seconds=ttl),
        )
        table = Lease.__table__  # type: ignore[attr-defined]
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.name],
            set_={
                "holder": stmt.excluded.holder,
                "renewed_at": stmt.excluded.renewed_at,
                "expires_at": stmt.excluded.expires_at,
                # A renewal keeps the time the lease was first taken.
                "acquired_at": case(
                    (table.c.holder == stmt.excluded.holder, table.c.acquired_at),
                    else_=stmt.excluded.acquired_at,
                ),
            },
            where=or_(table.c.holder == stmt.excluded.holder, table.c.expires_at < now),
        ).returning(table.c.holder)
        async with self.db.session() as session:
            row = (await session.exec(stmt)).first()
        return row is not None and row[0] == holder

    async def release(self, name: str, holder: str) -> bool:
        """Give ``name`` up (only when ``holder`` still has it): a standby may take it at once."""
        async with self.db.session() as session:
            result = await session.exec(
                delete(Lease).where(col(Lease.name) == name, col(Lease.holder) == holder)
            )
            return bool(result.rowcount)

    async def current(self, name: str) -> Lease | None:
        """The row of ``name`` (expired or not), if any."""
        async with self.db.session() as session:
            return (await session.exec(select(Lease).where(Lease.name == name))).first()


Callback = Callable[[], Awaitable[None]]


class LeaseKeeper:
    """Holds one lease for a process: tries to take it every ``failover / 6`` seconds, renews
    it every ``failover / 3`` seconds for ``2 * failover / 3``, calls ``on_gained`` when it
    becomes the owner and ``on_lost`` when it stops being one (taken by another process, or
    not renewed before the local deadline)."""

    def __init__(
        self,
        store: LeaseStore,
        name: str,
        holder: str,
        failover: float,
        *,
        on_gained: Callback,
        on_lost: Callback,
        on_standby: Callable[[Lease | None], None] | None = None,
        may_take: Callable[[], bool] | None = None,
        take_lock: asyncio.Lock | None = None,
    ) -> None:
        self.store = store
        self.name = name
        self.holder = holder
        self.ttl = failover * 2 / 3
        self.interval = failover / 3  # the owner's heartbeat
        self.poll = failover / 6  # the standby's
        self.on_gained = on_gained
        self.on_lost = on_lost
        self.on_standby = on_standby
        #: Asked before each attempt to take the lease (not to renew it): False leaves it to
        #: other processes for now (e.g. a process that holds as many shards as it may).
        self.may_take = may_take
        #: Shared by keepers whose ``may_take`` counts each other: one takes (and connects) at
        #: a time, so two free leases are never both taken past the count.
        self.take_lock = take_lock
        self.owned = False
        #: The row this process replaced when it last became the owner: another holder's
        #: lease that expired (its owner died or hung), or None (free, or released cleanly).
        self.previous: Lease | None = None
        self._deadline = 0.0  # monotonic time after which the lease is no longer trusted
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def valid(self) -> bool:
        """Whether the connection may be used right now (checked before each command)."""
        return self.owned and time.monotonic() < self._deadline

    @property
    def wants(self) -> bool:
        """Not owned, and would be taken as soon as it is free (what a standby waits for)."""
        return not self.owned and (self.may_take is None or self.may_take())

    async def try_once(self, *, raise_errors: bool = False) -> bool:
        """One attempt (taking or renewing); calls the callbacks on a change of owner.
        ``raise_errors``: a connection that fails to start raises (the first attempt, so a
        wrong token stops ``passerelle run`` as before) after giving the lease back."""
        if self.owned or self.may_take is None:
            return await self._attempt(raise_errors)
        async with self.take_lock or contextlib.nullcontext():
            if not self.may_take():
                return False
            return await self._attempt(raise_errors)

    async def _attempt(self, raise_errors: bool) -> bool:
        started = time.monotonic()
        before: Lease | None = None
        if not self.owned:
            # Who held it tells the new owner what to catch up on: without it, no takeover.
            try:
                before = await asyncio.wait_for(
                    self.store.current(self.name), max(1.0, self.ttl / 2)
                )
            except Exception:
                log.warning("Lease %s: the database did not answer", self.name)
                return False
        try:
            # A statement slower than this cannot keep the lease anyway; a stuck database
            # must not keep the heartbeat from noticing the local deadline.
            won = await asyncio.wait_for(
                self.store.acquire(self.name, self.holder, self.ttl), max(1.0, self.ttl / 2)
            )
        except Exception:
            log.warning("Lease %s: the database did not answer", self.name, exc_info=True)
            won = False
            if self.owned and time.monotonic() < self._deadline:
                return True  # keep going until the local deadline; the next try may work
        if won:
            # Counted from before the statement: the row's expiry is at least that late.
            self._deadline = started + self.ttl * LOCAL_SHARE
            if not self.owned:
                self.owned = True
                self.previous = (
                    before if before is not None and before.holder != self.holder else None
                )
                try:
                    await self.on_gained()
                except Exception:
                    self.owned = False
                    await self.store.release(self.name, self.holder)
                    if raise_errors:
                        raise
                    log.exception(
                        "Lease %s: the connection did not start; giving it up", self.name
                    )
                    return False
            return True
        if self.owned:
            self.owned = False
            self._deadline = 0.0
            log.warning(
                "Lease %s lost (another process owns it, or it was not renewed in time): "
                "this process stops using the connection and stands by",
                self.name,
            )
            await self.on_lost()
        return False

    async def start(self) -> bool:
        """First attempt now (owner or standby), then the heartbeat in the background."""
        owner = await self.try_once(raise_errors=True)
        if self.wants and self.on_standby is not None:
            self.on_standby(await self._current())
        self._task = asyncio.create_task(self._beat(), name=f"lease {self.name}")
        return owner

    async def _current(self) -> Lease | None:
        with contextlib.suppress(Exception):
            return await self.store.current(self.name)
        return None

    async def _beat(self) -> None:
        while not self._stopping:
            # Wake earlier when the local deadline comes first (a slow database).
            wait = self.poll
            if self.owned:
                wait = max(0.05, min(self.interval, self._deadline - time.monotonic()))
            await asyncio.sleep(wait)
            try:
                await self.try_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("Lease %s: taking over or giving up failed", self.name)

    async def stop(self) -> None:
        """Stop the heartbeat and release the lease if owned (a clean stop hands over at
        once; the connection must already be closed)."""
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self.owned:
            self.owned = False
            try:
                await self.store.release(self.name, self.holder)
            except Exception:
                log.warning("Lease %s: could not release it; it expires", self.name)
