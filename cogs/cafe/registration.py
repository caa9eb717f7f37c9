"""Registration: join (or the waitlist), leave, promotion from the waitlist, check-in.

Each change of seats locks the occurrence row first, so two members never both take the
last place, even through two bot processes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot.core import UserError
from cogs.cafe import queries
from cogs.cafe.confirmation import answered_by_joining
from cogs.cafe.domain import (
    REGISTERED,
    WAITLISTED,
    WALKIN,
    Change,
    CheckIn,
    CheckInClosed,
    JoinResult,
    Occurrence,
    RegistrationStatus,
)
from cogs.cafe.models import CafeRegistration
from cogs.cafe.reminders import NOTICE, notice_data, promoted_key
from cogs.cafe.settings import CafeSettings

if TYPE_CHECKING:
    from bot.core.outbox import Outbox
    from bot.scheduling import Clock
    from bot.storage.db import Database
    from cogs.cafe.occurrences import Occurrences
    from cogs.cafe.reminders import Reminders


class Registration:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        outbox: Outbox,
        settings: CafeSettings,
        occurrences: Occurrences,
        reminders: Reminders,
    ) -> None:
        self.db = db
        self.clock = clock
        self.outbox = outbox
        self.settings = settings
        self.occurrences = occurrences
        self.reminders = reminders

    async def join(
        self, member_id: int, occurrence_id: int | None, *, is_member: bool
    ) -> JoinResult:
        occ = await self.occurrences.occurrence(occurrence_id, member_id)
        now = self.clock.now()
        if occ.cancelled:
            raise UserError("Le café n° {occurrence} est annulé.", occurrence=occ.id)
        if occ.ends_at <= now:
            raise UserError("Le café n° {occurrence} est déjà terminé.", occurrence=occ.id)
        if occ.series.members_only and not is_member:
            raise UserError("Ce café est réservé aux membres de la communauté.")
        async with self.db.session() as s:
            await queries.lock_occurrence(s, occ.id)
            regs = await queries.registrations(s, occ.id)
            mine = next((r for r in regs if r.member_id == member_id), None)
            status: RegistrationStatus
            if mine is not None and mine.status in (REGISTERED, WAITLISTED):
                already, status = True, RegistrationStatus(mine.status)
            else:
                taken = sum(1 for r in regs if r.status == REGISTERED)
                full = occ.capacity is not None and taken >= occ.capacity
                status = WAITLISTED if full else REGISTERED
                already = False
                if mine is not None and status == WAITLISTED and mine.checked_in_at:
                    # A walk-in already present at a full café: a waitlisted row never holds
                    # a check-in (stats and who count those alike), so they stay a walk-in.
                    raise UserError(
                        "Le café n° {occurrence} est complet ; votre présence est déjà notée "
                        "comme venue sans inscription : rien d'autre à faire.",
                        occurrence=occ.id,
                    )
                # Registering once "Toujours là ?" has gone out is itself the answer.
                confirmed = now if status == REGISTERED and answered_by_joining(occ, now) else None
                if mine is not None:  # a walk-in registering: keep the check-in
                    mine.status = status
                    mine.confirmed_at = confirmed
                    s.add(mine)
                else:
                    s.add(
                        CafeRegistration(
                            occurrence_id=occ.id,
                            member_id=member_id,
                            status=status,
                            created_at=self.clock.now(),
                            confirmed_at=confirmed,
                        )
                    )
        if status == REGISTERED and not already:
            await self.reminders.schedule(occ, [member_id])
        fresh = (await self.occurrences.load([occ.id], member_id))[0]
        return JoinResult(fresh, status, fresh.my_position, already)

    async def leave(self, member_id: int, occurrence_id: int | None) -> Occurrence:
        if occurrence_id is None:
            mine = [
                o
                for o in await self.occurrences.upcoming(member_id=member_id)
                if o.my_status in (REGISTERED, WAITLISTED) and o.starts_at > self.clock.now()
            ]
            if not mine:
                raise UserError("Vous n'êtes inscrit à aucun café à venir.")
            occ = mine[0]
        else:
            occ = await self.occurrences.occurrence(occurrence_id, member_id)
        if occ.my_status not in (REGISTERED, WAITLISTED):
            raise UserError(
                "Vous n'êtes pas inscrit au café n° {occurrence} : rien à annuler.",
                occurrence=occ.id,
            )
        async with self.db.session() as s:
            await queries.lock_occurrence(s, occ.id)
            reg = await queries.registration(s, occ.id, member_id)
            if reg is not None and reg.checked_in_at is not None:
                # Already checked in: the seat is given back but the attendance stays true
                # (counted as a walk-in, in who and stats alike).
                reg.status = WALKIN
                s.add(reg)
            elif reg is not None:
                await s.delete(reg)
        await self.reminders.cancel(occ.id, [member_id])
        if occ.my_status == REGISTERED:
            await self.promote(occ.id)
        return (await self.occurrences.load([occ.id], member_id))[0]

    async def promote(self, occurrence_id: int) -> list[int]:
        """Fill free places from the waitlist, in order; tell each promoted member by DM."""
        promoted: list[int] = []
        async with self.db.session() as s:
            await queries.lock_occurrence(s, occurrence_id)
            found = await self.occurrences.load_in(s, occurrence_id)
            if found is None or found.cancelled or found.starts_at <= self.clock.now():
                return []
            regs = await queries.registrations(s, occurrence_id)
            taken = sum(1 for r in regs if r.status == REGISTERED)
            free = (found.capacity - taken) if found.capacity is not None else len(regs)
            for reg in regs:
                if free <= 0:
                    break
                if reg.status == WAITLISTED:
                    reg.status = REGISTERED
                    s.add(reg)
                    promoted.append(reg.member_id)
                    free -= 1
        if promoted:
            occ = await self.occurrences.fresh(occurrence_id)
            await self.reminders.schedule(occ, promoted)
            await self.outbox.enqueue_many(
                [
                    dict(
                        key=promoted_key(occurrence_id, m),
                        due_at=self.clock.now(),
                        kind=NOTICE,
                        data=notice_data(occ, Change.PROMOTED),
                        member_id=m,
                        fallback_room=self.reminders.fallback_room(occ),
                    )
                    for m in promoted
                ]
            )
        return promoted

    async def check_in(self, member_id: int) -> CheckIn:
        """Check in to the café open now (10 min before → end).

        A registered member or a walk-in is marked present. A waitlisted member takes a free
        seat if there is one (registered and present); if the café is full they stay on the
        waitlist and nothing is recorded as attendance — a waitlisted row never carries a
        check-in, so ``cafe who`` and ``cafe stats`` count the same people."""
        now = self.clock.now()
        before = timedelta(minutes=self.settings.checkin_before)
        candidates = [
            o
            for o in await self.occurrences.upcoming(member_id=member_id, include_cancelled=False)
            if o.starts_at - before <= now < o.ends_at
        ]
        if not candidates:
            upcoming = [
                o
                for o in await self.occurrences.upcoming(include_cancelled=False)
                if o.starts_at > now
            ]
            raise CheckInClosed(upcoming[0].starts_at if upcoming else None)
        occ = next((o for o in candidates if o.my_status == REGISTERED), candidates[0])
        seated = False
        async with self.db.session() as s:
            # Lock the occurrence: a waitlisted member taking the last seat races joins.
            await queries.lock_occurrence(s, occ.id)
            regs = await queries.registrations(s, occ.id)
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
                        "Le café n° {occurrence} est complet : vous êtes en position "
                        "{position} sur la liste d'attente, votre présence n'est donc pas "
                        "notée. Si une place se libère, tapez à nouveau cafe here.",
                        occurrence=occ.id,
                        position=queue.index(member_id) + 1,
                    )
                reg.status = REGISTERED
                seated = True
            reg.checked_in_at = now
            s.add(reg)
        fresh = (await self.occurrences.load([occ.id], member_id))[0]
        if seated:
            await self.reminders.schedule(fresh, [member_id])
        return CheckIn(fresh, already=False, seated=seated)
