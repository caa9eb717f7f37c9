"""After a live café: its report (``cafe end`` posts it, ``cafe report`` shows it again).

What happens at ``cafe end`` (``Reports.ended``): a ``cafe_report`` row gets a random token
(its web page, ``/reports/<token>.html``), the report is filed in the resource library
(``core.library``, collection = the series' title, a link to that page), the public version is
posted in the café's room through the outbox (after the session's last posts), and each
registrant who did not come gets one DM (outbox key ``cafe-missed:{occurrence}:{member}``)
with a summary, the next date and a join action — unless they said ``me reports
enabled:false``.

Nothing of the content is stored: every format is built from the database when shown, so a
member who is forgotten (``me forget``) disappears from every report at once.

Who sees ``cafe report``: moderators (with the no-show rate) and members who registered or
were present; other members are told the public version is in the library.

Hook — other features' sections. ``Reports.sections`` is a list of providers
(``SectionProvider``: ``async (occurrence_id, translator) -> ReportSection | None``); each
section appears in the chat message, the HTML page and (its ``csv_tables``) the zip. To add the
quiz leaderboard and the questions from the floor after merging, in ``cogs/cafe/__init__.py``::

    async def leaderboard_section(occurrence_id: int, t: Translator) -> ReportSection | None:
        standings = await leaderboard(occurrence_id)
        if not standings:
            return None
        lines = tuple(f"{s.rank}. {s.name} — {s.points}" for s in standings)
        table = CsvTable("classement", ("rang", "nom", "points"), tuple(...))
        return ReportSection(t("Classement du défi"), lines, csv_tables=(table,))

    reports.sections.append(leaderboard_section)
"""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING

from sqlmodel import col, select

from bot.core import LibraryEntry, MemberRef, RoomRef, Translator, UserError
from bot.core.web import ReportPage
from cogs.cafe import report_html
from cogs.cafe.domain import Occurrence
from cogs.cafe.models import CafePreference, CafeRegistration, CafeReport, CafeSharedLink
from cogs.cafe.render import label
from cogs.cafe.report_data import ReportData, SectionProvider, SessionReport

if TYPE_CHECKING:
    from bot.core.i18n import I18n
    from bot.core.library import Library
    from bot.core.outbox import Outbox
    from bot.core.web import WebRegistry
    from bot.scheduling import Clock
    from bot.storage.db import Database
    from cogs.cafe.live import LiveSessions
    from cogs.cafe.occurrences import Occurrences

log = logging.getLogger(__name__)

#: Outbox kinds: the report posted in the café's room, and the DM to a registrant who missed it.
POST = "cafe.report"
MISSED = "cafe.missed"


def post_key(occurrence_id: int) -> str:
    return f"cafe-report:{occurrence_id}"


def missed_key(occurrence_id: int, member_id: int) -> str:
    return f"cafe-missed:{occurrence_id}:{member_id}"


