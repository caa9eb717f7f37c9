"""Time and wake-ups. The database is the truth; APScheduler only wakes things up."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)


class Clock(Protocol):
    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class FakeClock:
    """A clock tests move by hand; ``sleep`` advances it instead of waiting."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2027, 1, 4, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment

    def advance(self, delta: timedelta | float) -> datetime:
        self._now += delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        return self._now

    async def sleep(self, seconds: float) -> None:
        self.advance(seconds)
        await asyncio.sleep(0)


WakeUp = Callable[[], Awaitable[None]]


class Scheduler:
    """APScheduler's AsyncIOScheduler used only to call ``wake`` at due times.

    No job store is shared between processes (APScheduler would run each job once per
    process); every process polls the database as a safety net.
    """

    def __init__(self, clock: Clock, wake: WakeUp, poll_interval: float = 30.0) -> None:
        self.clock = clock
        self._wake = wake
        self._poll_interval = poll_interval
        # Built at start (after the first answer): APScheduler's import is not on its way.
        self._scheduler: AsyncIOScheduler | None = None
        self._scheduled: set[datetime] = set()

    def start(self) -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._scheduler.add_job(
            self._wake,
            "interval",
            seconds=self._poll_interval,
            id="poll",
            max_instances=1,
            coalesce=True,
        )
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def wake_at(self, moment: datetime) -> None:
        """Make sure ``wake`` runs at ``moment`` (one job per distinct second)."""
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)
        if moment <= self.clock.now():
            asyncio.get_running_loop().call_soon(lambda: asyncio.ensure_future(self._wake()))
            return
        if moment in self._scheduled or self._scheduler is None or not self._scheduler.running:
            return
        self._scheduled.add(moment)

        async def run() -> None:
            self._scheduled.discard(moment)
            await self._wake()

        self._scheduler.add_job(run, "date", run_date=moment, misfire_grace_time=None)
