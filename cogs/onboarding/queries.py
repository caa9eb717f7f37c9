"""The SQL onboarding runs, each on a session its caller opened (one transaction per use case)
or, for one-statement reads, on a connection from ``Database.read``.

Names come from ``members.names`` in the services, never from a join on ``core_member``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, true
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from bot.core.text import fold_key, split_list, tidy
from cogs.onboarding.models import OnboardingFlow, OnboardingInterest, OnboardingProfile

# --- interests --------------------------------------------------------------------------------


async def interest_labels(s: AsyncSession, member_id: int) -> list[str]:
    """A member's interests as typed, in the order they were given."""
    return list(
        await s.exec(
            select(OnboardingInterest.label)
            .where(OnboardingInterest.member_id == member_id)
            .order_by(col(OnboardingInterest.id))
        )
    )


async def interest_keys(s: AsyncSession, member_id: int) -> list[str]:
    return list(
        await s.exec(
            select(OnboardingInterest.key).where(OnboardingInterest.member_id == member_id)
        )
    )


async def interests_of(s: AsyncSession, member_ids: list[int]) -> dict[int, list[str]]:
    """Labels by member, in the order each member gave them."""
    tags: dict[int, list[str]] = {}
    for member_id, label in await s.exec(
        select(OnboardingInterest.member_id, OnboardingInterest.label)
        .where(col(OnboardingInterest.member_id).in_(member_ids))
        .order_by(col(OnboardingInterest.id))
    ):
        tags.setdefault(member_id, []).append(label)
    return tags


async def replace_interests(
    s: AsyncSession, member_id: int, labels: dict[str, str], max_tag: int
) -> None:
    await s.exec(delete(OnboardingInterest).where(col(OnboardingInterest.member_id) == member_id))
    for key, label in labels.items():
        s.add(OnboardingInterest(member_id=member_id, key=key[:max_tag], label=label))


async def interest_rows(s: AsyncSession, member_id: int) -> list[OnboardingInterest]:
    return list(
        await s.exec(select(OnboardingInterest).where(OnboardingInterest.member_id == member_id))
    )


# --- the directory --------------------------------------------------------------------------


def find_statement(*, region: str, interest: str, metier: str, query: str) -> Select[int, int]:
    """Visible profiles matching every given filter, with the total as a window count (one
    scan gives the page and the total): rows are ``(member_id, total)``."""
    stmt = select(OnboardingProfile.member_id, func.count().over()).where(
        col(OnboardingProfile.visible)
    )
    if tidy(region):
        stmt = stmt.where(OnboardingProfile.region_key == fold_key(region))
    if tidy(metier):
        stmt = stmt.where(OnboardingProfile.metier_key == fold_key(metier))
    if tidy(interest):
        keys = [fold_key(i) for i in split_list(interest, "|,;#") if fold_key(i)]
        for key in keys:
            stmt = stmt.where(
                col(OnboardingProfile.member_id).in_(
                    select(OnboardingInterest.member_id).where(OnboardingInterest.key == key)
                )
            )
    for word in fold_key(query).split():
        stmt = stmt.where(col(OnboardingProfile.search_key).contains(word, autoescape=True))
    return stmt.order_by(col(OnboardingProfile.member_id))


async def profiles(s: AsyncSession, member_ids: list[int]) -> dict[int, OnboardingProfile]:
    rows = await s.exec(
        select(OnboardingProfile).where(col(OnboardingProfile.member_id).in_(member_ids))
    )
    return {p.member_id: p for p in rows}


async def visible_among(s: AsyncSession, member_ids: list[int]) -> set[int]:
    return set(
        await s.exec(
            select(OnboardingProfile.member_id).where(
                col(OnboardingProfile.member_id).in_(member_ids),
                col(OnboardingProfile.visible),
            )
        )
    )


# --- the moderators' views ------------------------------------------------------------------


