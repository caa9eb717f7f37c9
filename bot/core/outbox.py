"""The outbox: every scheduled or fanned-out message, sent exactly once.

A row has a unique key (inserting twice is harmless), a due time and a target (a room, or a
member's DMs on one platform). Senders claim due rows with one ``UPDATE … WHERE id IN (SELECT …
FOR UPDATE SKIP LOCKED)`` and a lease, send them through the right adapter (the key doubles as
the platform's idempotency key), then stamp them. Rows due while the bot was down are sent late
within the grace window, saying so; older ones are skipped and logged. Housekeeping deletes
finished rows after ``[outbox] keep_sent`` days: a sent message's text must not stay next to its
recipient's id forever (e.g. the confirmation of an anonymous vote).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, event, func, or_, update
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.errors import DeliveryError, RateLimited
from bot.core.i18n import Translator
from bot.core.members import MemberInfo
from bot.core.refs import MemberRef, RoomRef
from bot.core.reply import Reply
from bot.storage.models import Identity, Member, OutboxMessage

if TYPE_CHECKING:
    from bot.core.core import Core

log = logging.getLogger(__name__)

PENDING, SENT, FAILED, SKIPPED, DROPPED = "pending", "sent", "failed", "skipped", "dropped"
MAX_INLINE_RATE_WAIT = 10.0  # seconds a sender may wait out rate limits on one claimed row
HOUSEKEEPING_EVERY = timedelta(hours=1)  # how often a sender loop purges finished rows


@dataclass(slots=True)
class Delivery:
    """What a renderer gets: the row's data and its recipient's language and zone."""

    key: str
    kind: str
    data: dict[str, Any]
    due_at: datetime
    now: datetime
    late: bool
    fallback: bool
    t: Translator
    member: MemberInfo | None = None
    member_ref: MemberRef | None = None
    room: RoomRef | None = None
    mention: str = ""


Renderer = Callable[[Delivery], Awaitable[Reply | None]]


@dataclass(frozen=True, slots=True)
class PendingMessage:
    """A row still to send, as cogs see it (``Outbox.pending``)."""

    key: str
    kind: str
    member_id: int | None
    due_at: datetime


@dataclass(slots=True)
class _Batch:
    """One claimed batch: recipients fetched together, outcomes stamped together."""

    members: dict[int, MemberInfo] = field(default_factory=dict)
    refs: dict[tuple[int, str], MemberRef] = field(default_factory=dict)
    finishes: list[tuple[int, str, str | None, datetime | None]] = field(default_factory=list)
    retries: list[tuple[int, datetime, bool, str | None]] = field(default_factory=list)


@dataclass(slots=True)
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    retried: int = 0
    dropped: int = 0
    keys: list[str] = field(default_factory=list)

    def add(self, other: DeliveryReport) -> None:
        for name in ("sent", "failed", "skipped", "retried", "dropped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.keys.extend(other.keys)


async def render_stored_reply(delivery: Delivery) -> Reply | None:
    reply = Reply.from_json(delivery.data["reply"])
    if delivery.fallback:
        return Reply(
            text=delivery.t(
                "{mention}, j'ai un message pour vous mais je ne peux pas vous écrire en privé. "
                "Autorisez les messages privés pour le recevoir.",
                mention=delivery.mention,
            )
        )
    return reply


class Outbox:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.settings = core.settings.outbox
        self.worker_id = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._renderers: dict[str, Renderer] = {"reply": render_stored_reply}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._planned: datetime | None = None
        self._housekept_at: datetime | None = None
        self.started_at = core.clock.now()  # when the sender loop plans to wake next

    def register(self, kind: str, renderer: Renderer) -> None:
        """A cog registers how to render its kind of message (at send time, in the
        recipient's language). A renderer returning None drops the row (obsolete)."""
        self._renderers[kind] = renderer

    # --- enqueueing -------------------------------------------------------------------------

    async def enqueue(
        self,
        key: str,
        due_at: datetime,
        *,
        kind: str = "reply",
        data: dict[str, Any] | None = None,
        reply: Reply | None = None,
        member_id: int | None = None,
        room: RoomRef | None = None,
        fallback_room: RoomRef | None = None,
        platform: str | None = None,
    ) -> bool:
        """Queue one message; returns False when the key was already queued (harmless)."""
        rows = await self.enqueue_many(
            [
                dict(
                    key=key,
                    due_at=due_at,
                    kind=kind,
                    data=data,
                    reply=reply,
                    member_id=member_id,
                    room=room,
                    fallback_room=fallback_room,
                    platform=platform,
                )
            ]
        )
        return rows == 1

    async def enqueue_many(
        self, items: list[dict[str, Any]], *, session: AsyncSession | None = None
    ) -> int:
        """Queue many messages in one statement; returns how many were new.

        With ``session``, the rows join the caller's transaction (queued only if it commits,
        e.g. a flow row and its welcome DM together); the sender is woken after the commit.
        """
        if not items:
            return 0
        now = self.core.clock.now()
        # Only look up a DM platform for items that do not name one (saves a query per call).
        dm_members = {
            i["member_id"] for i in items if i.get("room") is None and not i.get("platform")
        }
        if dm_members and session is not None:
            # Looking it up would open a second transaction inside the caller's (SQLite: a
            # wait on its own write lock).
            raise ValueError("name the platform of DMs queued inside a caller's transaction")
        platforms = await self._dm_platforms(dm_members) if dm_members else {}
        values: list[dict[str, Any]] = []
        for item in items:
            if item.get("kind", "reply") not in self._renderers:
                raise ValueError(f"no renderer registered for outbox kind {item.get('kind')!r}")
            data = dict(item.get("data") or {})
            if item.get("reply") is not None:
                data["reply"] = item["reply"].to_json()
            room: RoomRef | None = item.get("room")
            member_id = item.get("member_id")
            platform = item.get("platform") or (
                room.platform if room else platforms.get(member_id)
            )
            if platform is None:
                log.warning(
                    "Outbox %s: member %s has no identity; not queued", item["key"], member_id
                )
                continue
            fallback: RoomRef | None = item.get("fallback_room")
            values.append(
                dict(
                    key=item["key"],
                    kind=item.get("kind", "reply"),
                    platform=platform,
                    member_id=member_id,
                    room=room.encode() if room else None,
                    fallback_room=fallback.encode() if fallback else None,
                    payload=json.dumps(data, ensure_ascii=False),
                    status=PENDING,
                    due_at=item["due_at"],
                    next_try_at=item["due_at"],
                    attempts=0,
                    created_at=now,
                )
            )
        inserted = 0
        # One compiled statement, executed with many parameter sets (SQLAlchemy batches them
        # as "insertmanyvalues"); RETURNING counts the rows that were new.
        stmt = (
            self.core.db.insert(OutboxMessage)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(OutboxMessage.id)
        )
        if not values:
            return 0
        first_due = min(v["due_at"] for v in values)
        if session is not None:
            for start in range(0, len(values), 1000):
                result = await session.exec(stmt, params=values[start : start + 1000])  # type: ignore[call-overload]
                inserted += len(result.all())
            event.listen(
                session.sync_session, "after_commit", lambda _s: self.poke(first_due), once=True
            )
            return inserted
        async with self.core.db.session() as own:
            for start in range(0, len(values), 1000):
                result = await own.exec(stmt, params=values[start : start + 1000])  # type: ignore[call-overload]
                inserted += len(result.all())
        self.poke(first_due)
        return inserted

    async def _dm_platforms(self, member_ids: set[int | None]) -> dict[int | None, str]:
        ids = [m for m in member_ids if m is not None]
        return await self.core.members.preferred_platforms(ids, set(self.core.adapters))  # type: ignore[return-value]

    async def cancel(
        self, *keys: str, prefix: str | None = None, members: Iterable[int] | None = None
    ) -> int:
        """Drop pending rows by key or key prefix (e.g. a member left a café), optionally only
        those addressed to ``members``."""
        async with self.core.db.session() as session:
            stmt = delete(OutboxMessage).where(OutboxMessage.status == PENDING)
            if prefix is not None:
                stmt = stmt.where(col(OutboxMessage.key).startswith(prefix, autoescape=True))
            else:
                stmt = stmt.where(col(OutboxMessage.key).in_(keys))
            if members is not None:
                stmt = stmt.where(col(OutboxMessage.member_id).in_(list(members)))
            result = await session.exec(stmt)  # type: ignore[call-overload]
            return max(result.rowcount, 0)

    async def purge(self, prefix: str) -> int:
        """Delete every row under ``prefix`` whatever its state, sent ones included (a cog
        forgetting a member whose id is in its keys)."""
        async with self.core.db.session() as session:
            stmt = delete(OutboxMessage).where(
                col(OutboxMessage.key).startswith(prefix, autoescape=True)
            )
            result = await session.exec(stmt)  # type: ignore[call-overload]
            return max(result.rowcount, 0)

    async def pending(self, prefix: str) -> list[PendingMessage]:
        """The rows still to send under a key prefix, soonest first — so cogs never query
        the outbox table themselves."""
        async with self.core.db.session() as session:
            rows = await session.exec(
                select(OutboxMessage)
                .where(
                    OutboxMessage.status == PENDING,
                    col(OutboxMessage.key).startswith(prefix, autoescape=True),
                )
                .order_by(col(OutboxMessage.due_at), col(OutboxMessage.id))
            )
            return [PendingMessage(r.key, r.kind, r.member_id, r.due_at) for r in rows]

    async def get(self, key: str) -> OutboxMessage | None:
        async with self.core.db.session() as session:
            return (
                await session.exec(select(OutboxMessage).where(OutboxMessage.key == key))
            ).first()

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
                        col(OutboxMessage.platform).in_(list(self.core.adapters)),
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
        return deleted

    async def purge_finished(self) -> int:
        """Delete sent rows whose ``sent_at`` is older than ``keep_sent`` days, and rows that
        failed, were skipped or dropped whose due time is; pending rows are never touched."""
        cutoff = self.core.clock.now() - self.settings.keep_sent_for
        async with self.core.db.session() as session:
            result = await session.exec(  # type: ignore[call-overload]
                delete(OutboxMessage).where(
                    or_(
                        and_(
                            OutboxMessage.status == SENT,
                            col(OutboxMessage.sent_at) < cutoff,
                        ),
                        and_(
                            col(OutboxMessage.status).in_((FAILED, SKIPPED, DROPPED)),
                            col(OutboxMessage.due_at) < cutoff,
                        ),
                    )
                )
            )
            return max(result.rowcount, 0)

    # --- claiming and sending -----------------------------------------------------------------

    async def claim(self, limit: int | None = None) -> list[OutboxMessage]:
        """Take up to ``limit`` due rows for this worker; no other worker gets them."""
        now = self.core.clock.now()
        lease = now + timedelta(seconds=self.settings.lease_seconds)
        due = (
            select(OutboxMessage.id)
            .where(
                OutboxMessage.status == PENDING,
                col(OutboxMessage.platform).in_(list(self.core.adapters)),
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
            result = await session.exec(  # type: ignore[call-overload]
                update(OutboxMessage)
                .where(col(OutboxMessage.id).in_(due.scalar_subquery()))
                .values(claimed_by=self.worker_id, claimed_until=lease)
                .returning(OutboxMessage.id)
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

            async def one(row: OutboxMessage, batch: _Batch) -> DeliveryReport:
                async with semaphore:
                    return await self._deliver(row, batch)

            while max_batches is None or batches < max_batches:
                rows = await self.claim()
                if not rows:
                    break
                batches += 1
                batch = await self._recipients(rows)
                try:
                    for result in await asyncio.gather(*(one(r, batch) for r in rows)):
                        report.add(result)
                finally:
                    await self._stamp(batch)
        return report

    async def _recipients(self, rows: list[OutboxMessage]) -> _Batch:
        """Every recipient of a batch in two queries (not two per row)."""
        batch = _Batch()
        ids = sorted({r.member_id for r in rows if r.member_id is not None})
        if not ids:
            return batch
        platforms = sorted({r.platform for r in rows})
        async with self.core.db.session() as session:
            # Plain columns, not ORM objects: this runs for every batch of every fan-out.
            people = await session.exec(
                select(Member.id, Member.display_name, Member.locale, Member.timezone).where(
                    col(Member.id).in_(ids)
                )
            )
            for member_id, name, locale, zone in people:
                batch.members[member_id] = MemberInfo(member_id, name, locale, zone)
            identities = await session.exec(
                select(
                    Identity.member_id,
                    Identity.platform,
                    Identity.external_id,
                    Identity.display_name,
                )
                .where(col(Identity.member_id).in_(ids), col(Identity.platform).in_(platforms))
                .order_by(col(Identity.last_seen_at))
            )
            for member_id, platform, external_id, name in identities:
                # Ordered by last seen: the most recently seen identity wins.
                batch.refs[(member_id, platform)] = MemberRef(platform, external_id, name)
        return batch

    async def _stamp(self, batch: _Batch) -> None:
        """Write a batch's outcomes in one transaction (only rows this worker still holds)."""
        if not batch.finishes and not batch.retries:
            return
        # One UPDATE per outcome: rows sent in one batch share its latest send time.
        groups: dict[tuple[str, str | None], list[int]] = {}
        sent_times: dict[tuple[str, str | None], datetime] = {}
        for row_id, status, reason, sent_at in batch.finishes:
            groups.setdefault((status, reason), []).append(row_id)
            if sent_at is not None:
                group = (status, reason)
                sent_times[group] = max(sent_at, sent_times.get(group, sent_at))
        async with self.core.db.session() as session:
            for (status, reason), ids in groups.items():
                sent_at = sent_times.get((status, reason))
                await session.exec(  # type: ignore[call-overload]
                    update(OutboxMessage)
                    .where(
                        col(OutboxMessage.id).in_(ids),
                        OutboxMessage.claimed_by == self.worker_id,
                    )
                    .values(
                        status=status,
                        failure_reason=reason,
                        sent_at=sent_at,
                        claimed_until=None,
                        attempts=OutboxMessage.attempts + 1,
                    )
                )
            for row_id, when, count, reason in batch.retries:
                values: dict[str, Any] = {
                    "next_try_at": when,
                    "claimed_until": None,
                    "claimed_by": None,
                }
                if count:
                    values["attempts"] = OutboxMessage.attempts + 1
                    values["failure_reason"] = reason
                await session.exec(  # type: ignore[call-overload]
                    update(OutboxMessage)
                    .where(OutboxMessage.id == row_id, OutboxMessage.claimed_by == self.worker_id)
                    .values(**values)
                )
        if batch.retries:
            self.poke(min(when for _, when, _, _ in batch.retries))

    async def _deliver(self, row: OutboxMessage, batch: _Batch) -> DeliveryReport:
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
            delivery = await self._prepare(row, now, lateness, batch)
            if delivery is None:
                batch.finishes.append((row.id, FAILED, "no_identity", None))
                report.failed += 1
                return report
            reply = await self._renderers[row.kind](delivery)
            if reply is None:
                batch.finishes.append((row.id, DROPPED, "obsolete", None))
                report.dropped += 1
                return report
            if delivery.fallback and delivery.member_ref is not None and delivery.mention:
                # A fallback post names its recipient on purpose: that one ping is allowed.
                reply.mentions = (*reply.mentions, delivery.member_ref.id)
            if delivery.late:
                reply.text = (reply.text + "\n\n" if reply.text else "") + delivery.t(
                    "_Envoyé en retard : le bot était indisponible à l'heure prévue ({when})._",
                    when=delivery.t.datetime(row.due_at, now=now),
                )
            await self._send(row, delivery, reply)
        except RateLimited as exc:
            when = now + timedelta(seconds=exc.retry_after or 1)
            batch.retries.append((row.id, when, False, None))
            report.retried += 1
            return report
        except DeliveryError as exc:
            if exc.permanent:
                log.info("Outbox %s failed for good: %s", row.key, exc.reason)
                batch.finishes.append((row.id, FAILED, exc.reason, None))
                await self._fallback(row)
                report.failed += 1
                return report
            return self._transient(row, now, exc.reason, batch)
        except Exception as exc:
            log.exception("Outbox %s: unexpected error while sending", row.key)
            return self._transient(row, now, type(exc).__name__, batch)
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
                    await adapter.send(delivery.room, reply, key=row.key)
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

    def _transient(
        self, row: OutboxMessage, now: datetime, reason: str, batch: _Batch
    ) -> DeliveryReport:
        report = DeliveryReport()
        if row.attempts + 1 >= self.settings.max_attempts:
            log.warning(
                "Outbox %s failed after %s attempts: %s", row.key, row.attempts + 1, reason
            )
            batch.finishes.append((row.id, FAILED, reason[:200], None))
            report.failed += 1
        else:
            backoff = min(self.settings.backoff_seconds * 2**row.attempts, 3600)
            batch.retries.append((row.id, now + timedelta(seconds=backoff), True, reason))
            report.retried += 1
        return report

    async def _prepare(
        self, row: OutboxMessage, now: datetime, lateness: timedelta, batch: _Batch
    ) -> Delivery | None:
        data = json.loads(row.payload)
        member = batch.members.get(row.member_id) if row.member_id else None
        member_ref = None
        room = RoomRef.decode(row.room) if row.room else None
        if row.member_id is not None:
            member_ref = batch.refs.get((row.member_id, row.platform))
            if room is None and member_ref is None:
                return None
        t = await self.core.translator(member=member, room=room)
        adapter = self.core.adapters[row.platform]
        return Delivery(
            key=row.key,
            kind=row.kind,
            data=data,
            due_at=row.due_at,
            now=now,
            # "Late" means the bot was down when it was due, not that a fan-out queued it
            # behind others: only rows due before this sender started say so.
            late=row.due_at < self.started_at
            and lateness > timedelta(seconds=self.settings.late_after_seconds),
            fallback=bool(data.get("__fallback__")),
            t=t,
            member=member,
            member_ref=member_ref,
            room=room,
            mention=adapter.mention(member_ref) if member_ref else "",
        )

    async def _fallback(self, row: OutboxMessage) -> None:
        if not row.fallback_room or self.settings.dm_fallback != "room":
            return
        data = json.loads(row.payload)
        data["__fallback__"] = True
        await self.enqueue(
            f"{row.key}:fallback"[:200],
            self.core.clock.now(),
            kind=row.kind,
            data=data,
            member_id=row.member_id,
            room=RoomRef.decode(row.fallback_room),
        )
