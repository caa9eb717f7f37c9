"""Series: creating and editing a recurring café, and materialising its next occurrences."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.core import RoomRef, UserError, check_zone
from cogs.cafe import confirm_rules, queries
from cogs.cafe.domain import (
    SCHEDULED,
    check_capacity,
    check_link,
    nothing_to_change,
    offsets_text_to_seconds,
    seconds_csv,
)
from cogs.cafe.models import CafeSeries
from cogs.cafe.reminders import announce_item, start_item
from cogs.cafe.schedule import Schedule, parse_schedule, to_utc
from cogs.cafe.settings import CafeSettings

if TYPE_CHECKING:
    from bot.core.outbox import Outbox
    from bot.scheduling import Clock
    from bot.storage.db import Database
    from cogs.cafe.changes import Changes
    from cogs.cafe.occurrences import Occurrences


def schedule_of(series: CafeSeries) -> Schedule:
    start = datetime.fromisoformat(series.local_start)
    if start.tzinfo is not None:  # the second pass of a repeated hour: see ``local_start_text``
        start = start.astimezone(ZoneInfo(series.timezone)).replace(tzinfo=None)
    return Schedule(series.rule, start)


def local_start_text(start: datetime, zone: ZoneInfo) -> str:
    """The stored wall time. A naive ISO text cannot say which pass of a repeated hour was
    chosen ("02:30 hiver"): then, and only then, the UTC offset is stored with it."""
    if start.fold:
        return start.replace(tzinfo=zone).isoformat()
    return start.isoformat()


class Materializer:
    """Keeps each active series' next ``ahead`` occurrences in the database, and queues their
    announcement and start messages."""

    def __init__(
        self, *, db: Database, clock: Clock, outbox: Outbox, settings: CafeSettings
    ) -> None:
        self.db = db
        self.clock = clock
        self.outbox = outbox
        self.settings = settings

    async def materialize(self, series_id: int | None = None) -> int:
        """Make sure each active series has its next ``ahead`` occurrences; announce new ones
        (the soonest now, each following one when the one before it starts)."""
        now = self.clock.now()
        async with self.db.session() as s:
            all_series = await queries.active_series(s, series_id)
        created = 0
        for series in all_series:
            zone = ZoneInfo(series.timezone)
            local_now = now.astimezone(zone).replace(tzinfo=None)
            locals_ = schedule_of(series).local_dates(local_now, self.settings.ahead)
            if not locals_:
                continue
            rows = [
                dict(
                    series_id=series.id,
                    recurrence_id=d.isoformat(),
                    starts_at=to_utc(d, zone),
                    duration_minutes=series.duration_minutes,
                    topic="",
                    description="",
                    host="",
                    status=SCHEDULED,
                    revision=0,
                    moved=False,
                )
                for d in locals_
            ]
            async with self.db.session() as s:
                wanted = [str(r["recurrence_id"]) for r in rows]
                existing = await queries.existing_recurrences(s, series.id, wanted)
                missing = [r for r in rows if r["recurrence_id"] not in existing]
                if not missing:
                    continue
                await queries.insert_occurrences(s, self.db.insert, missing)
                occurrences = await queries.occurrences_by_recurrence(
                    s, series.id, [str(r["recurrence_id"]) for r in missing]
                )
            items: list[dict[str, Any]] = []
            room = RoomRef.decode(series.room)
            starts = [to_utc(d, zone) for d in locals_]
            for occ in occurrences:
                # Announced now if it is the next one, else when the one before it starts.
                before = [x for x in starts if x < occ.starts_at]
                first = now + timedelta(minutes=self.settings.announce_delay)
                announce_at = max(first, before[-1]) if before else first
                items.append(announce_item(occ, announce_at, room))
                items.append(start_item(occ, room))
                created += 1
            await self.outbox.enqueue_many(items)
        return created


class SeriesService:
    """Create a series; edit it with every occurrence not yet started."""

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        settings: CafeSettings,
        materializer: Materializer,
        occurrences: Occurrences,
        changes: Changes,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.materializer = materializer
        self.occurrences = occurrences
        self.changes = changes

    def preview(self, schedule: str, timezone: str) -> tuple[Schedule, str, list[datetime]]:
        zone_name = check_zone(timezone)
        zone = ZoneInfo(zone_name)
        now = self.clock.now()
        parsed = parse_schedule(schedule, now.astimezone(zone).replace(tzinfo=None), zone)
        return parsed, zone_name, parsed.dates(zone, now, 5)

    async def create(
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
    ) -> tuple[CafeSeries, list[datetime]]:
        """Store the series and materialise its first occurrences; returns it and its next
        five dates."""
        title = title.strip()
        if not title:
            raise UserError("Donnez un titre au café, par exemple « Café des médiateurs ».")
        check_capacity(capacity)
        link = check_link(link)
        offsets = offsets_text_to_seconds(reminders or self.settings.reminders)
        asking = confirm_rules.parse_confirm(confirm or self.settings.confirm)
        release = (
            self.settings.release_unconfirmed
            if release_unconfirmed is None
            else release_unconfirmed
        )
        release_at = confirm_rules.parse_release_before(
            release_before or self.settings.release_before
        )
        confirm_rules.check_options(asking, release, release_at)
        parsed, zone_name, dates = self.preview(schedule, timezone)
        if not dates:
            raise UserError(
                "Ce calendrier n'a plus aucune date à venir : « {schedule} ».",
                schedule=schedule[:80],
            )
        series = CafeSeries(
            title=title[:200],
            rule=parsed.rule,
            local_start=local_start_text(parsed.start, ZoneInfo(zone_name)),
            timezone=zone_name,
            duration_minutes=duration or self.settings.duration,
            capacity=capacity,
            link=link,
            reminders=seconds_csv(offsets),
            members_only=members_only,
            confirm_before=asking,
            release_unconfirmed=release,
            release_before=release_at,
            room=room.encode(),
            created_by=creator,
            created_at=self.clock.now(),
        )
        async with self.db.session() as s:
            s.add(series)
            await s.flush()
            await s.refresh(series)
        await self.materializer.materialize(series.id)
        return series, dates

    async def edit(
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
        """Change the series of ``occurrence_id`` and every occurrence not yet started (their
        own link and capacity give way to the series'). Returns (series, changes, count)."""
        occ = await self.occurrences.occurrence(occurrence_id, None)
        series = occ.series
        changes: list[str] = []
        if title is not None and title.strip():
            series.title = title.strip()[:200]
            changes.append("title")
        if link is not None:
            series.link = check_link(link)
            changes.append("link")
        if capacity is not None:
            check_capacity(capacity)
            series.capacity = capacity
            changes.append("capacity")
        if duration is not None:
            series.duration_minutes = duration
            changes.append("duration")
        if reminders is not None:
            series.reminders = seconds_csv(offsets_text_to_seconds(reminders))
            changes.append("reminders")
        if confirm is not None or release_unconfirmed is not None or release_before is not None:
            # One change for the three: members get no notice, their questions are re-queued.
            asking = (
                series.confirm_before if confirm is None else confirm_rules.parse_confirm(confirm)
            )
            release = (
                series.release_unconfirmed if release_unconfirmed is None else release_unconfirmed
            )
            release_at = (
                series.release_before
                if release_before is None
                else confirm_rules.parse_release_before(release_before)
            )
            confirm_rules.check_options(asking, release, release_at)
            series.confirm_before, series.release_unconfirmed = asking, release
            series.release_before = release_at
            changes.append("confirm")
        if not changes:
            raise nothing_to_change()
        now = self.clock.now()
        upcoming = [
            o
            for o in await self.occurrences.upcoming(
                series_id=series.id, include_cancelled=False, limit=100
            )
            if o.starts_at > now
        ]
        async with self.db.session() as s:
            s.add(series)
            for item in upcoming:
                row = item.row
                if "link" in changes:
                    row.link = None
                if "capacity" in changes:
                    row.capacity = None
                if "duration" in changes:
                    row.duration_minutes = series.duration_minutes
                row.revision += 1
                s.add(row)
        for item in upcoming:
            await self.changes.after_change(item.id, changes, item.row.starts_at)
        return series, changes, len(upcoming)