async def funnel_counts(s: AsyncSession, since: datetime | None) -> tuple[int, ...]:
    """How many flows joined, started, accepted the code, finished the profile, completed."""
    # Five columns: more than sqlmodel's typed ``select`` overloads take.
    stmt: Select[int, int, int, int, int] = Select(
        func.count(col(OnboardingFlow.joined_at)),
        func.count(col(OnboardingFlow.started_at)),
        func.count(col(OnboardingFlow.coc_accepted_at)),
        func.count(col(OnboardingFlow.profile_at)),
        func.count(col(OnboardingFlow.completed_at)),
    )
    if since is not None:
        stmt = stmt.where(col(OnboardingFlow.joined_at) >= since)
    row = (await s.exec(stmt)).one()
    return tuple(int(x) for x in row)


def _count(table: Any, *where: Any) -> Any:
    return select(func.count()).select_from(table).where(*where).scalar_subquery()


async def overview_counts(conn: AsyncConnection, fresh_since: datetime) -> tuple[int, ...]:
    """The dashboard's onboarding card in one statement: the funnel (joined, started, code
    accepted, profile filled, completed) then the profiles (all, updated since
    ``fresh_since``, visible in the directory).

    SQLite counts a whole table at once from its b-tree, and each other count reads an index
    alone (migration 0022): a funnel step is the total minus the flows still without its
    stamp (a search of the index's NULL range, usually short), fresh profiles a range of
    ``updated_at``. PostgreSQL counts by reading rows whatever the plan, and until autovacuum
    has marked the pages an index scan reads the table too: one pass over each table (five
    counts over the flows, three over the profiles) measured faster there, with 50,000 flows
    and 40,000 profiles, than a scan per count."""
    flow, profile = OnboardingFlow, OnboardingProfile
    stamps = (
        flow.joined_at,
        flow.started_at,
        flow.coc_accepted_at,
        flow.profile_at,
        flow.completed_at,
    )
    fresh = col(profile.updated_at) >= fresh_since
    stmt: Any
    if conn.dialect.name == "postgresql":
        flows = sa_select(
            *(func.count(col(c)).label(f"step_{n}") for n, c in enumerate(stamps))
        ).subquery()
        profiles = sa_select(
            func.count().label("profiles"),
            func.count().filter(fresh).label("fresh"),
            func.count().filter(col(profile.visible)).label("visible"),
        ).subquery()
        stmt = sa_select(*flows.c, *profiles.c).select_from(flows).join(profiles, true())
        row = (await conn.execute(stmt)).one()
        return tuple(int(x) for x in row)
    stmt = sa_select(
        _count(flow),
        *(_count(flow, col(c).is_(None)) for c in stamps),
        _count(profile),
        _count(profile, fresh),
        _count(profile, col(profile.visible)),
    )
    total, *missing = (int(x) for x in (await conn.execute(stmt)).one())
    return (*(total - m for m in missing[:5]), *missing[5:])


async def week_counts(s: AsyncSession, start: datetime, end: datetime) -> tuple[int, int]:
    """(joined, completed) among the flows that joined in [start, end)."""
    row = (
        await s.exec(
            select(
                func.count(col(OnboardingFlow.joined_at)),
                func.count(col(OnboardingFlow.completed_at)),
            ).where(
                col(OnboardingFlow.joined_at) >= start,
                col(OnboardingFlow.joined_at) < end,
            )
        )
    ).one()
    return int(row[0]), int(row[1])


_UNFINISHED = (col(OnboardingFlow.completed_at).is_(None), col(OnboardingFlow.left_at).is_(None))


async def unfinished_count(s: AsyncSession) -> int:
    return int(
        (await s.exec(select(func.count()).select_from(OnboardingFlow).where(*_UNFINISHED))).one()
    )


async def unfinished(s: AsyncSession, limit: int) -> list[OnboardingFlow]:
    """Members still in their flow, the longest idle first."""
    return list(
        await s.exec(
            select(OnboardingFlow)
            .where(*_UNFINISHED)
            .order_by(col(OnboardingFlow.updated_at))
            .limit(limit)
        )
    )


# --- forgetting ---------------------------------------------------------------------------


async def delete_member_rows(s: AsyncSession, member_id: int) -> None:
    """Every row of this cog about the member (children first)."""
    await s.exec(delete(OnboardingInterest).where(col(OnboardingInterest.member_id) == member_id))
    await s.exec(delete(OnboardingProfile).where(col(OnboardingProfile.member_id) == member_id))
    await s.exec(delete(OnboardingFlow).where(col(OnboardingFlow.member_id) == member_id))
