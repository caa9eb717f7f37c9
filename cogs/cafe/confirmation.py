"""Attendance confirmation: "Toujours là ?" before a café, and unconfirmed seats given back.

A series with ``confirm_before`` asks each registered member, that long before the start, to
confirm (``cafe confirm``) or free their seat (``cafe release``). With ``release_unconfirmed``,
at ``release_before`` the start a job frees the seats of members who were asked and did not
answer — only as many as there are people waiting, latest registrations first — so the
waitlist is promoted (told by DM, with the link) and each released member is told (DM, with a
way back onto the waitlist). Nothing is released when nobody waits.

Everything goes through the core outbox, so a restart loses nothing and two processes never
run it twice:

- ``cafe-confirm:{occurrence}:{start timestamp}:{member}``   the "Toujours là ?" DM
- ``cafe-release:{occurrence}:{start timestamp}:{seconds}``  the release job (a room row that
  sends nothing: its renderer frees the seats and queues the DMs)
- ``cafe-released:{occurrence}:{start timestamp}:{member}``  "your seat went to the waitlist"

A member who registers once the question has gone out counts as confirmed (registering is the
answer); one promoted from the waitlist after it is not asked, and keeps the seat.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, update
from sqlmodel import col, select

from bot.core import RoomRef, UserError
from cogs.cafe import queries
from cogs.cafe.domain import REGISTERED, WAITLISTED, Occurrence
from cogs.cafe.models import CafeRegistration

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from bot.core.outbox import Outbox
    from bot.scheduling import Clock
    from bot.storage.db import Database
    from cogs.cafe.occurrences import Occurrences
    from cogs.cafe.registration import Registration
    from cogs.cafe.reminders import Reminders

# Outbox kinds: the cog registers one renderer for each.
REQUEST, RELEASE, RELEASED = "cafe.confirm", "cafe.release", "cafe.released"


# --- keys ---------------------------------------------------------------------------------------


def _ts(starts_at: datetime) -> int:
    return int(starts_at.timestamp())


def request_prefix(occurrence_id: int) -> str:
    return f"cafe-confirm:{occurrence_id}:"


def request_key(occurrence_id: int, starts_at: datetime, member_id: int) -> str:
    return f"{request_prefix(occurrence_id)}{_ts(starts_at)}:{member_id}"


def release_prefix(occurrence_id: int) -> str:
    return f"cafe-release:{occurrence_id}:"


def release_key(occurrence_id: int, starts_at: datetime, before: int) -> str:
    return f"{release_prefix(occurrence_id)}{_ts(starts_at)}:{before}"


def released_key(occurrence_id: int, starts_at: datetime, member_id: int) -> str:
    return f"cafe-released:{occurrence_id}:{_ts(starts_at)}:{member_id}"


def asked_at(occ: Occurrence) -> datetime | None:
    """When the series asks its registrants (None: it does not)."""
    before = occ.series.confirm_before
    return None if before is None else occ.starts_at - timedelta(seconds=before)


def deadline(occ: Occurrence) -> datetime | None:
    """When unconfirmed seats go back (None: never)."""
    if not occ.series.release_unconfirmed or occ.series.confirm_before is None:
        return None
    return occ.starts_at - timedelta(seconds=occ.series.release_before)


def answered_by_joining(occ: Occurrence, now: datetime) -> bool:
    """Registering once the question has gone out counts as confirming."""
    when = asked_at(occ)
    return when is not None and now >= when


# --- queued items -------------------------------------------------------------------------------


def items(
    occ: Occurrence, member_ids: list[int], now: datetime, fallback: RoomRef | None
) -> list[dict[str, Any]]:
    """The question for each member (if still to come) and the occurrence's release job."""
    when = asked_at(occ)
    if when is None or occ.cancelled:
        return []
    data = {"occurrence": occ.id, "starts_at": occ.starts_at.isoformat()}
    out: list[dict[str, Any]] = []
    if when >= now:
        out += [
            dict(
                key=request_key(occ.id, occ.starts_at, m),
                due_at=when,
                kind=REQUEST,
                data=data,
                member_id=m,
                fallback_room=fallback,
            )
            for m in member_ids
        ]
    due = deadline(occ)
    if due is not None and due >= now and member_ids:
        out.append(
            dict(
                key=release_key(occ.id, occ.starts_at, occ.series.release_before),
                due_at=due,
                kind=RELEASE,
                data={**data, "before": occ.series.release_before},
                room=RoomRef.decode(occ.series.room),
            )
        )
    return out


# --- SQL ----------------------------------------------------------------------------------------


async def confirmed_counts(s: AsyncSession, occurrence_ids: list[int]) -> dict[int, int]:
    """Registered members who confirmed, per occurrence."""
    rows = await s.exec(
        select(CafeRegistration.occurrence_id, func.count())
        .where(
            col(CafeRegistration.occurrence_id).in_(occurrence_ids),
            CafeRegistration.status == REGISTERED,
            col(CafeRegistration.confirmed_at).is_not(None),
        )
        .group_by(col(CafeRegistration.occurrence_id))
    )
    return {occ: int(count) for occ, count in rows}


async def reset(s: AsyncSession, occurrence_id: int) -> None:
    """A moved café asks again: answers given for the old date no longer hold."""
    await s.exec(
        update(CafeRegistration)
        .where(col(CafeRegistration.occurrence_id) == occurrence_id)
        .values(confirmed_at=None, confirm_asked_at=None)
    )


# --- use cases ----------------------------------------------------------------------------------


