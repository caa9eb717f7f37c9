"""The SQL onboarding runs, each on a session its caller opened (one transaction per use case).

Names come from ``members.names`` in the services, never from a join on ``core_member``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
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
