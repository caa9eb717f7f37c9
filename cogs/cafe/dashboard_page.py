"""The café's page of the web dashboard (``bot.core.dashboard.CafeDashboard``): series and
occurrences with registered / waitlisted / present / no-show figures, twelve months of
registrations against attendance (chart and table), one café's registrants, a CSV export."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import UserError
from bot.core.csvfile import csv_bytes
from bot.core.dashboard_pages import (
    CafeMonth,
    CafeOccurrenceRow,
    CafeSeriesRow,
    Download,
    OccurrencePage,
    Picture,
    Registrant,
)
from cogs.cafe import charts, dashboard_queries, queries
from cogs.cafe.domain import CANCELLED, REGISTERED, WAITLISTED
from cogs.cafe.models import CafeOccurrence, CafeSeries

if TYPE_CHECKING:
    from bot.core.i18n import Translator
    from bot.scheduling import Clock
    from bot.storage.db import Database
    from cogs.cafe.stats import Attendance

PAGE_SIZE = 50
EXPORT_FIELDS = [
    "id",
    "series",
    "title",
    "topic",
    "starts_at",
    "status",
    "capacity",
    "registered",
    "waitlisted",
    "present",
    "walkins",
    "no_show_rate",
]
# (registered, waitlisted, present among the registered, walk-ins) per occurrence
Figures = dict[int, tuple[int, int, int, int]]


class CafeBoard:
    def __init__(self, *, db: Database, clock: Clock, attendance: Attendance) -> None:
        self.db = db
        self.clock = clock
        self.attendance = attendance

    async def series(self) -> list[CafeSeriesRow]:
        async with self.db.session() as s:
            rows = await dashboard_queries.series_with_counts(s, self.clock.now())
        return [
            CafeSeriesRow(
                id=series.id or 0,
                title=series.title,
                recurring=series.rule is not None,
                timezone=series.timezone,
                active=series.active,
                occurrences=count,
                next_start=nxt,
            )
            for series, count, nxt in rows
        ]

    async def occurrences(self, page: int = 1) -> OccurrencePage:
        if page < 1:
            raise UserError("Le numéro de page commence à 1.")
        async with self.db.session() as s:
            rows = await dashboard_queries.occurrence_page(
                s, (page - 1) * PAGE_SIZE, PAGE_SIZE + 1
            )
            figures = await _figures(s, [o.id for o, _ in rows[:PAGE_SIZE] if o.id])
        now = self.clock.now()
        items = [_row(o, series, figures, now) for o, series in rows[:PAGE_SIZE]]
        return OccurrencePage(items, page, len(rows) > PAGE_SIZE)

    async def occurrence(self, occurrence_id: int) -> CafeOccurrenceRow:
        async with self.db.session() as s:
            found = await dashboard_queries.one_occurrence(s, occurrence_id)
            if found is None:
                raise UserError(
                    "Aucun café n'a le numéro {id}. Voyez la liste des cafés.", id=occurrence_id
                )
            figures = await _figures(s, [occurrence_id])
        return _row(found[0], found[1], figures, self.clock.now())

    async def registrants(self, occurrence_id: int) -> list[Registrant]:
        await self.occurrence(occurrence_id)  # the same answer for an unknown id
        who = await self.attendance.who(occurrence_id)
        # A forgotten member keeps no name: shown as such, never as an id.
        absent = "—"
        rows = [
            Registrant(who.names.get(m, absent), REGISTERED.value, checked, m in who.confirmed)
            for m, checked in who.registered
        ]
        rows += [
            Registrant(who.names.get(m, absent), WAITLISTED.value, False, False)
            for m in who.waitlisted
        ]
        rows += [Registrant(who.names.get(m, absent), "walkin", True, False) for m in who.walkins]
        return rows

    async def months(self, count: int = 12) -> list[CafeMonth]:
        now = self.clock.now()
        months = _last_months(now.date(), count)
        start = datetime.combine(months[0], datetime.min.time(), UTC) - timedelta(days=1)
        async with self.db.session() as s:
            rows = await dashboard_queries.month_figures(s, start, now)
        totals = {m: [0, 0] for m in months}
        zones: dict[str, ZoneInfo] = {}
        for at, zone, status, count, checked in rows:
            tz = zones.setdefault(zone, ZoneInfo(zone))
            local = at.astimezone(tz).date().replace(day=1)
            if local not in totals:
                continue
            if status == REGISTERED:
                totals[local][0] += count
                totals[local][1] += checked
            elif status != WAITLISTED:  # walk-ins: present without a registration
                totals[local][1] += checked
        return [CafeMonth(m, *totals[m]) for m in months]

    def chart(self, months: list[CafeMonth], t: Translator) -> Picture:
        columns = [
            (f"{_month(m.month, t)}\n{m.month.year}", m.registered, m.present) for m in months
        ]
        legend = (t("Inscriptions"), t("Présences"))
        title = t("Cafés : inscriptions et présences par mois")
        span = f"{_month_label(months[0].month, t)} – {_month_label(months[-1].month, t)}"
        png = charts.paired_columns(title, span, columns, legend)
        return Picture(png, _alt(months, t))

    def month_label(self, month: date, t: Translator) -> str:
        return _month_label(month, t)

    def chart_alt(self, months: list[CafeMonth], t: Translator) -> str:
        return _alt(months, t)

    async def export(self) -> Download:
        async with self.db.session() as s:
            rows = await dashboard_queries.all_occurrences(s)
            figures = await _figures(s, [o.id for o, _ in rows if o.id])
        now = self.clock.now()
        cells = []
        for o, series in rows:
            r = _row(o, series, figures, now)
            rate = r.no_show_rate
            cells.append(
                [
                    r.id,
                    r.series_id,
                    r.title,
                    r.topic,
                    r.starts_at.isoformat(),
                    o.status,
                    r.capacity if r.capacity is not None else "",
                    r.registered,
                    r.waitlisted,
                    r.present,
                    r.walkins,
                    f"{rate:.3f}" if rate is not None else "",
                ]
            )
        return Download("cafes.csv", "text/csv; charset=utf-8", csv_bytes(EXPORT_FIELDS, cells))


async def _figures(s: AsyncSession, ids: Sequence[int]) -> Figures:
    table: dict[int, list[int]] = {i: [0, 0, 0, 0] for i in ids}
    if not ids:
        return {}
    for occ_id, status, count, checked in await queries.counts(s, ids):
        row = table[occ_id]
        if status == REGISTERED:
            row[0], row[2] = count, checked
        elif status == WAITLISTED:
            row[1] = count
        else:
            row[3] = checked
    return {i: (a, b, c, d) for i, (a, b, c, d) in table.items()}


def _row(
    o: CafeOccurrence, series: CafeSeries, figures: Figures, now: datetime
) -> CafeOccurrenceRow:
    registered, waitlisted, present, walkins = figures.get(o.id or 0, (0, 0, 0, 0))
    return CafeOccurrenceRow(
        id=o.id or 0,
        series_id=o.series_id,
        title=series.title,
        topic=o.topic,
        starts_at=o.starts_at,
        cancelled=o.status == CANCELLED,
        started=o.starts_at <= now,
        capacity=o.capacity if o.capacity is not None else series.capacity,
        registered=registered,
        waitlisted=waitlisted,
        present=present,
        walkins=walkins,
    )


def _last_months(today: date, count: int) -> list[date]:
    first = today.replace(day=1)
    months = []
    for back in range(count - 1, -1, -1):
        year, month = divmod(first.year * 12 + first.month - 1 - back, 12)
        months.append(date(year, month + 1, 1))
    return months


def _month(month: date, t: Translator) -> str:
    """ "mars" / "Mar": the month's short name in the reader's language (Babel's, CLDR)."""
    from babel.dates import format_date

    return format_date(month, "MMM", locale=t.locale)


def _month_label(month: date, t: Translator) -> str:
    return f"{_month(month, t)} {month.year}"


def _alt(months: list[CafeMonth], t: Translator) -> str:
    """What the chart shows, in words: the totals and the busiest month (the table beside
    it gives every figure)."""

    def figures(registered: int, present: int) -> str:
        return (
            t.n("{n} inscription", "{n} inscriptions", registered)
            + ", "
            + t.n("{n} présence", "{n} présences", present)
        )

    registered = sum(m.registered for m in months)
    present = sum(m.present for m in months)
    text = t.n(
        "Histogramme des cafés sur {n} mois, de {first} à {last} : {figures}.",
        "Histogramme des cafés sur {n} mois, de {first} à {last} : {figures}.",
        len(months),
        first=_month_label(months[0].month, t),
        last=_month_label(months[-1].month, t),
        figures=figures(registered, present),
    )
    if registered or present:
        best = max(months, key=lambda m: (m.present, m.registered))
        text += " " + t(
            "Mois le plus suivi : {month} ({figures}).",
            month=_month_label(best.month, t),
            figures=figures(best.registered, best.present),
        )
    return text
