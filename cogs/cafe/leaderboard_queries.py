"""SQL of the live challenge: pseudonyms (``cafe_pseudonym``) and the session's quiz polls.

The leaderboard itself is never stored: it is computed from the quizzes' answers (kept by the
poll cog) each time it is shown, so a restart or a forgotten member changes it at once. The
public entry point for other parts of the café (the report) is
``Leaderboards.leaderboard(occurrence_id)`` in ``leaderboards.py``.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import col, delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from cogs.cafe.models import CafePseudonym, CafeSession


async def pseudonyms_of(s: AsyncSession, occurrence_id: int) -> dict[int, str]:
    """Pseudonyms at one café, by member id."""
    rows = await s.exec(
        select(CafePseudonym.member_id, CafePseudonym.name).where(
            CafePseudonym.occurrence_id == occurrence_id
        )
    )
    return dict(rows.all())


async def pseudonym(s: AsyncSession, occurrence_id: int, member_id: int) -> CafePseudonym | None:
    return await s.get(CafePseudonym, (occurrence_id, member_id))


async def holder(s: AsyncSession, occurrence_id: int, name_key: str) -> int | None:
    """Who holds a pseudonym (by its folded key) at a café."""
    rows = await s.exec(
        select(CafePseudonym.member_id).where(
            CafePseudonym.occurrence_id == occurrence_id, CafePseudonym.name_key == name_key
        )
    )
    return rows.first()


async def save(
    s: AsyncSession, occurrence_id: int, member_id: int, name: str, key: str, now: datetime
) -> str | None:
    """Set the member's pseudonym at a café; returns the one it replaces (None: new)."""
    row = await pseudonym(s, occurrence_id, member_id)
    previous = row.name if row is not None else None
    if row is None:
        row = CafePseudonym(
            occurrence_id=occurrence_id, member_id=member_id, name=name, name_key=key
        )
    row.name, row.name_key, row.created_at = name, key, now
    s.add(row)
    await s.flush()  # the unique name surfaces here (IntegrityError), inside the caller's lock
    return previous


async def remove(s: AsyncSession, occurrence_id: int, member_id: int) -> str | None:
    """Drop the member's pseudonym at a café; returns it (None: they had none)."""
    row = await pseudonym(s, occurrence_id, member_id)
    if row is None:
        return None
    await s.delete(row)
    return row.name


async def pseudonyms_by_member(s: AsyncSession, member_id: int) -> list[CafePseudonym]:
    rows = await s.exec(
        select(CafePseudonym)
        .where(CafePseudonym.member_id == member_id)
        .order_by(col(CafePseudonym.occurrence_id))
    )
    return list(rows)


async def forget(s: AsyncSession, member_id: int) -> None:
    await s.exec(delete(CafePseudonym).where(col(CafePseudonym.member_id) == member_id))


async def merge(s: AsyncSession, kept: int, merged: int) -> None:
    """``merged``'s pseudonyms go to ``kept``, except at a café where ``kept`` has one."""
    mine = {p.occurrence_id for p in await pseudonyms_by_member(s, kept)}
    for row in await pseudonyms_by_member(s, merged):
        if row.occurrence_id in mine:
            await s.delete(row)
        else:
            await s.exec(
                update(CafePseudonym)
                .where(
                    col(CafePseudonym.occurrence_id) == row.occurrence_id,
                    col(CafePseudonym.member_id) == merged,
                )
                .values(member_id=kept)
            )


async def session_polls(
    s: AsyncSession, occurrence_id: int
) -> tuple[CafeSession | None, dict[int, int]]:
    """The live session (None: never started) and its polls by programme position."""
    row = await s.get(CafeSession, occurrence_id)
    if row is None:
        return None, {}
    return row, {int(p): int(poll) for p, poll in json.loads(row.polls).items()}


async def last_session(s: AsyncSession) -> int | None:
    """The café most recently run live (its occurrence id)."""
    rows = await s.exec(
        select(CafeSession.occurrence_id)
        .order_by(col(CafeSession.started_at).desc(), col(CafeSession.occurrence_id).desc())
        .limit(1)
    )
    return rows.first()
