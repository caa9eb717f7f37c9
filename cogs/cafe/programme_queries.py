"""The SQL of a café's programme (``cafe_activity``), each inside the caller's session."""

from __future__ import annotations

from sqlmodel import col, delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from cogs.cafe.models import CafeActivity, CafeOccurrence


async def lock_occurrence(s: AsyncSession, occurrence_id: int) -> CafeOccurrence | None:
    """The occurrence, locked for the rest of the transaction on PostgreSQL (``FOR UPDATE``):
    two people changing one programme at once take turns, so positions stay 1…N."""
    rows = await s.exec(
        select(CafeOccurrence).where(CafeOccurrence.id == occurrence_id).with_for_update()
    )
    return rows.first()


async def activities(s: AsyncSession, occurrence_id: int) -> list[CafeActivity]:
    """The programme in running order."""
    rows = await s.exec(
        select(CafeActivity)
        .where(CafeActivity.occurrence_id == occurrence_id)
        .order_by(col(CafeActivity.position))
    )
    return list(rows)


async def renumber(s: AsyncSession, ordered: list[CafeActivity]) -> None:
    """Store ``ordered`` as positions 1…N. Positions are unique per occurrence and checked per
    statement, so every row first goes to a negative place, then to its new one."""
    for row in ordered:
        row.position = -(row.id or 0)
        s.add(row)
    await s.flush()
    for position, row in enumerate(ordered, start=1):
        row.position = position
        s.add(row)
    await s.flush()


async def delete_programme(s: AsyncSession, occurrence_id: int) -> None:
    await s.exec(delete(CafeActivity).where(col(CafeActivity.occurrence_id) == occurrence_id))


# --- privacy ----------------------------------------------------------------------------------


async def created_by(s: AsyncSession, member_id: int) -> list[CafeActivity]:
    rows = await s.exec(
        select(CafeActivity)
        .where(CafeActivity.created_by == member_id)
        .order_by(col(CafeActivity.occurrence_id), col(CafeActivity.position))
    )
    return list(rows)


async def reassign_creator(s: AsyncSession, member_id: int, to: int | None) -> None:
    """Forget (``to=None``: the activities stay, nobody is named) or merge (``to=kept``)."""
    await s.exec(
        update(CafeActivity).where(col(CafeActivity.created_by) == member_id).values(created_by=to)
    )
