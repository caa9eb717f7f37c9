"""The SQL the café runs: one function per question, each inside the caller's session.

Ordering rules live here once: occurrences by start (then id), registrations by arrival
(``created_at``, then id) — the waitlist's order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cogs.cafe.domain import SCHEDULED, WAITLISTED
from cogs.cafe.models import CafeOccurrence, CafePreference, CafeRegistration, CafeSeries

# --- series and occurrences ---------------------------------------------------------------------


async def active_series(s: AsyncSession, series_id: int | None) -> list[CafeSeries]:
    query = select(CafeSeries).where(col(CafeSeries.active).is_(True))
    if series_id is not None:
        query = query.where(CafeSeries.id == series_id)
    return list(await s.exec(query))


async def existing_recurrences(
    s: AsyncSession, series_id: int | None, recurrence_ids: list[str]
) -> set[str]:
    return set(
        await s.exec(
            select(CafeOccurrence.recurrence_id).where(
                CafeOccurrence.series_id == series_id,
                col(CafeOccurrence.recurrence_id).in_(recurrence_ids),
            )
        )
    )


async def insert_occurrences(s: AsyncSession, insert: Any, rows: list[dict[str, Any]]) -> None:
    """``insert`` is the database's upsert-capable INSERT (``Database.insert``): two processes
    materialising the same dates both succeed, one row each."""
    stmt = (
        insert(CafeOccurrence)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["series_id", "recurrence_id"])
    )
    await s.exec(stmt)


async def occurrences_by_recurrence(
    s: AsyncSession, series_id: int | None, recurrence_ids: list[str]
) -> list[CafeOccurrence]:
    return list(
        await s.exec(
            select(CafeOccurrence)
            .where(
                CafeOccurrence.series_id == series_id,
                col(CafeOccurrence.recurrence_id).in_(recurrence_ids),
            )
            .order_by(col(CafeOccurrence.starts_at))
        )
    )


async def with_series(
    s: AsyncSession, occurrence_ids: Sequence[int]
) -> list[tuple[CafeOccurrence, CafeSeries]]:
    rows = await s.exec(
        select(CafeOccurrence, CafeSeries)
        .join(CafeSeries, col(CafeSeries.id) == col(CafeOccurrence.series_id))
        .where(col(CafeOccurrence.id).in_(occurrence_ids))
        .order_by(col(CafeOccurrence.starts_at), col(CafeOccurrence.id))
    )
    return [(occ, series) for occ, series in rows]


async def upcoming_starts(
    s: AsyncSession, since: datetime, series_id: int | None, include_cancelled: bool
) -> list[tuple[int, datetime, int]]:
    """(id, start, minutes) of active series' occurrences starting after ``since``."""
    query = (
        select(CafeOccurrence.id, CafeOccurrence.starts_at, CafeOccurrence.duration_minutes)
        .join(CafeSeries, col(CafeSeries.id) == col(CafeOccurrence.series_id))
        .where(col(CafeSeries.active).is_(True), CafeOccurrence.starts_at > since)
        .order_by(col(CafeOccurrence.starts_at), col(CafeOccurrence.id))
    )
    if series_id is not None:
        query = query.where(CafeOccurrence.series_id == series_id)
    if not include_cancelled:
        query = query.where(CafeOccurrence.status == SCHEDULED)
    return [(i, start, minutes) for i, start, minutes in await s.exec(query) if i is not None]


async def started_ids(s: AsyncSession, now: datetime, limit: int) -> list[int]:
    """Scheduled occurrences already started, most recent first."""
    rows = await s.exec(
        select(CafeOccurrence.id)
        .where(CafeOccurrence.starts_at <= now, CafeOccurrence.status == SCHEDULED)
        .order_by(col(CafeOccurrence.starts_at).desc())
        .limit(limit)
    )
    return [i for i in rows if i is not None]


async def series_occurrences(s: AsyncSession, series_id: int) -> list[CafeOccurrence]:
    return list(
        await s.exec(
            select(CafeOccurrence)
            .where(CafeOccurrence.series_id == series_id)
            .order_by(col(CafeOccurrence.starts_at))
        )
    )


