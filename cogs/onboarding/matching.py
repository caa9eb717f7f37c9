"""``members match``: directory members whose offers meet my needs (and the reverse), or who
share my region and an interest, each with why.

Ranking (deterministic, documented in docs/onboarding.md):

- each of their offers that meets one of my needs: 3 points;
- each of their needs that one of my offers meets: 2 points;
- the same region: 1 point; each shared interest: 1 point.

A member qualifies with at least one need/offer match, or with the same region *and* at least
one shared interest. Ties: more need/offer matches first, then the freshest profile, then the
oldest member (lowest id). Only members visible in the directory are ever suggested, never
the asker; an asker outside the directory may see matches but is suggested to nobody.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import UserError
from cogs.onboarding import needs, queries
from cogs.onboarding.directory import DirectoryService
from cogs.onboarding.domain import Card
from cogs.onboarding.models import OnboardingInterest, OnboardingProfile
from cogs.onboarding.needs import ReachKind

if TYPE_CHECKING:
    from cogs.onboarding.service import Deps

MAX_MATCHES = 5
OFFER_POINTS, NEED_POINTS, REGION_POINTS, INTEREST_POINTS = 3, 2, 1, 1

#: Reason kinds, rendered "propose : …", "cherche : …", "même région : …", "intérêts : …".
OFFERS, NEEDS, REGION, INTERESTS = "offers", "needs", "region", "interests"


@dataclass(slots=True)
class Match:
    card: Card
    #: (reason kind, labels), in the order above.
    reasons: list[tuple[str, list[str]]]
    score: int


@dataclass(slots=True)
class MatchResult:
    matches: list[Match] = field(default_factory=list)
    #: Whether the asker is in the directory (others can be suggested them).
    visible: bool = False
    #: Whether the asker gave anything to match on (needs, offers, or region and interests).
    has_material: bool = False


@dataclass(slots=True)
class Facts:
    """What matching compares, for one member: folded key → label as they typed it."""

    needs: dict[str, str]
    offers: dict[str, str]
    interests: dict[str, str]
    region_key: str | None
    region: str | None


def score(me: Facts, other: Facts) -> tuple[int, int, list[tuple[str, list[str]]]]:
    """(points, need/offer matches, reasons); 0 points when ``other`` does not qualify."""
    offers = [label for key, label in other.offers.items() if key in me.needs]
    wanted = [label for key, label in other.needs.items() if key in me.offers]
    same_region = me.region_key is not None and me.region_key == other.region_key
    shared = [label for key, label in me.interests.items() if key in other.interests]
    complementary = len(offers) + len(wanted)
    if not complementary and not (same_region and shared):
        return 0, 0, []
    reasons: list[tuple[str, list[str]]] = []
    if offers:
        reasons.append((OFFERS, offers))
    if wanted:
        reasons.append((NEEDS, wanted))
    if same_region and other.region:
        reasons.append((REGION, [other.region]))
    if shared:
        reasons.append((INTERESTS, shared))
    points = (
        OFFER_POINTS * len(offers)
        + NEED_POINTS * len(wanted)
        + (REGION_POINTS if same_region else 0)
        + INTEREST_POINTS * len(shared)
    )
    return points, complementary, reasons


class MatchService:
    def __init__(self, deps: Deps, directory: DirectoryService) -> None:
        self.db = deps.db
        self.members = deps.members
        self.directory = directory

    async def match(self, member_id: int, limit: int = MAX_MATCHES) -> MatchResult:
        if await self.members.get(member_id) is None:
            raise UserError("Membre introuvable.")
        async with self.db.session() as s:
            mine = await self._facts(s, [member_id])
            me = mine[member_id]
            profile = await s.get(OnboardingProfile, member_id)
            result = MatchResult(
                visible=bool(profile and profile.visible),
                has_material=bool(me.needs or me.offers or (me.region_key and me.interests)),
            )
            if not result.has_material:
                return result
            ids = await needs.members_with(s, ReachKind.OFFER, list(me.needs))
            ids |= await needs.members_with(s, ReachKind.NEED, list(me.offers))
            if me.region_key and me.interests:
                ids |= set(
                    await s.exec(
                        select(OnboardingProfile.member_id).where(
                            OnboardingProfile.region_key == me.region_key,
                            col(OnboardingProfile.member_id).in_(
                                select(OnboardingInterest.member_id).where(
                                    col(OnboardingInterest.key).in_(list(me.interests))
                                )
                            ),
                        )
                    )
                )
            ids.discard(member_id)
            # Nobody outside the directory, ever.
            ids = await queries.visible_among(s, sorted(ids)) if ids else set()
            facts = await self._facts(s, sorted(ids))
            fresh = await queries.profiles(s, sorted(ids))
        ranked = []
        for other_id, other in facts.items():
            points, complementary, reasons = score(me, other)
            if points:
                stamp = fresh[other_id].updated_at.timestamp()
                ranked.append(((-points, -complementary, -stamp, other_id), reasons, points))
        ranked.sort(key=lambda r: r[0])
        top = ranked[:limit]
        cards = {c.member_id: c for c in await self.directory.cards([r[0][3] for r in top])}
        result.matches = [
            Match(cards[key[3]], reasons, points)
            for key, reasons, points in top
            if key[3] in cards
        ]
        return result

    @staticmethod
    async def _facts(s: AsyncSession, member_ids: list[int]) -> dict[int, Facts]:
        reach = await needs.of_members(s, member_ids)
        profiles = await queries.profiles(s, member_ids)
        interests: dict[int, dict[str, str]] = {}
        if member_ids:
            for row in await s.exec(
                select(OnboardingInterest)
                .where(col(OnboardingInterest.member_id).in_(member_ids))
                .order_by(col(OnboardingInterest.id))
            ):
                interests.setdefault(row.member_id, {})[row.key] = row.label
        out = {}
        for mid in member_ids:
            p = profiles.get(mid)
            out[mid] = Facts(
                needs={t.key: t.label for t in reach.get((mid, ReachKind.NEED), [])},
                offers={t.key: t.label for t in reach.get((mid, ReachKind.OFFER), [])},
                interests=interests.get(mid, {}),
                region_key=p.region_key if p else None,
                region=p.region if p else None,
            )
        return out
