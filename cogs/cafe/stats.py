"""Who is coming (moderators' list) and attendance figures."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.cafe import queries
from cogs.cafe.domain import REGISTERED, WAITLISTED, OccurrenceStats, Who

if TYPE_CHECKING:
    from bot.core.members import MemberService
    from bot.scheduling import Clock
    from bot.storage.db import Database
    from cogs.cafe.occurrences import Occurrences


class Attendance:
    def __init__(
        self, *, db: Database, clock: Clock, members: MemberService, occurrences: Occurrences
    ) -> None:
        self.db = db
        self.clock = clock
        self.members = members
        self.occurrences = occurrences

    async def who(self, occurrence_id: int | None) -> Who:
        """Registered (with check-ins), waitlisted in order, walk-ins; with display names."""
        occ = await self.occurrences.occurrence(occurrence_id, None)
        result = Who(occ)
        async with self.db.session() as s:
            for reg in await queries.registrations(s, occ.id):
                if reg.status == REGISTERED:
                    result.registered.append((reg.member_id, reg.checked_in_at is not None))
                    if reg.confirmed_at is not None:
                        result.confirmed.add(reg.member_id)
                elif reg.status == WAITLISTED:
                    result.waitlisted.append(reg.member_id)
                else:
                    result.walkins.append(reg.member_id)
        result.names = await self.members.names(result.member_ids)
        return result

    async def stats(self, limit: int = 12) -> list[OccurrenceStats]:
        """Past (started) occurrences, most recent first."""
        async with self.db.session() as s:
            ids = await queries.started_ids(s, self.clock.now(), limit)
            rows = await queries.counts(s, ids)
        loaded = {o.id: o for o in await self.occurrences.load(ids, None)}
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