class Confirmation:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        outbox: Outbox,
        occurrences: Occurrences,
        registration: Registration,
        reminders: Reminders,
    ) -> None:
        self.db = db
        self.clock = clock
        self.outbox = outbox
        self.occurrences = occurrences
        self.registration = registration
        self.reminders = reminders

    async def _target(self, member_id: int, occurrence_id: int | None) -> Occurrence:
        """The given café, or the next one the member holds a seat at; open for answers."""
        now = self.clock.now()
        if occurrence_id is None:
            mine = [
                o
                for o in await self.occurrences.upcoming(member_id=member_id)
                if o.my_status in (REGISTERED, WAITLISTED) and o.starts_at > now
            ]
            if not mine:
                raise UserError("Vous n'êtes inscrit à aucun café à venir.")
            occ = mine[0]
        else:
            occ = await self.occurrences.occurrence(occurrence_id, member_id)
        if occ.cancelled:
            raise UserError("Le café n° {occurrence} est annulé.", occurrence=occ.id)
        if occ.starts_at <= now:
            raise UserError(
                "Le café n° {occurrence} a déjà commencé : il n'y a plus de place à confirmer "
                "ou à libérer. Pour pointer votre présence : cafe here.",
                occurrence=occ.id,
            )
        return occ

    async def confirm(self, member_id: int, occurrence_id: int | None) -> tuple[Occurrence, bool]:
        """Record "Oui". Returns the occurrence and whether it was already confirmed."""
        occ = await self._target(member_id, occurrence_id)
        async with self.db.session() as s:
            # Serialised with the release job: an answer just before the deadline counts.
            await queries.lock_occurrence(s, occ.id)
            reg = await queries.registration(s, occ.id, member_id)
            if reg is None or reg.status not in (REGISTERED, WAITLISTED):
                raise UserError(
                    "Vous n'êtes pas inscrit au café n° {occurrence} : rien à confirmer. "
                    "Pour vous inscrire : cafe join occurrence:{occurrence}.",
                    occurrence=occ.id,
                )
            if reg.status == WAITLISTED:
                raise UserError(
                    "Vous êtes sur la liste d'attente du café n° {occurrence} : rien à "
                    "confirmer tant que vous n'avez pas de place. Je vous écris si une place "
                    "se libère.",
                    occurrence=occ.id,
                )
            already = reg.confirmed_at is not None
            if not already:
                reg.confirmed_at = self.clock.now()
                s.add(reg)
        # The question is answered: it need not go out any more.
        await self.outbox.cancel(request_key(occ.id, occ.starts_at, member_id))
        return await self.occurrences.occurrence(occ.id, member_id), already

    async def release(self, member_id: int, occurrence_id: int | None) -> tuple[Occurrence, bool]:
        """ "Je libère ma place": exactly ``cafe leave`` (the waitlist is promoted and told).
        Returns the occurrence and whether the member held a seat (or only waited)."""
        occ = await self._target(member_id, occurrence_id)
        had_seat = occ.my_status == REGISTERED
        return await self.registration.leave(member_id, occ.id), had_seat

    async def asking(
        self, occurrence_id: int, member_id: int, starts_at: str
    ) -> Occurrence | None:
        """At send time of the question: the occurrence if it is still to be asked (stamps
        when it was), else None (left, confirmed, moved, cancelled)."""
        occ = await self.occurrences.find(occurrence_id)
        if occ is None or occ.cancelled or occ.starts_at.isoformat() != starts_at:
            return None
        async with self.db.session() as s:
            reg = await queries.registration(s, occurrence_id, member_id)
            if reg is None or reg.status != REGISTERED or reg.confirmed_at is not None:
                return None
            if reg.confirm_asked_at is None:
                reg.confirm_asked_at = self.clock.now()
                s.add(reg)
        return occ

    async def release_unconfirmed(
        self, occurrence_id: int, starts_at: str, before: int
    ) -> list[int]:
        """The release job: give the seats of asked, unconfirmed members to the waitlist (as
        many as wait, latest registrations first), then promote and tell everyone. Runs on
        the current state, so running it again changes nothing."""
        now = self.clock.now()
        released: list[int] = []
        async with self.db.session() as s:
            await queries.lock_occurrence(s, occurrence_id)
            occ = await self.occurrences.load_in(s, occurrence_id)
            if (
                occ is None
                or occ.cancelled
                or occ.starts_at.isoformat() != starts_at
                or occ.starts_at <= now
                or deadline(occ) is None
                or occ.series.release_before != before
            ):
                return []
            regs = await queries.registrations(s, occurrence_id)
            waiting = sum(1 for r in regs if r.status == WAITLISTED)
            unconfirmed = [
                r
                for r in regs
                if r.status == REGISTERED
                and r.confirmed_at is None
                and r.confirm_asked_at is not None
                and r.checked_in_at is None
            ]
            for reg in reversed(unconfirmed):
                if len(released) >= waiting:
                    break
                released.append(reg.member_id)
                await s.delete(reg)
        if not released:
            return []
        for member_id in released:
            await self.reminders.cancel(occurrence_id, [member_id])
        fresh = await self.occurrences.fresh(occurrence_id)
        await self.outbox.enqueue_many(
            [
                dict(
                    key=released_key(occurrence_id, fresh.starts_at, m),
                    due_at=now,
                    kind=RELEASED,
                    data={"occurrence": occurrence_id, "starts_at": starts_at},
                    member_id=m,
                    fallback_room=self.reminders.fallback_room(fresh),
                )
                for m in released
            ]
        )
        await self.registration.promote(occurrence_id)
        return released
