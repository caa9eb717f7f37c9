"""The digest's use cases: who gets it, building an edition, queueing it, one member's copy.

An edition is queued once per member through the outbox: key ``digest:<edition>:<member>``
(inserting twice is harmless), kind ``digest``, ``member_id`` set and no room, so the outbox
sends it to the member's DMs at its pace and renders it at send time in their language.
``run_due`` queues the latest edition when its time has come and it is still within the
outbox's grace window — at every wake-up and at start, so a second process, a scheduler firing
twice or a restart in the middle of the fan-out queue nothing twice and lose nobody.

The edition's common content is prepared once (``core.digest.prepare``) and kept for the
edition in memory; every copy is personalised from it in memory (``core.digest.sections``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func
from sqlmodel import col, select

from bot.core import Translator
from bot.core.digest import Digest, DigestSection, Edition, PreparedEdition, Reader
from cogs.digest.models import DigestSubscription
from cogs.digest.schedule import Schedule
from cogs.digest.settings import DigestSettings

if TYPE_CHECKING:
    from bot.core.outbox import Outbox
    from bot.scheduling import Clock
    from bot.storage.db import Database

log = logging.getLogger(__name__)

KIND = "digest"
PREFIX = "digest:"
#: Seconds the subscribers read at send time stay trusted.
RECHECK = 30.0


def digest_key(edition: str, member_id: int) -> str:
    return f"{PREFIX}{edition}:{member_id}"


@dataclass(slots=True)
class Copy:
    """One member's copy: its sections, and whether anything in it is new."""

    edition: Edition
    sections: list[DigestSection]

    @property
    def has_news(self) -> bool:
        return any(s.news for s in self.sections)


