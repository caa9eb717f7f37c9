"""Changes to occurrences: edit or move one, cancel one or end a series, and tell members."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.core import NotADate, RoomRef, UserError, parse_when
from cogs.cafe import confirmation, queries
from cogs.cafe.domain import (
    CANCELLED,
    REGISTERED,
    WAITLISTED,
    Change,
    Occurrence,
    check_capacity,
    check_link,
    nothing_to_change,
)
from cogs.cafe.models import CafeSeries
from cogs.cafe.reminders import NOTICE, notice_data, notice_key, start_item, start_prefix
from cogs.cafe.schedule import to_utc

if TYPE_CHECKING:
    from bot.core.outbox import Outbox
    from bot.scheduling import Clock
    from bot.storage.db import Database
    from cogs.cafe.occurrences import Occurrences
    from cogs.cafe.registration import Registration
    from cogs.cafe.reminders import Reminders


class Changes:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        outbox: Outbox,
        occurrences: Occurrences,
        reminders: Reminders,
        registration: Registration,
    ) -> None:
        self.db = db
        self.clock = clock
        self.outbox = outbox
        self.occurrences = occurrences
        self.reminders = reminders
        self.registration = registration

    async def _members(self, occurrence_id: int, *statuses: str) -> list[int]:
        async with self.db.session() as s:
            return await queries.members_with(s, occurrence_id, statuses)

    async def edit(
        self,
        occurrence_id: int,
        *,
        when: str | None = None,
        topic: str | None = None,
        description: str | None = None,
        host: str | None = None,
        link: str | None = None,
        capacity: int | None = None,
        duration: int | None = None,
    ) -> tuple[Occurrence, list[str]]:
        occ = await self.occurrences.occurrence(occurrence_id, None)
        now = self.clock.now()
        if occ.cancelled:
            raise UserError("Le café n° {occurrence} est annulé.", occurrence=occ.id)
        if occ.starts_at <= now and when is not None:
            raise UserError(
                "Le café n° {occurrence} a déjà commencé : il ne peut plus être déplacé.",
                occurrence=occ.id,
            )
        changes: list[str] = []
        row = occ.row
        old_start = row.starts_at
        if when is not None:
            zone = occ.zone
            try:
                moved = parse_when(when, now, zone)
            except NotADate:
                raise UserError(
                    "Pour déplacer un café, donnez une date et une heure, par exemple "
                    "« vendredi 5 mars 14h » ou « jeudi prochain 18h »."
                ) from None
            row.starts_at = to_utc(moved.local, zone)
            row.moved = True
            changes.append("when")
        if capacity is not None:
            check_capacity(capacity)
            row.capacity = capacity
            changes.append("capacity")
        if link is not None:
            row.link = check_link(link)
            changes.append("link")
        for name, value in (("topic", topic), ("description", description), ("host", host)):
            if value is not None:
                setattr(row, name, value.strip())
                changes.append(name)
        if duration is not None:
            row.duration_minutes = duration
            changes.append("duration")
        if not changes:
            raise nothing_to_change()
        row.revision += 1
        async with self.db.session() as s:
            s.add(row)
        await self.after_change(occ.id, changes, old_start)
        return await self.occurrences.fresh(occ.id), changes

    async def after_change(
        self, occurrence_id: int, changes: list[str], old_start: datetime
    ) -> None:
        """Re-queue reminders (they carry time, title, topic and link), move the start
        announcement, tell registered and waitlisted members, promote on more places."""
        fresh = await self.occurrences.fresh(occurrence_id)
        registered = await self._members(occurrence_id, REGISTERED)
        if fresh.row.starts_at != old_start:
            async with self.db.session() as s:  # a new date asks "Toujours là ?" again
                await confirmation.reset(s, occurrence_id)
        await self.reminders.cancel(occurrence_id, None)
        await self.reminders.schedule(fresh, registered)
        if fresh.row.starts_at != old_start:
            await self.outbox.cancel(prefix=start_prefix(occurrence_id))
            await self.outbox.enqueue_many(
                [start_item(fresh.row, RoomRef.decode(fresh.series.room))]
            )
        notify = [c for c in changes if c not in ("capacity", "reminders", "confirm")]
        if notify:
            await self.notify(
                fresh,
                Change.MOVED if "when" in changes else Change.EDITED,
                registered,
                await self._members(occurrence_id, WAITLISTED),
                old=old_start.isoformat(),
                changes=notify,
            )
        if "capacity" in changes:
            await self.registration.promote(occurrence_id)

    async def cancel(self, occurrence_id: int) -> Occurrence:
        occ = await self.occurrences.occurrence(occurrence_id, None)
        if occ.cancelled:
            return occ
        if occ.ends_at <= self.clock.now():
            raise UserError("Le café n° {occurrence} est déjà terminé.", occurrence=occ.id)
        occ.row.status = CANCELLED
        occ.row.revision += 1
        async with self.db.session() as s:
            s.add(occ.row)
        await self.reminders.cancel(occ.id, None)
        await self.outbox.cancel(prefix=start_prefix(occ.id))
        registered = await self._members(occ.id, REGISTERED)
        waitlisted = await self._members(occ.id, WAITLISTED)
        fresh = await self.occurrences.fresh(occ.id)
        await self.notify(fresh, Change.CANCELLED, registered, waitlisted)
        return fresh

    async def end_series(self, occurrence_id: int) -> tuple[Occurrence, int]:
        """Stop a whole series: no more occurrences; its upcoming ones are cancelled (members
        told by DM, reminders dropped). Returns one of its occurrences and how many were
        cancelled."""
        occ = await self.occurrences.occurrence(occurrence_id, None)
        upcoming = [
            o
            for o in await self.occurrences.upcoming(
                series_id=occ.row.series_id, limit=1000, include_cancelled=False
            )
            if o.starts_at > self.clock.now()
        ]
        async with self.db.session() as s:
            series = await s.get(CafeSeries, occ.row.series_id)
            if series is not None:
                series.active = False
                s.add(series)
        for item in upcoming:
            await self.cancel(item.id)
        return occ, len(upcoming)

    async def notify(
        self,
        occ: Occurrence,
        change: Change,
        registered: list[int],
        waitlisted: list[int],
        **extra: Any,
    ) -> int:
        """Tell members of a change. Only registered members' notices carry the video link:
        a waitlisted member has no seat, so the stored row itself holds no link for them."""
        data = notice_data(occ, change, **extra)
        waiting = {**data, "link": "", "waitlisted": True}
        fallback = self.reminders.fallback_room(occ)
        return await self.outbox.enqueue_many(
            [
                dict(
                    key=notice_key(occ.id, occ.row.revision, m),
                    due_at=self.clock.now(),
                    kind=NOTICE,
                    data=payload,
                    member_id=m,
                    fallback_room=fallback,
                )
                for members, payload in ((registered, data), (waitlisted, waiting))
                for m in members
            ]
        )
