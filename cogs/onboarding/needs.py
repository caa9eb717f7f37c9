""" "Je cherche" (needs) and "je peux apporter" (offers): two tag lists per profile, folded like
resource tags (``bot.core.tags``: case, accents and punctuation do not count), so "Mécénat"
typed by one member meets "mecenat" typed by another."""

from __future__ import annotations

from enum import StrEnum

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import UserError
from bot.core.tags import Tag, parse_tags
from bot.core.text import fold_key
from cogs.onboarding.models import OnboardingReachTag

#: Typing one of these clears the list (``me edit field:needs value:aucun``).
CLEAR = {"aucun", "aucune", "rien", "none", "nothing", "vide", "empty"}


class ReachKind(StrEnum):
    NEED = "need"
    OFFER = "offer"


def parse_reach(value: str, kind: ReachKind, *, max_tags: int, max_length: int) -> list[Tag]:
    """The typed list as distinct tags ([] clears it); clear messages over the limits."""
    if fold_key(value) in CLEAR or value.strip() == "-":
        return []
    # Count ourselves to say *which* list is too long (the core's message says "tags").
    tags = parse_tags(value, max_tags=10_000, max_length=max_length)
    if len(tags) > max_tags:
        if kind is ReachKind.NEED:
            raise UserError(
                "Trop de besoins : {count} (au plus {max}). Gardez les plus importants, "
                "séparés par des virgules.",
                count=len(tags),
                max=max_tags,
            )
        raise UserError(
            "Trop de propositions : {count} (au plus {max}). Gardez les plus importantes, "
            "séparées par des virgules.",
            count=len(tags),
            max=max_tags,
        )
    return tags


async def replace(s: AsyncSession, member_id: int, kind: ReachKind, tags: list[Tag]) -> None:
    await s.exec(
        delete(OnboardingReachTag).where(
            col(OnboardingReachTag.member_id) == member_id, col(OnboardingReachTag.kind) == kind
        )
    )
    for tag in tags:
        s.add(OnboardingReachTag(member_id=member_id, kind=kind, key=tag.key, label=tag.label))


async def of_members(
    s: AsyncSession, member_ids: list[int]
) -> dict[tuple[int, ReachKind], list[OnboardingReachTag]]:
    """Each member's needs and offers, in the order they typed them."""
    out: dict[tuple[int, ReachKind], list[OnboardingReachTag]] = {}
    if not member_ids:
        return out
    rows = await s.exec(
        select(OnboardingReachTag)
        .where(col(OnboardingReachTag.member_id).in_(member_ids))
        .order_by(col(OnboardingReachTag.id))
    )
    for row in rows:
        out.setdefault((row.member_id, ReachKind(row.kind)), []).append(row)
    return out


async def labels(s: AsyncSession, member_id: int) -> tuple[list[str], list[str]]:
    """(needs, offers) as typed."""
    found = await of_members(s, [member_id])
    return (
        [t.label for t in found.get((member_id, ReachKind.NEED), [])],
        [t.label for t in found.get((member_id, ReachKind.OFFER), [])],
    )


async def keys(s: AsyncSession, member_id: int) -> list[str]:
    """Every need and offer key (for the folded search text)."""
    return list(
        await s.exec(
            select(OnboardingReachTag.key).where(OnboardingReachTag.member_id == member_id)
        )
    )


async def members_with(s: AsyncSession, kind: ReachKind, tag_keys: list[str]) -> set[int]:
    """Members having one of ``tag_keys`` as a need (or offer)."""
    if not tag_keys:
        return set()
    return set(
        await s.exec(
            select(OnboardingReachTag.member_id).where(
                OnboardingReachTag.kind == kind, col(OnboardingReachTag.key).in_(tag_keys)
            )
        )
    )


async def rows_of(s: AsyncSession, member_id: int) -> list[OnboardingReachTag]:
    return list(
        await s.exec(
            select(OnboardingReachTag)
            .where(OnboardingReachTag.member_id == member_id)
            .order_by(col(OnboardingReachTag.id))
        )
    )
