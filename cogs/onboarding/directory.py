"""The opt-in directory: ``members find`` and ``members show`` (hidden members never show)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core import UserError
from bot.core.text import fold_key, tidy
from cogs.onboarding import needs, queries
from cogs.onboarding.domain import Card
from cogs.onboarding.settings import OnboardingSettings

if TYPE_CHECKING:
    from cogs.onboarding.service import Deps


class DirectoryService:
    def __init__(self, deps: Deps, settings: OnboardingSettings) -> None:
        self.db = deps.db
        self.members = deps.members
        self.settings = settings

    async def find(
        self,
        *,
        region: str = "",
        interest: str = "",
        metier: str = "",
        query: str = "",
        limit: int | None = None,
    ) -> tuple[int, list[Card]]:
        """Visible members matching every given filter: (how many in all, the first ones)."""
        if not any(tidy(x) for x in (region, interest, metier, query)):
            raise UserError(
                "Donnez au moins un filtre : region:…, interest:…, metier:… ou query:… "
                "(ex. region:Bretagne interest:médiation)."
            )
        limit = limit or self.settings.find_limit
        stmt = queries.find_statement(region=region, interest=interest, metier=metier, query=query)
        async with self.db.session() as s:
            rows = list(await s.exec(stmt.limit(limit)))
        total = int(rows[0][1]) if rows else 0
        return total, await self.cards([r[0] for r in rows])

    async def cards(self, member_ids: list[int]) -> list[Card]:
        """The members' cards, in the order given (members without a profile are left out)."""
        if not member_ids:
            return []
        async with self.db.session() as s:
            found = await queries.profiles(s, member_ids)
            tags = await queries.interests_of(s, member_ids)
            reach = await needs.of_members(s, member_ids)
        names = await self.members.names(list(found))
        out = []
        for member_id in member_ids:
            p = found.get(member_id)
            if p is not None and member_id in names:
                out.append(
                    Card(
                        member_id,
                        names[member_id],
                        p.organisation,
                        p.metier,
                        p.region,
                        tags.get(member_id, []),
                        [t.label for t in reach.get((member_id, needs.ReachKind.NEED), [])],
                        [t.label for t in reach.get((member_id, needs.ReachKind.OFFER), [])],
                    )
                )
        return out

    async def show(self, name: str) -> list[Card]:
        """Visible members by that name (hidden ones are never revealed)."""
        candidates = await self.members.find_by_name(name)
        if not candidates:
            # A part of a name: search the visible profiles' folded text.
            key = fold_key(name)
            if key:
                _, cards = await self.find(query=key, limit=5)
                return cards
            return []
        async with self.db.session() as s:
            visible = await queries.visible_among(s, [c.id for c in candidates])
        return await self.cards([c.id for c in candidates if c.id in visible])
