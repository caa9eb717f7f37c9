"""The SQL of the café's dashboard page (series, occurrences with their figures, months)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cogs.cafe.domain import REGISTERED, SCHEDULED, WAITLISTED
from cogs.cafe.models import CafeOccurrence, CafeRegistration, CafeSeries

# (occurrence, its series) rows, newest first.
OccurrenceRow = tuple[CafeOccurrence, CafeSeries]


async def series_with_counts(
    s: AsyncSession, now: datetime
) -> list[tuple[CafeSeries, int, datetime | None]]:
    """Every series (active first, then by title) with its number of occurrences and the start
    of its next scheduled one."""
    upcoming = func.min(CafeOccurrence.starts_at).filter(
        col(CafeOccurrence.starts_at) >= now, col(CafeOccurrence.status) == SCHEDULED
    )
    query: Any = (
        select(CafeSeries, func.count(col(CafeOccurrence.id)), upcoming)
        .join(CafeOccurrence, col(CafeOccurrence.series_id) == col(CafeSeries.id), isouter=True)
        .group_by(col(CafeSeries.id))
        .order_by(col(CafeSeries.active).desc(), col(CafeSeries.title), col(CafeSeries.id))
    )
    return [(series, count, nxt) for series, count, nxt in await s.exec(query)]


def _with_series() -> Any:
    return select(CafeOccurrence, CafeSeries).join(
        CafeSeries, col(CafeSeries.id) == col(CafeOccurrence.series_id)
    )


async def occurrence_page(s: AsyncSession, offset: int, limit: int) -> list[OccurrenceRow]:
    query = (
        _with_series()
        .order_by(col(CafeOccurrence.starts_at).desc(), col(CafeOccurrence.id).desc())
        .offset(offset)
        .limit(limit)
    )
    return [(o, series) for o, series in await s.exec(query)]


async def one_occurrence(s: AsyncSession, occurrence_id: int) -> OccurrenceRow | None:
    row = (await s.exec(_with_series().where(CafeOccurrence.id == occurrence_id))).first()
    return (row[0], row[1]) if row is not None else None


async def all_occurrences(s: AsyncSession) -> list[OccurrenceRow]:
    query = _with_series().order_by(col(CafeOccurrence.starts_at), col(CafeOccurrence.id))
    return [(o, series) for o, series in await s.exec(query)]


async def month_figures(
    s: AsyncSession, start: datetime, end: datetime
) -> list[tuple[datetime, str, str, int, int]]:
    """(start, series time zone, registration status, registrations, check-ins) per scheduled
    occurrence started in [start, end) and status: one query, no list of ids."""
    # Five columns: past sqlmodel's typed select(); SQLAlchemy's own takes any number.
    query: Any = (
        sa_select(
            col(CafeOccurrence.starts_at),
            col(CafeSeries.timezone),
            col(CafeRegistration.status),
            func.count(),
            func.count(col(CafeRegistration.checked_in_at)),
        )
        .join(CafeSeries, col(CafeSeries.id) == col(CafeOccurrence.series_id))
        .join(CafeRegistration, col(CafeRegistration.occurrence_id) == col(CafeOccurrence.id))
        .where(
            col(CafeOccurrence.starts_at) >= start,
            col(CafeOccurrence.starts_at) < end,
            col(CafeOccurrence.status) == SCHEDULED,
        )
        .group_by(
            col(CafeOccurrence.id),
            col(CafeOccurrence.starts_at),
            col(CafeSeries.timezone),
            col(CafeRegistration.status),
        )
    )
    return [(at, zone, status, n, checked) for at, zone, status, n, checked in await s.exec(query)]


def _seats(status: str) -> Any:
    return (
        select(func.count())
        .select_from(CafeRegistration)
        .where(
            col(CafeRegistration.occurrence_id) == col(CafeOccurrence.id),
            col(CafeRegistration.status) == status,
        )
        .scalar_subquery()
    )


async def next_with_seats(
    conn: AsyncConnection, now: datetime, limit: int
) -> list[tuple[str, datetime, int, int]]:
    """(series title, start, registered, waitlisted) of the next ``limit`` scheduled
    occurrences of active series, in one statement (the overview's card): the counts are
    subqueries on the registrations' (occurrence, status) index."""
    stmt: Any = (
        select(CafeSeries.title, CafeOccurrence.starts_at, _seats(REGISTERED), _seats(WAITLISTED))
        .join(CafeSeries, col(CafeSeries.id) == col(CafeOccurrence.series_id))
        .where(
            col(CafeSeries.active).is_(True),
            col(CafeOccurrence.starts_at) > now,
            col(CafeOccurrence.status) == SCHEDULED,
        )
        .order_by(col(CafeOccurrence.starts_at), col(CafeOccurrence.id))
        .limit(limit)
    )
    return [(t, start, int(r), int(w)) for t, start, r, w in await conn.execute(stmt)]