async def lock_occurrence(s: AsyncSession, occurrence_id: int) -> None:
    """Lock the occurrence row for the transaction (PostgreSQL; SQLite locks the database):
    two joins, a leave and a promotion never both take the last place."""
    await s.exec(
        select(CafeOccurrence.id).where(CafeOccurrence.id == occurrence_id).with_for_update()
    )


# --- registrations ------------------------------------------------------------------------------


def registration_counts(occurrence_ids: Sequence[int]) -> Any:
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


async def counts(
    s: AsyncSession, occurrence_ids: Sequence[int]
) -> list[tuple[int, str, int, int]]:
    return [
        (occ, status, count, checked)
        for occ, status, count, checked in await s.exec(registration_counts(occurrence_ids))
    ]


async def registrations(s: AsyncSession, occurrence_id: int) -> list[CafeRegistration]:
    """Every registration of an occurrence, in arrival order."""
    return list(
        await s.exec(
            select(CafeRegistration)
            .where(CafeRegistration.occurrence_id == occurrence_id)
            .order_by(col(CafeRegistration.created_at), col(CafeRegistration.id))
        )
    )


async def registration(
    s: AsyncSession, occurrence_id: int, member_id: int
) -> CafeRegistration | None:
    return (
        await s.exec(
            select(CafeRegistration).where(
                CafeRegistration.occurrence_id == occurrence_id,
                CafeRegistration.member_id == member_id,
            )
        )
    ).first()


async def member_registrations(
    s: AsyncSession, occurrence_ids: Sequence[int], member_id: int
) -> list[CafeRegistration]:
    return list(
        await s.exec(
            select(CafeRegistration).where(
                col(CafeRegistration.occurrence_id).in_(occurrence_ids),
                CafeRegistration.member_id == member_id,
            )
        )
    )


async def member_rows(
    s: AsyncSession, occurrence_id: int, member_ids: Sequence[int]
) -> list[CafeRegistration]:
    """The registrations of some members at one occurrence."""
    return list(
        await s.exec(
            select(CafeRegistration).where(
                CafeRegistration.occurrence_id == occurrence_id,
                col(CafeRegistration.member_id).in_(member_ids),
            )
        )
    )


async def waitlist(s: AsyncSession, occurrence_id: int) -> list[int]:
    """Waitlisted members of an occurrence, first in line first."""
    return list(
        await s.exec(
            select(CafeRegistration.member_id)
            .where(
                CafeRegistration.occurrence_id == occurrence_id,
                CafeRegistration.status == WAITLISTED,
            )
            .order_by(col(CafeRegistration.created_at), col(CafeRegistration.id))
        )
    )


async def members_with(s: AsyncSession, occurrence_id: int, statuses: Iterable[str]) -> list[int]:
    return list(
        await s.exec(
            select(CafeRegistration.member_id).where(
                CafeRegistration.occurrence_id == occurrence_id,
                col(CafeRegistration.status).in_(list(statuses)),
            )
        )
    )


# --- a member's rows (preferences, privacy) ----------------------------------------------------


async def preferences(s: AsyncSession, member_ids: Sequence[int]) -> list[CafePreference]:
    return list(
        await s.exec(select(CafePreference).where(col(CafePreference.member_id).in_(member_ids)))
    )


async def delete_preference(s: AsyncSession, member_id: int) -> None:
    await s.exec(delete(CafePreference).where(col(CafePreference.member_id) == member_id))


async def registrations_of(s: AsyncSession, member_id: int) -> list[CafeRegistration]:
    return list(
        await s.exec(select(CafeRegistration).where(CafeRegistration.member_id == member_id))
    )


async def seats_of(s: AsyncSession, member_id: int, status: str) -> list[int]:
    """Occurrences where the member holds a registration with ``status``."""
    return list(
        await s.exec(
            select(CafeRegistration.occurrence_id).where(
                CafeRegistration.member_id == member_id, CafeRegistration.status == status
            )
        )
    )


async def occurrences_of(s: AsyncSession, member_id: int) -> set[int]:
    return set(
        await s.exec(
            select(CafeRegistration.occurrence_id).where(CafeRegistration.member_id == member_id)
        )
    )


async def delete_registrations_of(s: AsyncSession, member_id: int) -> None:
    await s.exec(delete(CafeRegistration).where(col(CafeRegistration.member_id) == member_id))