class DigestService:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        outbox: Outbox,
        digest: Digest,
        schedule: Schedule,
        settings: DigestSettings,
        grace: timedelta,
    ) -> None:
        self.db = db
        self.clock = clock
        self.outbox = outbox
        self.digest = digest
        self.schedule = schedule
        self.settings = settings
        self.grace = grace
        self._prepared: PreparedEdition | None = None
        self._readers: dict[int, Reader] = {}
        self._lock = asyncio.Lock()
        self._queued: set[str] = set()  # editions this process has finished queueing
        # Subscribers as last read (at most ``RECHECK`` old): the send-time check that a
        # member still wants the digest costs no query per copy. An opt-out also cancels the
        # member's queued copy in the database, which every process sees at once.
        self._subscribers: set[int] = set()
        self._subscribers_at: float | None = None

    # --- the opt-in ----------------------------------------------------------------------------

    async def subscribed(self, member_id: int) -> bool:
        async with self.db.session() as s:
            row = await s.get(DigestSubscription, member_id)
        return row is not None and row.enabled

    async def subscribe(self, member_id: int, enabled: bool) -> None:
        async with self.db.session() as s:
            row = await s.get(DigestSubscription, member_id)
            if row is None:
                row = DigestSubscription(member_id=member_id)
            row.enabled = enabled
            row.updated_at = self.clock.now()
            s.add(row)
        self._readers.pop(member_id, None)
        (self._subscribers.add if enabled else self._subscribers.discard)(member_id)
        if not enabled:  # an edition already queued for them is not sent
            await self.outbox.cancel(prefix=PREFIX, members=[member_id])

    async def subscribers(self) -> list[int]:
        async with self.db.session() as s:
            rows = list(
                await s.exec(
                    select(DigestSubscription.member_id)
                    .where(col(DigestSubscription.enabled).is_(True))
                    .order_by(col(DigestSubscription.member_id))
                )
            )
        self._subscribers = set(rows)
        self._subscribers_at = time.monotonic()
        return rows

    async def still_subscribed(self, member_id: int) -> bool:
        """At send time: from the subscribers read at most ``RECHECK`` seconds ago."""
        if self._subscribers_at is None or time.monotonic() - self._subscribers_at > RECHECK:
            await self.subscribers()
        return member_id in self._subscribers

    async def count_subscribers(self) -> int:
        async with self.db.session() as s:
            found = await s.exec(
                select(func.count()).where(col(DigestSubscription.enabled).is_(True))
            )
            return int(found.one())

    # --- editions ------------------------------------------------------------------------------

    def edition(self, at: datetime) -> Edition:
        """The edition that runs at ``at`` (a run of the schedule)."""
        since = self.schedule.latest_at(at - timedelta(seconds=1))
        return Edition(self.schedule.edition_id(at), at, since)

    def latest(self) -> Edition:
        return self.edition(self.schedule.latest_at(self.clock.now()))

    def upcoming(self) -> Edition:
        return self.edition(self.schedule.next_after(self.clock.now()))

    async def prepared(self, edition: Edition) -> PreparedEdition:
        """The edition's common content, prepared once per edition and kept in memory."""
        async with self._lock:
            if self._prepared is None or self._prepared.edition != edition:
                self._prepared = await self.digest.prepare(edition)
                self._readers = {}
            return self._prepared

    async def readers(self, member_ids: list[int]) -> dict[int, Reader]:
        missing = [m for m in member_ids if m not in self._readers]
        if missing:
            self._readers.update(await self.digest.readers(missing))
        return {m: self._readers[m] for m in member_ids}

    def copy(
        self, prepared: PreparedEdition, reader: Reader, t: Translator, *, personal: bool = True
    ) -> Copy:
        sections = self.digest.sections(prepared, reader, t, personal=personal)
        return Copy(prepared.edition, sections)

    def wanted(self, copy: Copy) -> bool:
        """Whether a copy goes out: anything new, or ``when_empty = "short"``."""
        return copy.has_news or self.settings.when_empty == "short"

    # --- queueing ------------------------------------------------------------------------------

    async def run_due(self, t: Translator) -> int:
        """Queue the latest edition if its time has come and is within the grace window;
        how many rows were new. ``t``: a translator, only to tell empty copies apart."""
        now = self.clock.now()
        at = self.schedule.latest_at(now)
        if now - at > self.grace:
            return 0
        edition = self.edition(at)
        if edition.id in self._queued:
            return 0
        queued = await self.queue(edition, t)
        self._queued.add(edition.id)
        return queued

    async def queue(self, edition: Edition, t: Translator) -> int:
        """One outbox row per subscriber whose copy is wanted; how many were new."""
        prepared = await self.prepared(edition)
        members = await self.subscribers()
        readers = await self.readers(members)
        short = self.settings.when_empty == "short"  # every copy goes: no need to build them
        payload: dict[str, Any] = {
            "edition": edition.id,
            "at": edition.at.isoformat(),
            "since": edition.since.isoformat(),
        }
        items = [
            {
                "key": digest_key(edition.id, m),
                "due_at": edition.at,
                "kind": KIND,
                "data": payload,
                "member_id": m,
            }
            for m in members
            if short or self.wanted(self.copy(prepared, readers[m], t))
        ]
        queued = await self.outbox.enqueue_many(items)
        log.info(
            "Digest %s: %d subscribers, %d copies wanted, %d newly queued",
            edition.id,
            len(members),
            len(items),
            queued,
        )
        return queued

    async def copy_for(self, data: dict[str, Any], member_id: int, t: Translator) -> Copy | None:
        """A queued row's copy at send time, or None: unsubscribed since, or nothing new and
        ``when_empty = "skip"``."""
        if not await self.still_subscribed(member_id):
            return None
        edition = Edition(
            data["edition"],
            datetime.fromisoformat(data["at"]),
            datetime.fromisoformat(data["since"]),
        )
        prepared = await self.prepared(edition)
        if member_id not in self._readers and not self._readers:
            # First copy after a restart: every subscriber's facts in one pass.
            await self.readers(sorted(self._subscribers))
        reader = (await self.readers([member_id]))[member_id]
        copy = self.copy(prepared, reader, t)
        return copy if self.wanted(copy) else None
