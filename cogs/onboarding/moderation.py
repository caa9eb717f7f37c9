"""What moderators see and do: the funnel, who is pending, sending a step again."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.core import MemberInfo, UserError
from cogs.onboarding import queries
from cogs.onboarding.domain import STEP_KIND, Funnel, FunnelCounts, PendingRow, resend_key
from cogs.onboarding.flow import FlowService
from cogs.onboarding.steps import Step

if TYPE_CHECKING:
    from cogs.onboarding.service import Deps


class ModerationService:
    def __init__(self, deps: Deps, flow: FlowService) -> None:
        self.db = deps.db
        self.clock = deps.clock
        self.members = deps.members
        self.outbox = deps.outbox
        self.flow = flow

    async def funnel(self, weeks: int = 6) -> Funnel:
        now = self.clock.now()

        async def counts(since: datetime | None) -> FunnelCounts:
            async with self.db.session() as s:
                return FunnelCounts(*await queries.funnel_counts(s, since))

        history: list[tuple[datetime, int, int]] = []
        async with self.db.session() as s:
            for i in range(weeks):
                end = now - timedelta(days=7 * i)
                start = end - timedelta(days=7)
                joined, completed = await queries.week_counts(s, start, end)
                history.append((start, joined, completed))
        return Funnel(await counts(now - timedelta(days=7)), await counts(None), history)

    async def pending(self, limit: int = 25) -> tuple[int, list[PendingRow]]:
        async with self.db.session() as s:
            total = await queries.unfinished_count(s)
            flows = await queries.unfinished(s, limit)
        names = await self.members.names([f.member_id for f in flows])
        return total, [
            PendingRow(
                f.member_id, names[f.member_id], Step(f.step) if f.step else None, f.updated_at
            )
            for f in flows
            if f.member_id in names
        ]

    async def resend(self, name: str) -> MemberInfo:
        matches = await self.members.find_by_name(name)
        if not matches:
            raise UserError("Aucun membre ne s'appelle « {name} ».", name=name[:60])
        if len(matches) > 1:
            raise UserError(
                "Plusieurs membres s'appellent « {name} » : précisez (identifiant de plateforme).",
                name=name[:60],
            )
        return await self.resend_to(matches[0])

    async def resend_to(self, member: MemberInfo) -> MemberInfo:
        """Queue the member's current step again (``onboarding resend``, the dashboard)."""
        view = await self.flow.view(member.id)
        assert view is not None  # opened when missing: resending starts a welcome
        if view.flow.left_at is not None:
            raise UserError("{name} a quitté la communauté.", name=member.display_name)
        if view.completed and not view.skipped:
            raise UserError("{name} a déjà terminé son accueil.", name=member.display_name)
        now = self.clock.now()
        await self.outbox.enqueue(
            resend_key(member.id, now),
            now,
            kind=STEP_KIND,
            data={"reason": "resend"},
            member_id=member.id,
            fallback_room=self.flow.fallback_room,
        )
        return member
