"""The sender: claims due rows, sends them through the adapters, stamps the outcomes.

Senders claim due rows with one ``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)`` and
a lease, so no two workers (or processes) send the same row; the key doubles as the platform's
idempotency key. Rows due while the bot was down are sent late within the grace window, saying
so; older ones are skipped and logged. The loop sleeps until the next due row (at most one poll
interval) and also does the housekeeping: finished rows are deleted after ``[outbox]
keep_sent`` days.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, update
from sqlmodel import col, select

from bot.core.errors import DeliveryError, RateLimited
from bot.core.metrics import OutboxOutcome
from bot.core.outbox.delivery import (
    DROPPED,
    FAILED,
    PENDING,
    SENT,
    SKIPPED,
    Batch,
    Delivery,
    DeliveryReport,
    Renderer,
    fetch_recipients,
    finish_reply,
    is_late,
    prepare,
)
from bot.core.outbox.outcomes import Requeue, retry_or_give_up, scrub_secrets, stamp, stand_in
from bot.core.outbox.upkeep import purge_finished, release_claims
from bot.core.refs import MessageRef
from bot.core.reply import Reply
from bot.storage.models import OutboxMessage

if TYPE_CHECKING:
    from bot.core.core import Core

log = logging.getLogger(__name__)

MAX_INLINE_RATE_WAIT = 10.0  # seconds a sender may wait out rate limits on one claimed row
HOUSEKEEPING_EVERY = timedelta(hours=1)  # how often a sender loop purges finished rows


class Sender:
    def __init__(
        self,
        core: Core,
        renderers: Mapping[str, Renderer],
        requeue: Requeue,
        secrets: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.core = core
        self.settings = core.settings.outbox
        self.renderers = renderers
        self.secrets: Mapping[str, tuple[str, ...]] = secrets if secrets is not None else {}
        self.requeue = requeue
        # The process's lease holder id: a process taking over a dead owner's connection
        # finds the rows that owner had claimed (``release_claims``).
        self.worker_id = core.ownership.holder
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._planned: datetime | None = None  # when the sender loop plans to wake next
        self._housekept_at: datetime | None = None
        self.started_at = core.clock.now()

    # --- waking -----------------------------------------------------------------------------

    def poke(self, due_at: datetime) -> None:
        """Make sure a sender wakes up when ``due_at`` comes."""
        if due_at <= self.core.clock.now() or (
            self._task is not None and (self._planned is None or due_at < self._planned)
        ):
            # Due now, or sooner than the sender loop planned: let it recompute its sleep.
            self._wake.set()
        if due_at > self.core.clock.now() and self.core.scheduler is not None:
            self.core.scheduler.wake_at(due_at)

    def wake(self) -> None:
        self._wake.set()

    async def next_due(self) -> datetime | None:
        async with self.core.db.session() as session:
            return (
                await session.exec(
                    select(func.min(OutboxMessage.next_try_at)).where(
                        OutboxMessage.status == PENDING,
                        col(OutboxMessage.platform).in_(self.core.sendable_platforms()),
                    )
                )
            ).first()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-sender")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        # The loop sleeps until the next due row (at most one poll interval), so reminders
        # go out on time; the scheduler's wake-ups and the poll are the safety net.
        self._wake.set()
        poll = self.settings.poll_interval.total_seconds()
        timeout: float | None = None
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
            self._wake.clear()
            self._planned = None
            timeout = poll
            try:
                await self.deliver_due()
                await self.housekeep()
                upcoming = await self.next_due()
                if upcoming is not None:
                    delay = (upcoming - self.core.clock.now()).total_seconds()
                    timeout = max(0.0, min(delay, poll))
                    self._planned = upcoming
                    self.poke(upcoming)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("Outbox sender failed; retrying at the next wake-up")

    # --- housekeeping -------------------------------------------------------------------------

    async def housekeep(self) -> int:
        """The sender loop's periodic chores (at most once per HOUSEKEEPING_EVERY of the
        clock): purge finished rows. Returns how many rows were deleted."""
        now = self.core.clock.now()
        if self._housekept_at is not None and now - self._housekept_at < HOUSEKEEPING_EVERY:
            return 0
        self._housekept_at = now
        deleted = await self.purge_finished()
        if deleted:
            log.info("Outbox housekeeping: %s finished message(s) deleted", deleted)
        # Claimed command ids are only needed across a takeover (seconds): drop old ones.
        await self.core.ownership.handled.prune()
        return deleted

    async def purge_finished(self) -> int:
        """Delete finished rows older than ``keep_sent`` days (``upkeep.purge_finished``)."""
        return await purge_finished(
            self.core.db, self.core.clock.now() - self.settings.keep_sent_for
        )

    # --- claiming and sending -----------------------------------------------------------------

    async def release_claims(self, worker: str, platform: str) -> int:
        released = await release_claims(self.core.db, worker, platform)
        if released:
            self.wake()
        return released

    async def claim(self, limit: int | None = None) -> list[OutboxMessage]:
        """Take up to ``limit`` due rows for this worker; no other worker gets them."""
        now = self.core.clock.now()
        lease = now + timedelta(seconds=self.settings.lease_seconds)
        due = (
            select(OutboxMessage.id)
            .where(
                OutboxMessage.status == PENDING,
                col(OutboxMessage.platform).in_(self.core.sendable_platforms()),
                OutboxMessage.next_try_at <= now,
                or_(
                    col(OutboxMessage.claimed_until).is_(None),
                    col(OutboxMessage.claimed_until) < now,
                ),
            )
            .order_by(col(OutboxMessage.next_try_at), col(OutboxMessage.id))
            .limit(limit or self.settings.batch_size)
            .with_for_update(skip_locked=True)
        )
        async with self.core.db.session() as session:
            result = await session.exec(
                update(OutboxMessage)
                .where(col(OutboxMessage.id).in_(due.scalar_subquery()))
                .values(claimed_by=self.worker_id, claimed_until=lease)
                .returning(col(OutboxMessage.id))
            )
            ids = [row[0] for row in result.all()]
            if not ids:
                return []
            rows = await session.exec(
                select(OutboxMessage)
                .where(col(OutboxMessage.id).in_(ids))
                .order_by(col(OutboxMessage.next_try_at))
            )
            return list(rows)

    async def deliver_due(self, *, max_batches: int | None = None) -> DeliveryReport:
        """Send everything due now; returns what happened (tests and the console use it)."""
        report = DeliveryReport()
        async with self._lock:
            batches = 0
            semaphore = asyncio.Semaphore(self.settings.concurrency)

            async def one(row: OutboxMessage, batch: Batch) -> DeliveryReport:
                async with semaphore:
                    return await self._deliver(row, batch)

            while max_batches is None or batches < max_batches:
                rows = await self.claim()
                if not rows:
                    break
                batches += 1
                batch = await fetch_recipients(self.core.db, rows)
                try:
                    for result in await asyncio.gather(*(one(r, batch) for r in rows)):
                        report.add(result)
                finally:
                    scrub_secrets(rows, batch, self.secrets)
                    await self._stamp(batch)
        metrics = self.core.metrics
        metrics.outboxed(OutboxOutcome.SENT, report.sent)
        metrics.outboxed(OutboxOutcome.FAILED, report.failed)
        metrics.outboxed(OutboxOutcome.SKIPPED, report.skipped)
        return report

    async def _stamp(self, batch: Batch) -> None:
        retry = await stamp(self.core, self.worker_id, batch)
        if retry is not None:
            self.poke(retry)

    async def _deliver(self, row: OutboxMessage, batch: Batch) -> DeliveryReport:
        assert row.id is not None  # a claimed row
        report = DeliveryReport()
        now = self.core.clock.now()
        lateness = now - row.due_at
        if lateness > timedelta(seconds=self.settings.grace_seconds):
            log.warning(
                "Outbox %s skipped: due %s, %s late (beyond the grace window)",
                row.key,
                row.due_at.isoformat(),
                lateness,
            )
            batch.finishes.append((row.id, SKIPPED, "expired", None))
            report.skipped += 1
            return report
        try:
            delivery = await prepare(
                row,
                batch,
                now=now,
                late=is_late(lateness, self.settings.late_after_seconds),
                down=row.due_at < self.started_at,
                translator=self.core.translator,
                mention=lambda ref: self.core.adapters[row.platform].mention(ref),
            )
            if delivery is None:
                batch.finishes.append((row.id, FAILED, "no_identity", None))
                report.failed += 1
                return report
            reply = await self.renderers[row.kind](delivery)
            if reply is None:
                batch.finishes.append((row.id, DROPPED, "obsolete", None))
                report.dropped += 1
                return report
            finish_reply(reply, delivery, row.due_at, now)
            reply.stamp(delivery.t)
            await self._send(row, delivery, reply)
            if delivery.late:
                self.core.metrics.outboxed(OutboxOutcome.LATE)
        except RateLimited as exc:
            when = now + timedelta(seconds=exc.retry_after or 1)
            batch.retries.append((row.id, when, False, None))
            report.retried += 1
            return report
        except DeliveryError as exc:
            if exc.permanent:
                log.info("Outbox %s failed for good: %s", row.key, exc.reason)
                batch.finishes.append((row.id, FAILED, exc.reason, None))
                await stand_in(self.core, row, self.requeue)
                report.failed += 1
                return report
            return await self._transient(row, now, exc.reason, batch)
        except Exception as exc:
            log.exception("Outbox %s: unexpected error while sending", row.key)
            # The exception's class names the failure in the row (no message: it may quote data).
            return await self._transient(row, now, type(exc).__name__, batch)
        batch.finishes.append((row.id, SENT, None, now))
        report.sent += 1
        report.keys.append(row.key)
        return report

    async def _send(self, row: OutboxMessage, delivery: Delivery, reply: Reply) -> None:
        """Send through the adapter. A short "rate limited, retry after X" is waited out here,
        holding the claimed row (no database round trip), so a fan-out runs at the platform's
        pace; a long one goes back to the queue (RateLimited propagates)."""
        adapter = self.core.adapters[row.platform]
        waited = 0.0
        while True:
            try:
                if delivery.room is not None:
                    ref = await adapter.send(delivery.room, reply, key=row.key)
                    if live_key := delivery.data.get("live_key"):
                        await self._remember(str(live_key), ref)
                else:
                    assert delivery.member_ref is not None
                    await adapter.send_direct(delivery.member_ref, reply, key=row.key)
                return
            except RateLimited as exc:
                wait = exc.retry_after or 1.0
                if waited + wait > MAX_INLINE_RATE_WAIT:
                    raise
                waited += wait
                await asyncio.sleep(wait)  # platform limits run on real time

    async def _remember(self, live_key: str, ref: MessageRef) -> None:
        """A room post queued with ``data["live_key"]`` becomes that live message (the cog
        keeps it up to date with ``core.live.update``). The post is out: a failure here must
        not send it again, so it is logged, not raised."""
        try:
            await self.core.live.remember(live_key, ref)
        except Exception:
            log.exception("Outbox: live message %s could not be noted", live_key)

    async def _transient(
        self, row: OutboxMessage, now: datetime, reason: str, batch: Batch
    ) -> DeliveryReport:
        if retry_or_give_up(self.core, row, now, reason, batch):
            await stand_in(self.core, row, self.requeue)
            return DeliveryReport(failed=1)
        return DeliveryReport(retried=1)
