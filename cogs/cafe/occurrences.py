"""Reading occurrences: each with its series, its counts and the reader's own place."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.core import UserError
from cogs.cafe import confirmation, queries
from cogs.cafe.domain import REGISTERED, WAITLISTED, Occurrence, RegistrationStatus
from cogs.cafe.models import CafeOccurrence, CafeRegistration

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from bot.scheduling import Clock
    from bot.storage.db import Database

#: Tops up each active series' occurrences (``Materializer.materialize``) before a read.
Materialize = Callable[[int | None], Awaitable[int]]


class Occurrences:
    def __init__(self, *, db: Database, clock: Clock, materialize: Materialize) -> None:
        self.db = db
        self.clock = clock
        self.materialize = materialize

    async def load(self, occurrence_ids: Sequence[int], member_id: int | None) -> list[Occurrence]:
        """The occurrences (soonest first) with their counts and ``member_id``'s status and
        waitlist position."""
        if not occurrence_ids:
            return []
        async with self.db.session() as s:
            pairs = await queries.with_series(s, occurrence_ids)
            counts = await queries.counts(s, occurrence_ids)
            confirmed = await confirmation.confirmed_counts(s, list(occurrence_ids))
            mine: dict[int, CafeRegistration] = {}
            if member_id is not None:
                for reg in await queries.member_registrations(s, occurrence_ids, member_id):
                    mine[reg.occurrence_id] = reg
        out = {occ.id: Occurrence(occ, series) for occ, series in pairs}
        for occ_id, status, count, checked in counts:
            item = out[occ_id]
            # The same meaning as in stats: attended = checked in among the registered.
            if status == REGISTERED:
                item.registered, item.attended = count, checked
            elif status == WAITLISTED:
                item.waitlisted = count
        for occ_id, count in confirmed.items():
            out[occ_id].confirmed = count
        for occ_id, reg in mine.items():
            out[occ_id].my_status = RegistrationStatus(reg.status)
            out[occ_id].my_confirmed = reg.confirmed_at is not None
        for item in out.values():
            if item.my_status == WAITLISTED and member_id is not None:
                item.my_position = await self.position(item.id, member_id)
        return list(out.values())

    async def fresh(self, occurrence_id: int) -> Occurrence:
        """The occurrence as stored now (after a change), with its counts."""
        return (await self.load([occurrence_id], None))[0]

    async def find(self, occurrence_id: int) -> Occurrence | None:
        found = await self.load([occurrence_id], None)
        return found[0] if found else None

    async def position(self, occurrence_id: int, member_id: int) -> int:
        async with self.db.session() as s:
            queue = await queries.waitlist(s, occurrence_id)
        return queue.index(member_id) + 1 if member_id in queue else 0

    async def upcoming(
        self,
        *,
        member_id: int | None = None,
        series_id: int | None = None,
        limit: int = 10,
        include_cancelled: bool = True,
    ) -> list[Occurrence]:
        """Occurrences not yet ended, soonest first."""
        await self.materialize(series_id)
        now = self.clock.now()
        async with self.db.session() as s:
            rows = await queries.upcoming_starts(
                s, now - timedelta(hours=24), series_id, include_cancelled
            )
        ids = [i for i, start, minutes in rows if start + timedelta(minutes=minutes) > now]
        return await self.load(ids[:limit], member_id)

    async def occurrence(self, occurrence_id: int | None, member_id: int | None) -> Occurrence:
        """The given occurrence, or the next one not yet started (not cancelled)."""
        if occurrence_id is None:
            for item in await self.upcoming(member_id=member_id, include_cancelled=False):
                if item.starts_at > self.clock.now():
                    return item
            raise UserError("Aucun café n'est prévu pour le moment.")
        found = await self.load([occurrence_id], member_id)
        if not found:
            raise UserError(
                "Le café n° {occurrence} n'existe pas. Tapez cafe list pour voir les numéros.",
                occurrence=occurrence_id,
            )
        return found[0]

    async def status_of(self, occurrence_id: int, member_id: int) -> str | None:
        """The member's registration status for an occurrence now (None: not listed)."""
        async with self.db.session() as s:
            reg = await queries.registration(s, occurrence_id, member_id)
        return reg.status if reg is not None else None

    async def series_occurrences(self, series_id: int) -> list[CafeOccurrence]:
        async with self.db.session() as s:
            return await queries.series_occurrences(s, series_id)

    @staticmethod
    async def load_in(s: AsyncSession, occurrence_id: int) -> Occurrence | None:
        """The occurrence and its series inside the caller's transaction (no counts)."""
        pairs = await queries.with_series(s, [occurrence_id])
        return Occurrence(*pairs[0]) if pairs else None