class Reports:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        outbox: Outbox,
        data: ReportData,
        live: LiveSessions,
        occurrences: Occurrences,
        library: Library,
        web: WebRegistry,
        i18n: I18n,
    ) -> None:
        self.db = db
        self.clock = clock
        self.outbox = outbox
        self.data = data
        self.live = live
        self.occurrences = occurrences
        self.library = library
        self.web = web
        self.i18n = i18n
        #: Contributed sections, in order (see the module's docstring).
        self.sections: list[SectionProvider] = []

    # --- building ------------------------------------------------------------------------------

    async def build(
        self, occ: Occurrence, t: Translator, *, moderator: bool
    ) -> tuple[SessionReport, set[int], set[int]]:
        report, present, no_shows = await self.data.collect(occ, t, moderator=moderator)
        for provider in self.sections:
            section = await provider(occ.id, t)
            if section is not None:
                report.sections.append(section)
        return report, present, no_shows

    async def for_reader(
        self, occurrence_id: int, member_id: int, t: Translator, *, moderator: bool
    ) -> SessionReport:
        occ = await self.occurrences.occurrence(occurrence_id, None)
        await self.data.session(occ.id)  # run live and ended, or a clear refusal
        if (
            moderator
            or await self._registered(occ.id, member_id)
            or member_id in await self.live.presence(occ.id)
        ):
            report, _, _ = await self.build(occ, t, moderator=moderator)
            return report
        raise UserError(
            "Le compte-rendu du café n° {occurrence} est réservé à ses inscrits et "
            "participants. Sa version publique est dans la bibliothèque : "
            'resource find collection:"{collection}"',
            occurrence=occ.id,
            collection=occ.series.title,
        )

    async def _registered(self, occurrence_id: int, member_id: int) -> bool:
        async with self.db.session() as s:
            row = await s.exec(
                select(CafeRegistration.id).where(
                    CafeRegistration.occurrence_id == occurrence_id,
                    CafeRegistration.member_id == member_id,
                )
            )
            return row.first() is not None

    # --- cafe end --------------------------------------------------------------------------

    async def ended(self, occ: Occurrence, author_id: int | None) -> CafeReport:
        """The session just ended: token, library entry, room post, no-show DMs (each once)."""
        async with self.db.session() as s:
            row = await s.get(CafeReport, occ.id)
            if row is None:
                row = CafeReport(
                    occurrence_id=occ.id,
                    token=secrets.token_urlsafe(24),
                    created_at=self.clock.now(),
                )
                s.add(row)
        t = self.i18n.translator()
        if row.resource_id is None and self.library.available and author_id is not None:
            try:
                resource_id = await self._file(occ, row.token, author_id, t)
            except UserError as refused:  # never stops the DMs below; said in the log
                log.warning("Café %s: report not filed in the library: %s", occ.id, refused)
                resource_id = None
            async with self.db.session() as s:
                stored = await s.get(CafeReport, occ.id)
                if stored is not None and resource_id is not None:
                    stored.resource_id = resource_id
                    s.add(stored)
        _, no_shows = await self.data.attendance(occ, await self.live.presence(occ.id))
        await self._queue(occ, no_shows - await self._opted_out(no_shows))
        return row

    async def _file(
        self, occ: Occurrence, token: str, author_id: int, t: Translator
    ) -> int | None:
        return await self.library.file(
            LibraryEntry(
                url=self.page_url(token),
                title=t("Compte-rendu du café « {title} »", title=label(t, occ))
                + f" ({t.date(occ.starts_at, occ.zone)})",
                summary=t(
                    "Compte-rendu de la session du café n° {occurrence}.", occurrence=occ.id
                ),
                collection=occ.series.title[:120],
                author=author_id,
                tags=(t("compte-rendu"),),
                own_page=True,
            )
        )

    async def post_after_end(self, occ: Occurrence, room: RoomRef) -> None:
        """Queued by the session's last post (``end``) so the report comes after it."""
        await self.outbox.enqueue_many(
            [
                {
                    "key": post_key(occ.id),
                    "due_at": self.clock.now(),
                    "kind": POST,
                    "data": {"occurrence": occ.id},
                    "room": room,
                }
            ]
        )

    async def _queue(self, occ: Occurrence, members: set[int]) -> None:
        now = self.clock.now()
        await self.outbox.enqueue_many(
            [
                {
                    "key": missed_key(occ.id, m),
                    "due_at": now,
                    "kind": MISSED,
                    "data": {"occurrence": occ.id},
                    "member_id": m,
                }
                for m in sorted(members)
            ]
        )

    async def _opted_out(self, members: set[int]) -> set[int]:
        if not members:
            return set()
        async with self.db.session() as s:
            rows = await s.exec(
                select(CafePreference.member_id).where(
                    col(CafePreference.member_id).in_(members),
                    col(CafePreference.reports).is_(False),
                )
            )
            return set(rows)

    async def wants_reports(self, member_id: int) -> bool:
        return not await self._opted_out({member_id})

    async def set_reports(self, member_id: int, enabled: bool) -> None:
        async with self.db.session() as s:
            pref = await s.get(CafePreference, member_id)
            if pref is None:
                pref = CafePreference(member_id=member_id)
            pref.reports = enabled
            s.add(pref)

    async def next_of(self, occ: Occurrence) -> Occurrence | None:
        now = self.clock.now()
        rows = await self.occurrences.series_occurrences(occ.series.id or 0)
        for row in sorted(rows, key=lambda r: r.starts_at):
            if row.starts_at > now and row.status == "scheduled" and row.id != occ.id:
                return await self.occurrences.find(row.id or 0)
        return None

    # --- the web page ----------------------------------------------------------------------

    def page_url(self, token: str) -> str:
        return self.web.url(f"/reports/{token}.html")

    async def token_of(self, occurrence_id: int) -> str | None:
        async with self.db.session() as s:
            row = await s.get(CafeReport, occurrence_id)
            return row.token if row is not None else None

    async def report_page(self, token: str) -> ReportPage | None:
        """The public version, in the community's language (``WebRegistry.reports``)."""
        async with self.db.session() as s:
            found = await s.exec(select(CafeReport).where(CafeReport.token == token))
            row = found.first()
        occ = None if row is None else await self.occurrences.find(row.occurrence_id)
        if occ is None:
            return None
        t = self.i18n.translator()
        report, _, _ = await self.build(occ, t, moderator=False)
        return ReportPage(report_html.page(t, report).encode(), (report_html.STYLE,))

    # --- links shared in the café's room ------------------------------------------------------

    async def record_links(self, who: MemberRef, room: RoomRef, urls: tuple[str, ...]) -> int:
        """Links posted in the room of a session running now; others are not kept (and their
        author is not even looked up)."""
        stored = 0
        for occurrence_id in await self.live.running():
            occ = await self.occurrences.find(occurrence_id)
            if occ is None or occ.series.room != room.encode():
                continue
            member_id = (await self.data.members.resolve(who)).id
            async with self.db.session() as s:
                known = set(
                    await s.exec(
                        select(CafeSharedLink.url).where(
                            CafeSharedLink.occurrence_id == occurrence_id
                        )
                    )
                )
                for url in urls:
                    if url not in known:
                        s.add(
                            CafeSharedLink(
                                occurrence_id=occurrence_id,
                                member_id=member_id,
                                url=url,
                                shared_at=self.clock.now(),
                            )
                        )
                        stored += 1
        return stored
