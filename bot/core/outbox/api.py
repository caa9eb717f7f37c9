"""The outbox API: what cogs and the core call to queue, look up and cancel messages.

``enqueue``/``enqueue_many`` insert rows with a unique key (inserting twice is harmless),
``pending(prefix)``, ``cancel`` and ``purge`` let cogs manage their rows without touching the
table, ``register`` tells how to render a kind of message at send time. Sending is the
``Sender``'s job (``sender.py``); the methods below that start, stop or run it delegate.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, func, update
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.mail.routing import EMAIL, TOPICS, topic_of
from bot.core.outbox.delivery import (
    PENDING,
    DeliveryReport,
    PendingMessage,
    Renderer,
    render_stored_reply,
)
from bot.core.outbox.sender import Sender
from bot.core.refs import RoomRef
from bot.core.reply import Reply
from bot.storage.models import OutboxMessage

if TYPE_CHECKING:
    from bot.core.core import Core

log = logging.getLogger(__name__)


class Outbox:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.settings = core.settings.outbox
        self._renderers: dict[str, Renderer] = {"reply": render_stored_reply}
        self._secrets: dict[str, tuple[str, ...]] = {}
        self.sender = Sender(core, self._renderers, self.enqueue, self._secrets)

    def register(self, kind: str, renderer: Renderer, *, secrets: tuple[str, ...] = ()) -> None:
        """A cog registers how to render its kind of message (at send time, in the
        recipient's language). A renderer returning None drops the row (obsolete).
        ``secrets``: payload fields removed as soon as the row is finished (sent, failed or
        dropped), so a code or a link is not kept in the database after it went out."""
        self._renderers[kind] = renderer
        if secrets:
            self._secrets[kind] = secrets

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
        by_email = await self._email_routes(items, dm_members)
        values: list[dict[str, Any]] = []
        for item in items:
            if item.get("kind", "reply") not in self._renderers:
                raise ValueError(f"no renderer registered for outbox kind {item.get('kind')!r}")
            data = dict(item.get("data") or {})
            if item.get("reply") is not None:
                data["reply"] = item["reply"].to_json()
            room: RoomRef | None = item.get("room")
            member_id: int | None = item.get("member_id")
            platform = item.get("platform") or (
                room.platform
                if room
                else (
                    EMAIL
                    if (member_id, item.get("kind", "reply")) in by_email
                    else platforms.get(member_id)
                    if member_id is not None
                    else None
                )
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
                result = await session.exec(stmt, params=values[start : start + 1000])
                inserted += len(result.all())
            event.listen(
                session.sync_session, "after_commit", lambda _s: self.poke(first_due), once=True
            )
            return inserted
        async with self.core.db.session() as own:
            for start in range(0, len(values), 1000):
                result = await own.exec(stmt, params=values[start : start + 1000])
                inserted += len(result.all())
        self.poke(first_due)
        return inserted

    async def _dm_platforms(self, member_ids: set[int | None]) -> dict[int, str]:
        ids = [m for m in member_ids if m is not None]
        return await self.core.members.preferred_platforms(ids, set(self.core.platforms))

    async def _email_routes(
        self, items: list[dict[str, Any]], dm_members: set[int | None]
    ) -> set[tuple[int, str]]:
        """The (member, kind) pairs that go by e-mail: DMs whose kind belongs to a topic the
        member chose e-mail for (``bot.core.mail.routing``), when the channel runs."""
        if EMAIL not in self.core.adapters or not dm_members:
            return set()
        wanted: dict[str, set[int]] = {}
        for item in items:
            topic = topic_of(item.get("kind", "reply"))
            member_id = item.get("member_id")
            if topic and member_id in dm_members and member_id is not None:
                wanted.setdefault(topic, set()).add(member_id)
        routes: set[tuple[int, str]] = set()
        for topic, members in wanted.items():
            chosen = await self.core.mail.choosers(sorted(members), topic)
            routes.update((m, kind) for m in chosen for kind, t in TOPICS.items() if t == topic)
        return routes

    async def reroute(self, member_id: int, kinds: Iterable[str], platform: str) -> int:
        """Move a member's pending DMs of ``kinds`` to ``platform`` (they chose, or stopped,
        e-mail for them); returns how many moved. Room posts never move."""
        async with self.core.db.session() as session:
            result = await session.exec(
                update(OutboxMessage)
                .where(
                    col(OutboxMessage.member_id) == member_id,
                    col(OutboxMessage.status) == PENDING,
                    col(OutboxMessage.room).is_(None),
                    col(OutboxMessage.kind).in_(list(kinds)),
                    col(OutboxMessage.platform) != platform,
                )
                .values(platform=platform)
            )
            moved = max(result.rowcount, 0)
        if moved:
            self.wake()
        return moved

    async def cancel(
        self, *keys: str, prefix: str | None = None, members: Iterable[int] | None = None
    ) -> int:
        """Drop pending rows by key or key prefix (e.g. a member left a café), optionally only
        those addressed to ``members``."""
        async with self.core.db.session() as session:
            stmt = delete(OutboxMessage).where(col(OutboxMessage.status) == PENDING)
            if prefix is not None:
                stmt = stmt.where(col(OutboxMessage.key).startswith(prefix, autoescape=True))
            else:
                stmt = stmt.where(col(OutboxMessage.key).in_(keys))
            if members is not None:
                stmt = stmt.where(col(OutboxMessage.member_id).in_(list(members)))
            result = await session.exec(stmt)
            return max(result.rowcount, 0)

    async def purge(self, prefix: str) -> int:
        """Delete every row under ``prefix`` whatever its state, sent ones included (a cog
        forgetting a member whose id is in its keys)."""
        async with self.core.db.session() as session:
            stmt = delete(OutboxMessage).where(
                col(OutboxMessage.key).startswith(prefix, autoescape=True)
            )
            result = await session.exec(stmt)
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

    async def backlog(self) -> tuple[int, datetime | None]:
        """Health: how many pending rows are due now on a running platform, and when the
        oldest was due (None when none is); a row waiting for a retry counts from its due time."""
        now = self.core.clock.now()
        async with self.core.db.session() as session:
            count, oldest = (
                await session.exec(
                    select(func.count(), func.min(OutboxMessage.due_at)).where(
                        OutboxMessage.status == PENDING,
                        col(OutboxMessage.platform).in_(list(self.core.adapters)),
                        OutboxMessage.next_try_at <= now,
                    )
                )
            ).one()
        return int(count), oldest

    async def get(self, key: str) -> OutboxMessage | None:
        async with self.core.db.session() as session:
            return (
                await session.exec(select(OutboxMessage).where(OutboxMessage.key == key))
            ).first()

    # --- the sender (sender.py) ---------------------------------------------------------------

    @property
    def started_at(self) -> datetime:
        """When this process's sender started: rows due before it are "sent late"."""
        return self.sender.started_at

    @started_at.setter
    def started_at(self, value: datetime) -> None:
        self.sender.started_at = value

    def poke(self, due_at: datetime) -> None:
        """Make sure a sender wakes up when ``due_at`` comes."""
        self.sender.poke(due_at)

    def wake(self) -> None:
        self.sender.wake()

    def start(self) -> None:
        self.sender.start()

    async def stop(self) -> None:
        await self.sender.stop()

    async def next_due(self) -> datetime | None:
        return await self.sender.next_due()

    async def deliver_due(self, *, max_batches: int | None = None) -> DeliveryReport:
        """Send everything due now; returns what happened (tests and the console use it)."""
        return await self.sender.deliver_due(max_batches=max_batches)

    async def claim(self, limit: int | None = None) -> list[OutboxMessage]:
        return await self.sender.claim(limit)

    async def release_claims(self, worker: str, platform: str) -> int:
        """Hand back the pending rows of ``platform`` a dead process had claimed (its lease
        on the connection expired), so they go out now rather than when their claim ends.
        A row it sent but could not stamp is sent again with the same key, which the
        platform drops (Matrix transaction id, Discord nonce)."""
        return await self.sender.release_claims(worker, platform)

    async def housekeep(self) -> int:
        return await self.sender.housekeep()

    async def purge_finished(self) -> int:
        return await self.sender.purge_finished()
