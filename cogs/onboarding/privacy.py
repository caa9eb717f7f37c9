"""Onboarding's part of the community's privacy rights (``bot.core.privacy.PrivacyHooks``):
export, forget and merge the flow, the profile and the interests. ``me link`` codes are the
core's."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import N_
from bot.core.privacy import MergeNote
from cogs.onboarding import queries, reach_privacy
from cogs.onboarding.domain import join_steps, member_prefix, split_steps
from cogs.onboarding.flow import FlowService
from cogs.onboarding.freshness import refresh_prefix
from cogs.onboarding.introductions import intro_key
from cogs.onboarding.models import OnboardingFlow, OnboardingProfile
from cogs.onboarding.profile import ProfileService

if TYPE_CHECKING:
    from cogs.onboarding.service import Deps

#: Flow timestamps a merge keeps the earliest of.
_FLOW_TIMES = ("joined_at", "started_at", "coc_accepted_at", "profile_at", "completed_at")
#: Profile fields the kept member's value wins for, an empty one filled from the other.
_PROFILE_FIELDS = ("organisation", "metier", "metier_key", "region", "region_key", "notifications")


def _iso(v: datetime | None) -> str | None:
    return v.isoformat() if v else None


class OnboardingPrivacy:
    def __init__(self, deps: Deps, flow: FlowService, profile: ProfileService) -> None:
        self.db = deps.db
        self.outbox = deps.outbox
        self.members = deps.members
        self.flow = flow
        self.profile = profile

    async def export(self, member_id: int) -> dict[str, Any] | None:
        async with self.db.session() as s:
            flow = await s.get(OnboardingFlow, member_id)
            profile = await s.get(OnboardingProfile, member_id)
            tags = await queries.interest_labels(s, member_id)
            others = await reach_privacy.others(s, member_id)
        names = await self.members.names(sorted(others))
        async with self.db.session() as s:
            reach = await reach_privacy.export(s, member_id, names)
        empty = not (reach["needs"] or reach["offers"] or reach["introductions"])
        if flow is None and profile is None and not tags and empty:
            return None
        return {
            "flow": None
            if flow is None
            else {
                "step": flow.step or None,
                "done": split_steps(flow.done),
                "skipped": split_steps(flow.skipped),
                "joined_at": _iso(flow.joined_at),
                "started_at": _iso(flow.started_at),
                "code_of_conduct_accepted_at": _iso(flow.coc_accepted_at),
                "profile_at": _iso(flow.profile_at),
                "completed_at": _iso(flow.completed_at),
                "left_at": _iso(flow.left_at),
            },
            "profile": None
            if profile is None
            else {
                "organisation": profile.organisation,
                "metier": profile.metier,
                "region": profile.region,
                "notifications": profile.notifications,
                "directory_visible": profile.visible,
                "welcome_post": profile.welcome,
                "updated_at": _iso(profile.updated_at),
            },
            "interests": tags,
            **reach,
        }

    async def forget(self, member_id: int) -> None:
        async with self.db.session() as s:
            threads = await reach_privacy.intro_threads(s, member_id)
            await reach_privacy.forget(s, member_id)
            await queries.delete_member_rows(s, member_id)
        for other, intro_id in threads:
            await self.outbox.purge(intro_key(other, intro_id, ""))
        # Our messages, sent or not, including the welcome post (queued to a room).
        await self.outbox.purge(member_prefix(member_id))

    async def merge(self, kept: int, merged: int) -> list[MergeNote]:
        notes: list[MergeNote] = []
        async with self.db.session() as s:
            notes += await self._merge_flows(s, kept, merged)
            profile_notes, kept_profile = await self._merge_profiles(s, kept, merged)
            notes += profile_notes
            have = set(await queries.interest_keys(s, kept))
            for tag in await queries.interest_rows(s, merged):
                if tag.key in have:
                    await s.delete(tag)
                else:
                    tag.member_id = kept
                    s.add(tag)
            await reach_privacy.merge(s, kept, merged)
        await self.outbox.cancel(prefix=refresh_prefix(merged))
        if kept_profile:
            await self.profile.update(kept)
        return notes

    async def _merge_flows(self, s: AsyncSession, kept: int, merged: int) -> list[MergeNote]:
        """The steps done on either account are combined; the earliest timestamps win."""
        a = await s.get(OnboardingFlow, kept)
        b = await s.get(OnboardingFlow, merged)
        if b is None:
            return []
        notes: list[MergeNote] = []
        if a is None:
            a = OnboardingFlow(
                member_id=kept,
                step=b.step,
                done=b.done,
                skipped=b.skipped,
                joins=b.joins,
                left_at=b.left_at,
                updated_at=b.updated_at,
                **{attr: getattr(b, attr) for attr in _FLOW_TIMES},
            )
        else:
            done = list(dict.fromkeys(split_steps(a.done) + split_steps(b.done)))
            a.done = join_steps(done)
            a.skipped = join_steps(
                [
                    x
                    for x in dict.fromkeys(split_steps(a.skipped) + split_steps(b.skipped))
                    if x not in done
                ]
            )
            for attr in _FLOW_TIMES:
                values = [v for v in (getattr(a, attr), getattr(b, attr)) if v]
                setattr(a, attr, min(values) if values else None)
            a.step = "" if a.completed_at else (self.flow.next(a) or "")
            notes.append(
                MergeNote(N_("Accueil : les étapes faites sur les deux comptes sont réunies."))
            )
        await s.delete(b)
        await s.flush()
        s.add(a)
        return notes

    async def _merge_profiles(
        self, s: AsyncSession, kept: int, merged: int
    ) -> tuple[list[MergeNote], bool]:
        """The kept profile's fields win, empty ones are filled from the other; directory
        choices that differ hide the member. Returns (notes, whether kept has a profile)."""
        pa = await s.get(OnboardingProfile, kept)
        pb = await s.get(OnboardingProfile, merged)
        if pb is None:
            return [], pa is not None
        notes: list[MergeNote] = []
        if pa is None:
            pa = OnboardingProfile(member_id=kept, updated_at=pb.updated_at)
            for attr in (*_PROFILE_FIELDS, "visible", "welcome", "search_key"):
                setattr(pa, attr, getattr(pb, attr))
        else:
            for attr in _PROFILE_FIELDS:
                if getattr(pa, attr) is None:
                    setattr(pa, attr, getattr(pb, attr))
            if pa.visible != pb.visible:
                pa.visible = False
                notes.append(
                    MergeNote(
                        N_(
                            "Annuaire : les deux comptes différaient, vous êtes masqué "
                            "(me edit field:directory value:visible pour apparaître)."
                        )
                    )
                )
            notes.append(
                MergeNote(
                    N_(
                        "Profil : les champs du compte gardé priment, les vides sont "
                        "complétés par l'autre."
                    )
                )
            )
        await s.delete(pb)
        await s.flush()
        s.add(pa)
        return notes, True
