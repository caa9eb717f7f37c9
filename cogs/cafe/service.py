"""Café rules: series, occurrences, registration with a waitlist, reminders, check-in, stats.

Platform-free: it speaks to the database and the core outbox, and raises UserError for bad
input. Every message it causes (reminders, notices, announcements) goes through the outbox with
a unique key, so nothing is sent twice, even by two bot processes:

- ``cafe:{occurrence}:{offset seconds}:{member}``  reminder DM
- ``cafe-notice:{occurrence}:{revision}:{member}``  "moved / edited / cancelled" DM
- ``cafe-promoted:{occurrence}:{member}``           "a place freed up" DM
- ``cafe-announce:{occurrence}``                    announcement in the announce room
- ``cafe-start:{occurrence}:{revision}``            "it starts now" in the announce room
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import col, delete, select

from bot.core import RoomRef, UserError, check_zone
from bot.storage.models import OutboxMessage
from cogs.cafe.models import CafeOccurrence, CafePreference, CafeRegistration, CafeSeries
from cogs.cafe.schedule import Schedule, parse_schedule, reminder_offsets, to_utc
from cogs.cafe.settings import Settings

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)

REGISTERED, WAITLISTED, WALKIN = "registered", "waitlisted", "walkin"
SCHEDULED, CANCELLED = "scheduled", "cancelled"
REMINDER, NOTICE, ANNOUNCE, START = "cafe.reminder", "cafe.notice", "cafe.announce", "cafe.start"


@dataclass(slots=True)
class Occurrence:
    """An occurrence with its series' values filled in (what renderers need)."""

    row: CafeOccurrence
    series: CafeSeries
    registered: int = 0
    waitlisted: int = 0
    attended: int = 0
    my_status: str | None = None
    my_position: int | None = None

    @property
    def id(self) -> int:
        assert self.row.id is not None
        return self.row.id

    @property
    def title(self) -> str:
        return self.series.title

    @property
    def starts_at(self) -> datetime:
        return self.row.starts_at

    @property
    def ends_at(self) -> datetime:
        return self.row.starts_at + timedelta(minutes=self.row.duration_minutes)

    @property
    def link(self) -> str:
        return self.row.link if self.row.link is not None else self.series.link

    @property
    def capacity(self) -> int | None:
        return self.row.capacity if self.row.capacity is not None else self.series.capacity

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.series.timezone)

    @property
    def cancelled(self) -> bool:
        return self.row.status == CANCELLED

    @property
    def full(self) -> bool:
        return self.capacity is not None and self.registered >= self.capacity


class CheckInClosed(UserError):
    """Outside every check-in window; the cog words it with the next start in the reader's
    zone."""

    def __init__(self, next_start: datetime | None) -> None:
        super().__init__("Aucun café n'est en cours : le pointage est fermé.")
        self.next_start = next_start


@dataclass(slots=True)
class JoinResult:
    occurrence: Occurrence
    status: str
    position: int | None = None
    already: bool = False


@dataclass(slots=True)
class CheckIn:
    occurrence: Occurrence
    already: bool
    seated: bool = False  # was waitlisted, took a free seat while checking in


@dataclass(slots=True)
class Created:
    series: CafeSeries
    dates: list[datetime]
    first: Occurrence | None


@dataclass(slots=True)
class OccurrenceStats:
    occurrence: Occurrence
    registered: int
    waitlisted: int
    attended: int
    walkins: int

    @property
    def no_show_rate(self) -> float | None:
        if not self.registered:
            return None
        return (self.registered - self.attended) / self.registered


@dataclass(slots=True)
class Who:
    occurrence: Occurrence
    registered: list[tuple[int, bool]] = field(default_factory=list)  # member, checked in
    waitlisted: list[int] = field(default_factory=list)
    walkins: list[int] = field(default_factory=list)


def offsets_text_to_seconds(text: str) -> list[int]:
    return reminder_offsets(text)


def parse_preference(text: str) -> list[int] | str | None:
    """A member's ``cafe reminders`` value: offsets, ``None`` (off) or ``"default"``."""
    word = text.strip().lower()
    if word in ("off", "non", "aucun", "none", "0"):
        return None
    if word in ("default", "défaut", "defaut"):
        return "default"
    return offsets_text_to_seconds(text)


def _seconds_csv(values: list[int]) -> str:
    return ",".join(str(v) for v in values)


def _csv_seconds(text: str) -> list[int]:
    return [int(v) for v in text.split(",") if v.strip()]


