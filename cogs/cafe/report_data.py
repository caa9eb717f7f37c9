"""What a session report holds, gathered from the database (nothing of it is stored).

Attendance: registered (a seat), confirmed ("Toujours là ?" → Oui), present (checked in or
answered an activity, ``LiveSessions.presence``), first-timers (present now, never present at
an earlier café of any series) and no-shows (registered, not present; their rate is for
moderators only). Activities: each one's ``ActivityReport`` from its provider, participation
counted against those present. Links: those members posted in the café's room while the
session ran (``CafeSharedLink``), with who posted them.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import col, select

from bot.core import ActivityReport, Translator, UserError
from bot.core.activities import Cell
from cogs.cafe.domain import REGISTERED, Occurrence
from cogs.cafe.models import CafeOccurrence, CafeRegistration, CafeSession, CafeSharedLink

if TYPE_CHECKING:
    from bot.core.members import MemberService
    from bot.storage.db import Database
    from cogs.cafe.live import LiveSessions


@dataclass(frozen=True, slots=True)
class CsvTable:
    """One CSV file of the report's zip: ``name`` without extension."""

    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True, slots=True)
class ReportSection:
    """A part of the report another feature contributes (the quiz leaderboard, questions from
    the floor…): a title, chat lines (markdown subset), optionally its own HTML fragment
    (already escaped; empty: the lines are shown) and CSV tables for the zip."""

    title: str
    lines: tuple[str, ...]
    html: str = ""
    csv_tables: tuple[CsvTable, ...] = ()


#: A section provider: given the occurrence and the reader's translator, its section (None:
#: nothing to show for this café). See the hook in ``cogs/cafe/report.py``.
SectionProvider = Callable[[int, Translator], Awaitable[ReportSection | None]]


@dataclass(frozen=True, slots=True)
class Attendance:
    registered: int
    confirmed: int
    present: int
    first_timers: int
    no_shows: int

    @property
    def no_show_rate(self) -> float | None:
        return self.no_shows / self.registered if self.registered else None


@dataclass(frozen=True, slots=True)
class SharedLink:
    url: str
    by: str


@dataclass(slots=True)
class SessionReport:
    occurrence: Occurrence
    attendance: Attendance
    activities: list[ActivityReport]
    links: list[SharedLink]
    sections: list[ReportSection] = field(default_factory=list)
    moderator: bool = False  # the moderators' version: with the no-show rate
    ended_at: datetime | None = None


class ReportData:
    def __init__(self, *, db: Database, members: MemberService, live: LiveSessions) -> None:
        self.db = db
        self.members = members
        self.live = live

    async def session(self, occurrence_id: int) -> CafeSession:
        async with self.db.session() as s:
            row = await s.get(CafeSession, occurrence_id)
        if row is None:
            raise UserError(
                "Le café n° {occurrence} n'a pas été mené en direct : il n'a pas de compte-rendu.",
                occurrence=occurrence_id,
            )
        if row.ended_at is None:
            raise UserError(
                "Le café n° {occurrence} est encore en cours : son compte-rendu sera prêt "
                "après cafe end.",
                occurrence=occurrence_id,
            )
        return row

    async def collect(
        self, occ: Occurrence, t: Translator, *, moderator: bool
    ) -> tuple[SessionReport, set[int], set[int]]:
        """The report, with who was present and who registered without coming."""
        row = await self.session(occ.id)
        present = await self.live.presence(occ.id)
        attendance, no_shows = await self.attendance(occ, present)
        activities: list[ActivityReport] = []
        kinds = {a.position: a.kind for a in await self.live.programme.activities_of(occ.id)}
        for position, poll_id in sorted(json.loads(row.polls).items(), key=lambda p: int(p[0])):
            kind = kinds.get(int(position))
            if kind is None:
                continue
            try:
                provider = self.live.activities.provider(kind)
                activities.append(await provider.report(poll_id, t, len(present)))
            except UserError:
                continue  # the poll was removed since (its author was forgotten)
        report = SessionReport(
            occ, attendance, activities, await self.links(occ.id), [], moderator, row.ended_at
        )
        return report, present, no_shows

    async def attendance(self, occ: Occurrence, present: set[int]) -> tuple[Attendance, set[int]]:
        async with self.db.session() as s:
            regs = list(
                await s.exec(
                    select(CafeRegistration).where(CafeRegistration.occurrence_id == occ.id)
                )
            )
        seated = {r.member_id for r in regs if r.status == REGISTERED}
        confirmed = {r.member_id for r in regs if r.status == REGISTERED and r.confirmed_at}
        no_shows = seated - present
        first = present - await self.seen_before(occ, present)
        return (
            Attendance(len(seated), len(confirmed), len(present), len(first), len(no_shows)),
            no_shows,
        )

    async def seen_before(self, occ: Occurrence, members: set[int]) -> set[int]:
        """Those of ``members`` present at an earlier café (any series): checked in there, or
        answered an activity of its session."""
        if not members:
            return set()
        async with self.db.session() as s:
            checked = await s.exec(
                select(CafeRegistration.member_id)
                .join(CafeOccurrence, col(CafeOccurrence.id) == CafeRegistration.occurrence_id)
                .where(
                    col(CafeRegistration.member_id).in_(members),
                    col(CafeRegistration.checked_in_at).is_not(None),
                    col(CafeOccurrence.starts_at) < occ.starts_at,
                )
            )
            seen = set(checked)
            earlier = list(
                await s.exec(
                    select(CafeSession.occurrence_id)
                    .join(CafeOccurrence, col(CafeOccurrence.id) == CafeSession.occurrence_id)
                    .where(col(CafeOccurrence.starts_at) < occ.starts_at)
                )
            )
        for other in earlier:
            if members <= seen:
                break
            seen |= await self.live.presence(other) & members
        return seen

    async def links(self, occurrence_id: int) -> list[SharedLink]:
        async with self.db.session() as s:
            rows = list(
                await s.exec(
                    select(CafeSharedLink)
                    .where(CafeSharedLink.occurrence_id == occurrence_id)
                    .order_by(col(CafeSharedLink.shared_at), col(CafeSharedLink.id))
                )
            )
        names = await self.members.names(list({r.member_id for r in rows}))
        return [SharedLink(r.url, names.get(r.member_id, "?")) for r in rows]
