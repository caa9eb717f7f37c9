"""What onboarding shows on the web dashboard (``bot.core.dashboard_data``), registered at
``setup`` as ``overview:onboarding`` (the funnel, profile freshness, directory opt-ins),
``me:onboarding`` (the member's profile, and how to change it in the chat) and ``members``
(the opt-in directory with its filters, and who is still in their welcome flow).

Hidden profiles never reach the directory, its filter lists included.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.dashboard_data import (
    DIRECTORY_PAGE_SIZE,
    Card,
    DirectoryEntry,
    DirectoryPage,
    Figure,
    Item,
    PendingEntry,
)
from bot.core.i18n import N_
from cogs.onboarding import queries
from cogs.onboarding.domain import STEP_LABELS, FunnelCounts
from cogs.onboarding.models import OnboardingInterest, OnboardingProfile

if TYPE_CHECKING:
    from cogs.onboarding.service import Deps, OnboardingService

#: A profile touched within this long counts as fresh.
FRESH = timedelta(days=365)
#: Filter lists offer at most this many values (the most common first for interests).
MAX_OPTIONS = 200


class OnboardingDashboard:
    def __init__(self, deps: Deps, service: OnboardingService) -> None:
        self.db = deps.db
        self.members = deps.members
        self.service = service

    # --- overview ---------------------------------------------------------------------------

    async def overview_card(self, now: datetime) -> Card:
        async with self.db.read() as conn:
            counts = await queries.overview_counts(conn, now - FRESH)
        funnel = FunnelCounts(*counts[:5])
        profiles, fresh, visible = counts[5:]
        joined = funnel.joined or None
        return Card(
            title=N_("Accueil des nouveaux"),
            order=10,
            figures=(
                Figure(N_("Arrivés"), funnel.joined),
                Figure(N_("Ont commencé l'accueil"), funnel.started, of=joined),
                Figure(N_("Ont accepté le code de conduite"), funnel.coc, of=joined),
                Figure(N_("Ont rempli leur profil"), funnel.profile, of=joined),
                Figure(N_("Ont terminé l'accueil"), funnel.completed, of=joined),
                Figure(
                    N_("Profils à jour (12 derniers mois)"),
                    fresh / profiles if profiles else 0.0,
                    percent=True,
                ),
                Figure(N_("Inscrits à l'annuaire"), visible),
            ),
            link="/members/pending",
            link_label=N_("Voir les accueils en cours"),
        )

    # --- my page ----------------------------------------------------------------------------

    async def my_card(self, member_id: int, now: datetime) -> Card:
        async with self.db.session() as s:
            profile = await s.get(OnboardingProfile, member_id)
            interests = await queries.interest_labels(s, member_id)
        hint = N_(
            "Pour modifier votre profil, tapez me edit dans le chat (ex. me edit region Bretagne)."
        )
        if profile is None:
            return Card(
                title=N_("Mon profil"),
                order=30,
                empty=N_("Vous n'avez pas encore de profil."),
                hint=hint,
            )
        items = [
            Item(value, label=label)
            for label, value in (
                (N_("structure"), profile.organisation),
                (N_("métier"), profile.metier),
                (N_("région"), profile.region),
                (N_("centres d'intérêt"), ", ".join(interests)),
            )
            if value
        ]
        visibility = (
            N_("visible dans l'annuaire") if profile.visible else N_("absent de l'annuaire")
        )
        items.append(Item("", label=visibility))
        items.append(Item("", label=N_("mis à jour"), when=profile.updated_at))
        return Card(title=N_("Mon profil"), order=30, items=tuple(items), hint=hint)

    # --- members ----------------------------------------------------------------------------

    async def directory(
        self, *, region: str = "", metier: str = "", interest: str = "", page: int = 1
    ) -> DirectoryPage:
        stmt = queries.find_statement(region=region, interest=interest, metier=metier, query="")
        offset = (page - 1) * DIRECTORY_PAGE_SIZE
        async with self.db.session() as s:
            rows = list(await s.exec(stmt.limit(DIRECTORY_PAGE_SIZE).offset(offset)))
            regions = await self._distinct(
                s, OnboardingProfile.region, OnboardingProfile.region_key
            )
            metiers = await self._distinct(
                s, OnboardingProfile.metier, OnboardingProfile.metier_key
            )
            tags = list(
                await s.exec(
                    select(func.min(OnboardingInterest.label))
                    .join(
                        OnboardingProfile,
                        col(OnboardingProfile.member_id) == col(OnboardingInterest.member_id),
                    )
                    .where(col(OnboardingProfile.visible))
                    .group_by(col(OnboardingInterest.key))
                    .order_by(func.count().desc(), col(OnboardingInterest.key))
                    .limit(MAX_OPTIONS)
                )
            )
        total = int(rows[0][1]) if rows else 0
        if not rows and page > 1:  # past the end: the total still tells how many
            async with self.db.session() as s:
                first = list(await s.exec(stmt.limit(1)))
            total = int(first[0][1]) if first else 0
        cards = await self.service.directory.cards([r[0] for r in rows])
        return DirectoryPage(
            entries=tuple(
                DirectoryEntry(c.name, c.organisation, c.metier, c.region, tuple(c.interests))
                for c in cards
            ),
            total=total,
            regions=regions,
            metiers=metiers,
            interests=tuple(sorted(str(t) for t in tags)),
        )

    @staticmethod
    async def _distinct(s: AsyncSession, shown: Any, key: Any) -> tuple[str, ...]:
        """The values a filter offers: one spelling per folded key, visible profiles only."""
        rows = await s.exec(
            select(func.min(shown))
            .where(col(OnboardingProfile.visible), col(key).is_not(None))
            .group_by(key)
            .order_by(key)
            .limit(MAX_OPTIONS)
        )
        return tuple(str(v) for v in rows if v)

    async def pending(self, *, limit: int = 100) -> tuple[int, list[PendingEntry]]:
        total, rows = await self.service.moderation.pending(limit)
        return total, [
            PendingEntry(r.member_id, r.name, STEP_LABELS[r.step] if r.step else "", r.since)
            for r in rows
        ]

    async def resend(self, member_id: int) -> str | None:
        member = await self.members.get(member_id)
        if member is None:
            return None
        await self.service.moderation.resend_to(member)
        return member.display_name