class CafeService:
    def __init__(self, core: Core, settings: Settings) -> None:
        self.core = core
        self.settings = settings

    @property
    def now(self) -> datetime:
        return self.core.clock.now()

    def _insert(self) -> Any:
        return self.core.db.insert

    # --- series ---------------------------------------------------------------------------------

    def preview(self, schedule: str, timezone: str) -> tuple[Schedule, str, list[datetime]]:
        zone_name = check_zone(timezone)
        zone = ZoneInfo(zone_name)
        now_local = self.now.astimezone(zone).replace(tzinfo=None)
        parsed = parse_schedule(schedule, now_local)
        return parsed, zone_name, parsed.dates(zone, self.now, 5)

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
    ) -> Created:
        title = title.strip()
        if not title:
            raise UserError("Donnez un titre au café, par exemple « Café des médiateurs ».")
        if capacity is not None and capacity < 1:
            raise UserError(
                "La capacité doit être d'au moins 1 place (ou laissez-la vide : illimitée)."
            )
        link = link.strip()
        if link and not link.startswith(("https://", "http://")):
            raise UserError(
                "Le lien de visio doit commencer par https:// (reçu : « {link} »).",
                link=link[:60],
            )
        offsets = offsets_text_to_seconds(reminders or self.settings.reminders)
        parsed, zone_name, dates = self.preview(schedule, timezone)
        if not dates:
            raise UserError(
                "Ce calendrier n'a plus aucune date à venir : « {schedule} ».",
                schedule=schedule[:80],
            )
        series = CafeSeries(
            title=title[:200],
            rule=parsed.rule,
            local_start=parsed.start.isoformat(),
            timezone=zone_name,
            duration_minutes=duration or self.settings.duration,
            capacity=capacity,
            link=link,
            reminders=_seconds_csv(offsets),
            members_only=members_only,
            room=room.encode(),
            created_by=creator,
            created_at=self.now,
        )
        async with self.core.db.session() as s:
            s.add(series)
            await s.flush()
            await s.refresh(series)
        await self.materialize(series.id)
        upcoming = await self.upcoming(series_id=series.id, limit=1)
        return Created(series, dates, upcoming[0] if upcoming else None)

    @staticmethod
    def schedule_of(series: CafeSeries) -> Schedule:
        return Schedule(series.rule, datetime.fromisoformat(series.local_start))

    async def materialize(self, series_id: int | None = None) -> int:
        """Make sure each active series has its next ``ahead`` occurrences; announce new ones
        (the soonest now, each following one when the one before it starts)."""
        now = self.now
        async with self.core.db.session() as s:
            query = select(CafeSeries).where(col(CafeSeries.active).is_(True))
            if series_id is not None:
                query = query.where(CafeSeries.id == series_id)
            all_series = list(await s.exec(query))
        created = 0
        for series in all_series:
            zone = ZoneInfo(series.timezone)
            local_now = now.astimezone(zone).replace(tzinfo=None)
            locals_ = self.schedule_of(series).local_dates(local_now, self.settings.ahead)
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
            async with self.core.db.session() as s:
                existing = set(
                    await s.exec(
                        select(CafeOccurrence.recurrence_id).where(
                            CafeOccurrence.series_id == series.id,
                            col(CafeOccurrence.recurrence_id).in_(
                                [r["recurrence_id"] for r in rows]
                            ),
                        )
                    )
                )
                missing = [r for r in rows if r["recurrence_id"] not in existing]
                if not missing:
                    continue
                stmt = (
                    self._insert()(CafeOccurrence)
                    .values(missing)
                    .on_conflict_do_nothing(index_elements=["series_id", "recurrence_id"])
                )
                await s.exec(stmt)  # type: ignore[call-overload]
                occurrences = list(
                    await s.exec(
                        select(CafeOccurrence)
                        .where(
                            CafeOccurrence.series_id == series.id,
                            col(CafeOccurrence.recurrence_id).in_(
                                [r["recurrence_id"] for r in missing]
                            ),
                        )
                        .order_by(col(CafeOccurrence.starts_at))
                    )
                )
            items: list[dict[str, Any]] = []
            room = RoomRef.decode(series.room)
            starts = [to_utc(d, zone) for d in locals_]
            for occ in occurrences:
                # Announced now if it is the next one, else when the one before it starts.
                before = [x for x in starts if x < occ.starts_at]
                first = now + timedelta(minutes=self.settings.announce_delay)
                announce_at = max(first, before[-1]) if before else first
                items.append(
                    dict(
                        key=f"cafe-announce:{occ.id}",
                        due_at=announce_at,
                        kind=ANNOUNCE,
                        data={"occurrence": occ.id},
                        room=room,
                    )
                )
                items.append(self._start_item(occ, room))
                created += 1
            await self.core.outbox.enqueue_many(items)
        return created

    def _start_item(self, occ: CafeOccurrence, room: RoomRef) -> dict[str, Any]:
        return dict(
            key=f"cafe-start:{occ.id}:{int(occ.starts_at.timestamp())}",
            due_at=occ.starts_at,
            kind=START,
            data={"occurrence": occ.id, "starts_at": occ.starts_at.isoformat()},
            room=room,
        )

    # --- reading --------------------------------------------------------------------------------

    async def _load(self, occurrence_ids: list[int], member_id: int | None) -> list[Occurrence]:
        if not occurrence_ids:
            return []
        async with self.core.db.session() as s:
            pairs = list(
                await s.exec(
                    select(CafeOccurrence, CafeSeries)
                    .join(CafeSeries, col(CafeSeries.id) == col(CafeOccurrence.series_id))
                    .where(col(CafeOccurrence.id).in_(occurrence_ids))
                    .order_by(col(CafeOccurrence.starts_at), col(CafeOccurrence.id))
                )
            )
            counts = list(await s.exec(_registration_counts(occurrence_ids)))
            mine: dict[int, CafeRegistration] = {}
            if member_id is not None:
                for reg in await s.exec(
                    select(CafeRegistration).where(
                        col(CafeRegistration.occurrence_id).in_(occurrence_ids),
                        CafeRegistration.member_id == member_id,
                    )
                ):
                    mine[reg.occurrence_id] = reg
        out = {occ.id: Occurrence(occ, series) for occ, series in pairs}
        for occ_id, status, count, checked in counts:
            item = out[occ_id]
            # The same meaning as in stats: attended = checked in among the registered.
            if status == REGISTERED:
                item.registered, item.attended = count, checked
            elif status == WAITLISTED:
                item.waitlisted = count
        for occ_id, reg in mine.items():
            out[occ_id].my_status = reg.status
        for item in out.values():
            if item.my_status == WAITLISTED and member_id is not None:
                item.my_position = await self._position(item.id, member_id)
        return list(out.values())

    async def find(self, occurrence_id: int) -> Occurrence | None:
        found = await self._load([occurrence_id], None)
        return found[0] if found else None

    async def _position(self, occurrence_id: int, member_id: int) -> int:
        async with self.core.db.session() as s:
            queue = list(
                await s.exec(
                    select(CafeRegistration.member_id)
                    .where(
                        CafeRegistration.occurrence_id == occurrence_id,
                        CafeRegistration.status == WAITLISTED,
                    )
                    .order_by(col(CafeRegistration.created_at), col(CafeRegistration.id))
                )
            )
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
        now = self.now
        async with self.core.db.session() as s:
            query = (
                select(
                    CafeOccurrence.id, CafeOccurrence.starts_at, CafeOccurrence.duration_minutes
                )
                .join(CafeSeries, col(CafeSeries.id) == col(CafeOccurrence.series_id))
                .where(
                    col(CafeSeries.active).is_(True),
                    CafeOccurrence.starts_at > now - timedelta(hours=24),
                )
                .order_by(col(CafeOccurrence.starts_at), col(CafeOccurrence.id))
            )
            if series_id is not None:
                query = query.where(CafeOccurrence.series_id == series_id)
            if not include_cancelled:
                query = query.where(CafeOccurrence.status == SCHEDULED)
            rows = list(await s.exec(query))
        ids = [i for i, start, minutes in rows if start + timedelta(minutes=minutes) > now]
        return await self._load(ids[:limit], member_id)

    async def occurrence(self, occurrence_id: int | None, member_id: int | None) -> Occurrence:
        """The given occurrence, or the next one not yet started (not cancelled)."""
        if occurrence_id is None:
            for item in await self.upcoming(member_id=member_id, include_cancelled=False):
                if item.starts_at > self.now:
                    return item
            raise UserError("Aucun café n'est prévu pour le moment.")
        found = await self._load([occurrence_id], member_id)
        if not found:
            raise UserError(
                "Le café n° {occurrence} n'existe pas. Tapez cafe list pour voir les numéros.",
                occurrence=occurrence_id,
            )
        return found[0]

    # --- registration -------------------------------------------------------------------------

    async def join(
        self, member_id: int, occurrence_id: int | None, *, is_member: bool
    ) -> JoinResult:
        occ = await self.occurrence(occurrence_id, member_id)
        if occ.cancelled:
            raise UserError("Le café n° {occurrence} est annulé.", occurrence=occ.id)
        if occ.ends_at <= self.now:
            raise UserError("Le café n° {occurrence} est déjà terminé.", occurrence=occ.id)
        if occ.series.members_only and not is_member:
            raise UserError("Ce café est réservé aux membres de la communauté.")
        async with self.core.db.session() as s:
            # Lock the occurrence so that two joins never both take the last place.
            await s.exec(
                select(CafeOccurrence.id).where(CafeOccurrence.id == occ.id).with_for_update()
            )
            regs = list(
                await s.exec(
                    select(CafeRegistration).where(CafeRegistration.occurrence_id == occ.id)
                )
            )
            mine = next((r for r in regs if r.member_id == member_id), None)
            if mine is not None and mine.status in (REGISTERED, WAITLISTED):
                already, status = True, mine.status
            else:
                taken = sum(1 for r in regs if r.status == REGISTERED)
                status = (
                    WAITLISTED
                    if occ.capacity is not None and taken >= occ.capacity
                    else REGISTERED
                )
                already = False
                if mine is not None and status == WAITLISTED and mine.checked_in_at:
                    # A walk-in already present at a full café: a waitlisted row never holds
                    # a check-in (stats and who count those alike), so they stay a walk-in.
                    raise UserError(
                        "Le café n° {occurrence} est complet ; votre présence est déjà notée "
                        "comme venue sans inscription : rien d'autre à faire.",
                        occurrence=occ.id,
                    )
                if mine is not None:  # a walk-in registering: keep the check-in
                    mine.status = status
                    s.add(mine)
                else:
                    s.add(
                        CafeRegistration(
                            occurrence_id=occ.id,
                            member_id=member_id,
                            status=status,
                            created_at=self.now,
                        )
                    )
        if status == REGISTERED and not already:
            await self.schedule_reminders(occ, [member_id])
        fresh = (await self._load([occ.id], member_id))[0]
        return JoinResult(fresh, status, fresh.my_position, already)

    async def leave(self, member_id: int, occurrence_id: int | None) -> Occurrence:
        if occurrence_id is None:
            mine = [
                o
                for o in await self.upcoming(member_id=member_id)
                if o.my_status in (REGISTERED, WAITLISTED) and o.starts_at > self.now
            ]
            if not mine:
                raise UserError("Vous n'êtes inscrit à aucun café à venir.")
            occ = mine[0]
        else:
            occ = await self.occurrence(occurrence_id, member_id)
        if occ.my_status not in (REGISTERED, WAITLISTED):
            raise UserError(
                "Vous n'êtes pas inscrit au café n° {occurrence} : rien à annuler.",
                occurrence=occ.id,
            )
        async with self.core.db.session() as s:
            await s.exec(
                select(CafeOccurrence.id).where(CafeOccurrence.id == occ.id).with_for_update()
            )
            reg = (
                await s.exec(
                    select(CafeRegistration).where(
                        CafeRegistration.occurrence_id == occ.id,
                        CafeRegistration.member_id == member_id,
                    )
                )
            ).first()
            if reg is not None and reg.checked_in_at is not None:
                # Already checked in: the seat is given back but the attendance stays true
                # (counted as a walk-in, in who and stats alike).
                reg.status = WALKIN
                s.add(reg)
            elif reg is not None:
                await s.delete(reg)
        await self.cancel_reminders(occ.id, [member_id])
        if occ.my_status == REGISTERED:
            await self._promote(occ.id)
        return (await self._load([occ.id], member_id))[0]

    async def _promote(self, occurrence_id: int) -> list[int]:
        """Fill free places from the waitlist, in order; tell each promoted member by DM."""
        promoted: list[int] = []
        async with self.core.db.session() as s:
            await s.exec(
                select(CafeOccurrence.id)
                .where(CafeOccurrence.id == occurrence_id)
                .with_for_update()
            )
            occ = await self._load_in(s, occurrence_id)
            if occ is None or occ.cancelled or occ.starts_at <= self.now:
                return []
            regs = list(
                await s.exec(
                    select(CafeRegistration)
                    .where(CafeRegistration.occurrence_id == occurrence_id)
                    .order_by(col(CafeRegistration.created_at), col(CafeRegistration.id))
                )
            )
            taken = sum(1 for r in regs if r.status == REGISTERED)
            free = (occ.capacity - taken) if occ.capacity is not None else len(regs)
            for reg in regs:
                if free <= 0:
                    break
                if reg.status == WAITLISTED:
                    reg.status = REGISTERED
                    s.add(reg)
                    promoted.append(reg.member_id)
                    free -= 1
        if promoted:
            occ = await self._load_in_new(occurrence_id)
            await self.schedule_reminders(occ, promoted)
            await self.core.outbox.enqueue_many(
                [
                    dict(
                        key=f"cafe-promoted:{occurrence_id}:{m}",
                        due_at=self.now,
                        kind=NOTICE,
                        data=self._notice_data(occ, "promoted"),
                        member_id=m,
                        fallback_room=self._fallback_room(occ),
                    )
                    for m in promoted
                ]
            )
        return promoted

    async def _load_in(self, s: Any, occurrence_id: int) -> Occurrence | None:
        pair = (
            await s.exec(
                select(CafeOccurrence, CafeSeries)
                .join(CafeSeries, col(CafeSeries.id) == col(CafeOccurrence.series_id))
                .where(CafeOccurrence.id == occurrence_id)
            )
        ).first()
        return Occurrence(pair[0], pair[1]) if pair else None

    async def _load_in_new(self, occurrence_id: int) -> Occurrence:
        return (await self._load([occurrence_id], None))[0]

    # --- reminders ------------------------------------------------------------------------------

    async def member_offsets(self, member_ids: list[int]) -> dict[int, list[int] | None]:
        """Each member's own offsets: a list, ``None`` (off), or absent (series default)."""
        if not member_ids:
            return {}
        async with self.core.db.session() as s:
            prefs = list(
                await s.exec(
                    select(CafePreference).where(col(CafePreference.member_id).in_(member_ids))
                )
            )
        return {
            p.member_id: None if p.offsets == "off" else _csv_seconds(p.offsets) for p in prefs
        }

    def _fallback_room(self, occ: Occurrence) -> RoomRef | None:
        return RoomRef.decode(occ.series.room) if self.settings.dm_fallback == "announce" else None

    def _reminder_data(self, occ: Occurrence, offset: int) -> dict[str, Any]:
        return {
            "occurrence": occ.id,
            "offset": offset,
            "title": occ.title,
            "topic": occ.row.topic,
            "host": occ.row.host,
            "starts_at": occ.starts_at.isoformat(),
            "minutes": occ.row.duration_minutes,
            "link": occ.link,
        }

    async def schedule_reminders(self, occ: Occurrence, member_ids: list[int]) -> int:
        """Queue each member's reminders for ``occ`` (past offsets are not queued)."""
        if occ.cancelled or not member_ids:
            return 0
        prefs = await self.member_offsets(member_ids)
        default = _csv_seconds(occ.series.reminders)
        now = self.now
        fallback = self._fallback_room(occ)
        items: list[dict[str, Any]] = []
        for member_id in member_ids:
            offsets = prefs.get(member_id, default)
            for offset in offsets or []:
                due = occ.starts_at - timedelta(seconds=offset)
                if due < now:
                    continue
                items.append(
                    dict(
                        key=f"cafe:{occ.id}:{offset}:{member_id}",
                        due_at=due,
                        kind=REMINDER,
                        data=self._reminder_data(occ, offset),
                        member_id=member_id,
                        fallback_room=fallback,
                    )
                )
        return await self.core.outbox.enqueue_many(items)

    async def cancel_reminders(self, occurrence_id: int, member_ids: list[int] | None) -> int:
        """Drop pending reminders of an occurrence (for some members, or all)."""
        if member_ids is None:
            return await self.core.outbox.cancel(prefix=f"cafe:{occurrence_id}:")
        wanted = {str(m) for m in member_ids}
        async with self.core.db.session() as s:
            keys = [
                k
                for k in await s.exec(
                    select(OutboxMessage.key).where(
                        OutboxMessage.status == "pending",
                        col(OutboxMessage.key).startswith(f"cafe:{occurrence_id}:"),
                    )
                )
                if k.rsplit(":", 1)[-1] in wanted
            ]
        return await self.core.outbox.cancel(*keys) if keys else 0

    async def set_preference(self, member_id: int, offsets: list[int] | str | None) -> None:
        """``offsets``: seconds, ``None`` for off, ``"default"`` to follow each series."""
        async with self.core.db.session() as s:
            await s.exec(  # type: ignore[call-overload]
                delete(CafePreference).where(CafePreference.member_id == member_id)
            )
            if offsets != "default":
                value = "off" if offsets is None else _seconds_csv(list(offsets))  # type: ignore[arg-type]
                s.add(CafePreference(member_id=member_id, offsets=value))
        # Re-queue this member's reminders for every upcoming café they are registered to.
        for occ in await self.upcoming(member_id=member_id, limit=100):
            if occ.my_status == REGISTERED and occ.starts_at > self.now:
                await self.cancel_reminders(occ.id, [member_id])
                await self.schedule_reminders(occ, [member_id])

    async def preference(self, member_id: int) -> list[int] | str | None:
        prefs = await self.member_offsets([member_id])
        return prefs.get(member_id, "default")

    # --- moderators: edit, topic, cancel ------------------------------------------------------

    def _notice_data(self, occ: Occurrence, change: str, **extra: Any) -> dict[str, Any]:
        return {
            "occurrence": occ.id,
            "change": change,
            "title": occ.title,
            "topic": occ.row.topic,
            "starts_at": occ.starts_at.isoformat(),
            "link": occ.link,
            **extra,
        }

    async def _members(self, occurrence_id: int, statuses: tuple[str, ...]) -> list[int]:
        async with self.core.db.session() as s:
            return list(
                await s.exec(
                    select(CafeRegistration.member_id).where(
                        CafeRegistration.occurrence_id == occurrence_id,
                        col(CafeRegistration.status).in_(statuses),
                    )
                )
            )

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
        occ = await self.occurrence(occurrence_id, None)
        if occ.cancelled:
            raise UserError("Le café n° {occurrence} est annulé.", occurrence=occ.id)
        if occ.starts_at <= self.now and when is not None:
            raise UserError(
                "Le café n° {occurrence} a déjà commencé : il ne peut plus être déplacé.",
                occurrence=occ.id,
            )
        changes: list[str] = []
        row = occ.row
        old_start = row.starts_at
        if when is not None:
            zone = occ.zone
            moved = parse_schedule(when, self.now.astimezone(zone).replace(tzinfo=None))
            if not moved.single:
                raise UserError(
                    "Pour déplacer un café, donnez une date et une heure, "
                    "par exemple « 2027-03-05 14:00 »."
                )
            row.starts_at = to_utc(moved.start, zone)
            row.moved = True
            changes.append("when")
        if capacity is not None:
            if capacity < 1:
                raise UserError(
                    "La capacité doit être d'au moins 1 place (ou laissez-la vide : illimitée)."
                )
            row.capacity = capacity
            changes.append("capacity")
        if link is not None:
            link = link.strip()
            if link and not link.startswith(("https://", "http://")):
                raise UserError(
                    "Le lien de visio doit commencer par https:// (reçu : « {link} »).",
                    link=link[:60],
                )
            row.link = link
            changes.append("link")
        for name, value in (("topic", topic), ("description", description), ("host", host)):
            if value is not None:
                setattr(row, name, value.strip())
                changes.append(name)
        if duration is not None:
            row.duration_minutes = duration
            changes.append("duration")
        if not changes:
            raise UserError(
                "Rien à modifier : donnez au moins une option (topic, when, link, capacity…)."
            )
        row.revision += 1
        async with self.core.db.session() as s:
            s.add(row)
        await self._after_change(occ.id, changes, old_start)
        return await self._load_in_new(occ.id), changes

    async def _after_change(
        self, occurrence_id: int, changes: list[str], old_start: datetime
    ) -> None:
        """Re-queue reminders (they carry time, title, topic and link), move the start
        announcement, tell registered and waitlisted members, promote on more places."""
        fresh = await self._load_in_new(occurrence_id)
        registered = await self._members(occurrence_id, (REGISTERED,))
        await self.cancel_reminders(occurrence_id, None)
        await self.schedule_reminders(fresh, registered)
        if fresh.row.starts_at != old_start:
            await self.core.outbox.cancel(prefix=f"cafe-start:{occurrence_id}:")
            await self.core.outbox.enqueue_many(
                [self._start_item(fresh.row, RoomRef.decode(fresh.series.room))]
            )
        notify = [c for c in changes if c not in ("capacity", "reminders")]
        if notify:
            await self._notify(
                fresh,
                "moved" if "when" in changes else "edited",
                registered,
                await self._members(occurrence_id, (WAITLISTED,)),
                old=old_start.isoformat(),
                changes=notify,
            )
        if "capacity" in changes:
            await self._promote(occurrence_id)

    async def edit_series(
        self,
        occurrence_id: int,
        *,
        title: str | None = None,
        link: str | None = None,
        capacity: int | None = None,
        duration: int | None = None,
        reminders: str | None = None,
    ) -> tuple[CafeSeries, list[str], int]:
        """Change the series of ``occurrence_id`` and every occurrence not yet started (their
        own link and capacity give way to the series'). Returns (series, changes, count)."""
        occ = await self.occurrence(occurrence_id, None)
        series = occ.series
        changes: list[str] = []
        if title is not None and title.strip():
            series.title = title.strip()[:200]
            changes.append("title")
        if link is not None:
            link = link.strip()
            if link and not link.startswith(("https://", "http://")):
                raise UserError(
                    "Le lien de visio doit commencer par https:// (reçu : « {link} »).",
                    link=link[:60],
                )
            series.link = link
            changes.append("link")
        if capacity is not None:
            if capacity < 1:
                raise UserError(
                    "La capacité doit être d'au moins 1 place (ou laissez-la vide : illimitée)."
                )
            series.capacity = capacity
            changes.append("capacity")
        if duration is not None:
            series.duration_minutes = duration
            changes.append("duration")
        if reminders is not None:
            series.reminders = _seconds_csv(offsets_text_to_seconds(reminders))
            changes.append("reminders")
        if not changes:
            raise UserError(
                "Rien à modifier : donnez au moins une option (topic, when, link, capacity…)."
            )
        upcoming = [
            o
            for o in await self.upcoming(series_id=series.id, include_cancelled=False, limit=100)
            if o.starts_at > self.now
        ]
        async with self.core.db.session() as s:
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
            await self._after_change(item.id, changes, item.row.starts_at)
        return series, changes, len(upcoming)

    async def cancel(self, occurrence_id: int) -> Occurrence:
        occ = await self.occurrence(occurrence_id, None)
        if occ.cancelled:
            return occ
        if occ.ends_at <= self.now:
            raise UserError("Le café n° {occurrence} est déjà terminé.", occurrence=occ.id)
        occ.row.status = CANCELLED
        occ.row.revision += 1
        async with self.core.db.session() as s:
            s.add(occ.row)
        await self.cancel_reminders(occ.id, None)
        await self.core.outbox.cancel(prefix=f"cafe-start:{occ.id}:")
        registered = await self._members(occ.id, (REGISTERED,))
        waitlisted = await self._members(occ.id, (WAITLISTED,))
        fresh = await self._load_in_new(occ.id)
        await self._notify(fresh, "cancelled", registered, waitlisted)
        return fresh

    async def end_series(self, occurrence_id: int) -> tuple[Occurrence, int]:
        """Stop a whole series: no more occurrences; its upcoming ones are cancelled (members
        told by DM, reminders dropped). Returns one of its occurrences and how many were
        cancelled."""
        occ = await self.occurrence(occurrence_id, None)
        upcoming = [
            o
            for o in await self.upcoming(
                series_id=occ.row.series_id, limit=1000, include_cancelled=False
            )
            if o.starts_at > self.now
        ]
        async with self.core.db.session() as s:
            series = await s.get(CafeSeries, occ.row.series_id)
            if series is not None:
                series.active = False
                s.add(series)
        for item in upcoming:
            await self.cancel(item.id)
        return occ, len(upcoming)

    async def _notify(
        self,
        occ: Occurrence,
        change: str,
        registered: list[int],
        waitlisted: list[int],
        **extra: Any,
    ) -> int:
        """Tell members of a change. Only registered members' notices carry the video link:
        a waitlisted member has no seat, so the stored row itself holds no link for them."""
        data = self._notice_data(occ, change, **extra)
        waiting = {**data, "link": "", "waitlisted": True}
        return await self.core.outbox.enqueue_many(
            [
                dict(
                    key=f"cafe-notice:{occ.id}:{occ.row.revision}:{m}",
                    due_at=self.now,
                    kind=NOTICE,
                    data=payload,
                    member_id=m,
                    fallback_room=self._fallback_room(occ),
                )
                for members, payload in ((registered, data), (waitlisted, waiting))
                for m in members
            ]
        )

    async def status_of(self, occurrence_id: int, member_id: int) -> str | None:
        """The member's registration status for an occurrence now (None: not listed)."""
        async with self.core.db.session() as s:
            return (
                await s.exec(
                    select(CafeRegistration.status).where(
                        CafeRegistration.occurrence_id == occurrence_id,
                        CafeRegistration.member_id == member_id,
                    )
                )
            ).first()

    # --- check-in, who, stats -----------------------------------------------------------------

    async def check_in(self, member_id: int) -> CheckIn:
        """Check in to the café open now (10 min before → end).

        A registered member or a walk-in is marked present. A waitlisted member takes a free
        seat if there is one (registered and present); if the café is full they stay on the
        waitlist and nothing is recorded as attendance — a waitlisted row never carries a
        check-in, so ``cafe who`` and ``cafe stats`` count the same people."""
        now = self.now
        before = timedelta(minutes=self.settings.checkin_before)
        candidates = [
            o
            for o in await self.upcoming(member_id=member_id, include_cancelled=False)
            if o.starts_at - before <= now < o.ends_at
        ]
        if not candidates:
            upcoming = [
                o for o in await self.upcoming(include_cancelled=False) if o.starts_at > now
            ]
            raise CheckInClosed(upcoming[0].starts_at if upcoming else None)
        occ = next((o for o in candidates if o.my_status == REGISTERED), candidates[0])
        seated = False
        async with self.core.db.session() as s:
            # Lock the occurrence: a waitlisted member taking the last seat races joins.
            await s.exec(
                select(CafeOccurrence.id).where(CafeOccurrence.id == occ.id).with_for_update()
            )
            regs = list(
                await s.exec(
                    select(CafeRegistration)
                    .where(CafeRegistration.occurrence_id == occ.id)
                    .order_by(col(CafeRegistration.created_at), col(CafeRegistration.id))
                )
            )
            reg = next((r for r in regs if r.member_id == member_id), None)
            if reg is not None and reg.checked_in_at is not None:
                return CheckIn(occ, already=True)
            if reg is None:
                reg = CafeRegistration(
                    occurrence_id=occ.id, member_id=member_id, status=WALKIN, created_at=now
                )
            elif reg.status == WAITLISTED:
                taken = sum(1 for r in regs if r.status == REGISTERED)
                if occ.capacity is not None and taken >= occ.capacity:
                    queue = [r.member_id for r in regs if r.status == WAITLISTED]
                    raise UserError(
                        "Le café n° {occurrence} est complet : vous êtes {position}ᵉ sur la "
                        "liste d'attente, votre présence n'est donc pas notée. Si une place se "
                        "libère, tapez à nouveau cafe here.",
                        occurrence=occ.id,
                        position=queue.index(member_id) + 1,
                    )
                reg.status = REGISTERED
                seated = True
            reg.checked_in_at = now
            s.add(reg)
        fresh = (await self._load([occ.id], member_id))[0]
        if seated:
            await self.schedule_reminders(fresh, [member_id])
        return CheckIn(fresh, already=False, seated=seated)

    async def who(self, occurrence_id: int | None) -> Who:
        occ = await self.occurrence(occurrence_id, None)
        result = Who(occ)
        async with self.core.db.session() as s:
            for reg in await s.exec(
                select(CafeRegistration)
                .where(CafeRegistration.occurrence_id == occ.id)
                .order_by(col(CafeRegistration.created_at), col(CafeRegistration.id))
            ):
                if reg.status == REGISTERED:
                    result.registered.append((reg.member_id, reg.checked_in_at is not None))
                elif reg.status == WAITLISTED:
                    result.waitlisted.append(reg.member_id)
                else:
                    result.walkins.append(reg.member_id)
        return result

    async def stats(self, limit: int = 12) -> list[OccurrenceStats]:
        """Past (started) occurrences, most recent first."""
        now = self.now
        async with self.core.db.session() as s:
            ids = list(
                await s.exec(
                    select(CafeOccurrence.id)
                    .where(CafeOccurrence.starts_at <= now, CafeOccurrence.status == SCHEDULED)
                    .order_by(col(CafeOccurrence.starts_at).desc())
                    .limit(limit)
                )
            )
            rows = list(await s.exec(_registration_counts(ids)))
        loaded = {o.id: o for o in await self._load(ids, None)}
        table: dict[int, OccurrenceStats] = {
            i: OccurrenceStats(loaded[i], 0, 0, 0, 0) for i in ids if i in loaded
        }
        for occ_id, status, count, checked in rows:
            st = table[occ_id]
            if status == REGISTERED:
                st.registered, st.attended = count, checked
            elif status == WAITLISTED:
                st.waitlisted = count
            else:
                st.walkins = checked
        return sorted(table.values(), key=lambda x: x.occurrence.starts_at, reverse=True)

    async def series_for(self, occurrence_id: int | None, member_id: int | None) -> Occurrence:
        return await self.occurrence(occurrence_id, member_id)

    async def series_occurrences(self, series_id: int) -> list[CafeOccurrence]:
        async with self.core.db.session() as s:
            return list(
                await s.exec(
                    select(CafeOccurrence)
                    .where(CafeOccurrence.series_id == series_id)
                    .order_by(col(CafeOccurrence.starts_at))
                )
            )

    # --- privacy ---------------------------------------------------------------------------------

    async def export_member(self, member_id: int) -> dict[str, Any]:
        async with self.core.db.session() as s:
            regs = list(
                await s.exec(
                    select(CafeRegistration).where(CafeRegistration.member_id == member_id)
                )
            )
            pref = await s.get(CafePreference, member_id)
        return {
            "registrations": [
                {
                    "occurrence": r.occurrence_id,
                    "status": r.status,
                    "registered_at": r.created_at.isoformat(),
                    "checked_in_at": r.checked_in_at.isoformat() if r.checked_in_at else None,
                }
                for r in regs
            ],
            "reminders": pref.offsets if pref else "default",
        }

    async def forget_member(self, member_id: int) -> None:
        """Delete the member's registrations and preference. Each seat they held frees up
        exactly as if they had left: the waitlist is promoted (and told by DM)."""
        async with self.core.db.session() as s:
            seats = list(
                await s.exec(
                    select(CafeRegistration.occurrence_id).where(
                        CafeRegistration.member_id == member_id,
                        CafeRegistration.status == REGISTERED,
                    )
                )
            )
            await s.exec(  # type: ignore[call-overload]
                delete(CafeRegistration).where(CafeRegistration.member_id == member_id)
            )
            await s.exec(  # type: ignore[call-overload]
                delete(CafePreference).where(CafePreference.member_id == member_id)
            )
        for occurrence_id in seats:
            await self.cancel_reminders(occurrence_id, [member_id])
            await self._promote(occurrence_id)  # past or cancelled ones: nothing to do

    async def merge_members(self, kept: int, merged: int) -> None:
        async with self.core.db.session() as s:
            kept_occ = set(
                await s.exec(
                    select(CafeRegistration.occurrence_id).where(
                        CafeRegistration.member_id == kept
                    )
                )
            )
            for reg in list(
                await s.exec(select(CafeRegistration).where(CafeRegistration.member_id == merged))
            ):
                if reg.occurrence_id in kept_occ:
                    await s.delete(reg)
                else:
                    reg.member_id = kept
                    s.add(reg)
            pref = await s.get(CafePreference, merged)
            if pref is not None:
                if await s.get(CafePreference, kept) is None:
                    s.add(CafePreference(member_id=kept, offsets=pref.offsets))
                await s.delete(pref)


def _registration_counts(occurrence_ids: list[int]) -> Any:
    """(occurrence, status, registrations, check-ins) for each occurrence and status."""
    return (
        select(
            CafeRegistration.occurrence_id,
            CafeRegistration.status,
            func.count(),
            func.count(col(CafeRegistration.checked_in_at)),
        )
        .where(col(CafeRegistration.occurrence_id).in_(occurrence_ids))
        .group_by(col(CafeRegistration.occurrence_id), col(CafeRegistration.status))
    )
