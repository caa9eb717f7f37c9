"""The café's use cases in one place: a facade over its parts, wired with explicit
dependencies (database, clock, outbox, members, settings) — never the whole ``Core``.

Platform-free: it speaks to the database and the core outbox, and raises UserError for bad
input. The parts, each in its own module:

- ``series``        create and edit series; materialise occurrences (announce, start)
- ``occurrences``   read occurrences with counts and the reader's place
- ``registration``  join, leave, waitlist promotion, check-in
- ``reminders``     reminder DMs and members' offsets; every outbox key format
- ``changes``       edit, move, cancel, end a series; notices to members
- ``stats``         who is coming, attendance
- ``confirmation``  "Toujours là ?": confirm, release, unconfirmed seats to the waitlist
- ``privacy``       export, forget, merge (``PrivacyHooks``)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from bot.core import RoomRef
from cogs.cafe.changes import Changes
from cogs.cafe.confirmation import Confirmation
from cogs.cafe.domain import (
    CheckIn,
    Created,
    JoinResult,
    Occurrence,
    OccurrenceStats,
    Preference,
    Who,
)
from cogs.cafe.models import CafeOccurrence, CafeSeries
from cogs.cafe.occurrences import Occurrences
from cogs.cafe.privacy import CafePrivacy
from cogs.cafe.registration import Registration
from cogs.cafe.reminders import Reminders
from cogs.cafe.schedule import Schedule, bounded_offsets
from cogs.cafe.series import Materializer, SeriesService
from cogs.cafe.settings import CafeSettings
from cogs.cafe.stats import Attendance

if TYPE_CHECKING:
    from bot.core.members import MemberService
    from bot.core.outbox import Outbox
    from bot.scheduling import Clock
    from bot.storage.db import Database


class CafeService:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        outbox: Outbox,
        members: MemberService,
        settings: CafeSettings,
    ) -> None:
        self.clock = clock
        self.settings = settings
        self.materializer = Materializer(db=db, clock=clock, outbox=outbox, settings=settings)
        self.occurrences = Occurrences(
            db=db, clock=clock, materialize=self.materializer.materialize
        )
        self.reminders = Reminders(
            db=db, clock=clock, outbox=outbox, settings=settings, occurrences=self.occurrences
        )
        self.registration = Registration(
            db=db,
            clock=clock,
            outbox=outbox,
            settings=settings,
            occurrences=self.occurrences,
            reminders=self.reminders,
        )
        self.changes = Changes(
            db=db,
            clock=clock,
            outbox=outbox,
            occurrences=self.occurrences,
            reminders=self.reminders,
            registration=self.registration,
        )
        self.series = SeriesService(
            db=db,
            clock=clock,
            settings=settings,
            materializer=self.materializer,
            occurrences=self.occurrences,
            changes=self.changes,
        )
        self.attendance = Attendance(
            db=db, clock=clock, members=members, occurrences=self.occurrences
        )
        self.confirmation = Confirmation(
            db=db,
            clock=clock,
            outbox=outbox,
            occurrences=self.occurrences,
            registration=self.registration,
            reminders=self.reminders,
        )
        self.privacy = CafePrivacy(db=db, reminders=self.reminders, registration=self.registration)

    # --- series ---------------------------------------------------------------------------------

    def preview(self, schedule: str, timezone: str) -> tuple[Schedule, str, list[datetime]]:
        return self.series.preview(schedule, timezone)

    async def create_series(
        self,
        *,
        creator: int,
        room: RoomRef,
        title: str,
        schedule: str,
        timezone: str,
        duration: int | None = None,
        capacity: int | None = None,
        link: str = "",
        reminders: str | None = None,
        members_only: bool = True,
        confirm: str | None = None,
        release_unconfirmed: bool | None = None,
        release_before: str | None = None,
    ) -> Created:
        series, dates = await self.series.create(
            creator=creator,
            room=room,
            title=title,
            schedule=schedule,
            timezone=timezone,
            duration=duration,
            capacity=capacity,
            link=link,
            reminders=reminders,
            members_only=members_only,
            confirm=confirm,
            release_unconfirmed=release_unconfirmed,
            release_before=release_before,
        )
        upcoming = await self.occurrences.upcoming(series_id=series.id, limit=1)
        return Created(series, dates, upcoming[0] if upcoming else None)

    async def edit_series(
        self,
        occurrence_id: int,
        *,
        title: str | None = None,
        link: str | None = None,
        capacity: int | None = None,
        duration: int | None = None,
        reminders: str | None = None,
        confirm: str | None = None,
        release_unconfirmed: bool | None = None,
        release_before: str | None = None,
    ) -> tuple[CafeSeries, list[str], int]:
        return await self.series.edit(
            occurrence_id,
            title=title,
            link=link,
            capacity=capacity,
            duration=duration,
            reminders=reminders,
            confirm=confirm,
            release_unconfirmed=release_unconfirmed,
            release_before=release_before,
        )

    async def materialize(self, series_id: int | None = None) -> int:
        return await self.materializer.materialize(series_id)

    # --- reading --------------------------------------------------------------------------------

    async def load(self, occurrence_ids: Sequence[int], member_id: int | None) -> list[Occurrence]:
        return await self.occurrences.load(occurrence_ids, member_id)

    # bench/reminders.py still calls the old private name.
    _load = load

    async def find(self, occurrence_id: int) -> Occurrence | None:
        return await self.occurrences.find(occurrence_id)

    async def upcoming(
        self,
        *,
        member_id: int | None = None,
        series_id: int | None = None,
        limit: int = 10,
        include_cancelled: bool = True,
    ) -> list[Occurrence]:
        return await self.occurrences.upcoming(
            member_id=member_id,
            series_id=series_id,
            limit=limit,
            include_cancelled=include_cancelled,
        )

    async def occurrence(self, occurrence_id: int | None, member_id: int | None) -> Occurrence:
        return await self.occurrences.occurrence(occurrence_id, member_id)

    async def status_of(self, occurrence_id: int, member_id: int) -> str | None:
        return await self.occurrences.status_of(occurrence_id, member_id)

    async def series_occurrences(self, series_id: int) -> list[CafeOccurrence]:
        return await self.occurrences.series_occurrences(series_id)

    # --- registration ---------------------------------------------------------------------------

    async def join(
        self, member_id: int, occurrence_id: int | None, *, is_member: bool
    ) -> JoinResult:
        return await self.registration.join(member_id, occurrence_id, is_member=is_member)

    async def leave(self, member_id: int, occurrence_id: int | None) -> Occurrence:
        return await self.registration.leave(member_id, occurrence_id)

    async def check_in(self, member_id: int) -> CheckIn:
        return await self.registration.check_in(member_id)

    # --- reminders ------------------------------------------------------------------------------

    async def schedule_reminders(self, occ: Occurrence, member_ids: list[int]) -> int:
        return await self.reminders.schedule(occ, member_ids)

    async def cancel_reminders(self, occurrence_id: int, member_ids: list[int] | None) -> int:
        return await self.reminders.cancel(occurrence_id, member_ids)

    async def set_preference(self, member_id: int, offsets: Preference) -> None:
        await self.reminders.set_preference(member_id, offsets)

    async def set_profile_offsets(self, member_id: int, seconds: Sequence[int] | None) -> None:
        """The onboarding profile's reminder answer: ``None`` off, empty: the default."""
        value: Preference
        if seconds is None:
            value = None
        elif not seconds:
            value = "default"
        else:
            # The profile question has its own parser: hold its answer to the café's bounds
            # (at most 5 offsets, 1 minute … 30 days) rather than store whatever came.
            value = bounded_offsets(list(seconds))
            if not value:
                return
        await self.reminders.set_preference(member_id, value)

    async def preference(self, member_id: int) -> Preference:
        return await self.reminders.preference(member_id)

    # --- changes --------------------------------------------------------------------------------

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
        return await self.changes.edit(
            occurrence_id,
            when=when,
            topic=topic,
            description=description,
            host=host,
            link=link,
            capacity=capacity,
            duration=duration,
        )

    async def cancel(self, occurrence_id: int) -> Occurrence:
        return await self.changes.cancel(occurrence_id)

    async def end_series(self, occurrence_id: int) -> tuple[Occurrence, int]:
        return await self.changes.end_series(occurrence_id)

    # --- who, stats -----------------------------------------------------------------------------

    async def who(self, occurrence_id: int | None) -> Who:
        return await self.attendance.who(occurrence_id)

    async def stats(self, limit: int = 12) -> list[OccurrenceStats]:
        return await self.attendance.stats(limit)
