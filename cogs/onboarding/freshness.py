"""Profile freshness: a gentle DM when a profile was not touched for ``refresh_after``
(default 12 months), at most once a quarter, with a one-click "still right".

The database is the truth: the freshness stamp is ``onboarding_profile.updated_at`` (every
profile write moves it, and so does ``me uptodate``). Each write queues one outbox row keyed by
its due date (``onboarding:{member}:refresh:{yyyymmdd}``), so a due date is reminded exactly
once; the renderer re-checks at send time (a profile touched meanwhile is not due) and, when it
sends, queues the next one a quarter later. ``catch_up`` at start queues the profiles that have
no row yet (created before this feature, or while it was off).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from bot.core import UserError
from cogs.onboarding.models import OnboardingFlow, OnboardingFreshness, OnboardingProfile
from cogs.onboarding.periods import QUARTER, parse_period
from cogs.onboarding.profile import ProfileService
from cogs.onboarding.settings import OnboardingSettings

if TYPE_CHECKING:
    from cogs.onboarding.service import Deps

log = logging.getLogger(__name__)

REFRESH_KIND = "onboarding.refresh"
#: A row's due time and the re-check at send time may differ by rounding.
_TOLERANCE = timedelta(minutes=1)


def refresh_prefix(member_id: int) -> str:
    return f"onboarding:{member_id}:refresh:"


def refresh_key(member_id: int, due: datetime) -> str:
    return f"{refresh_prefix(member_id)}{due:%Y%m%d}"


class FreshnessService:
    def __init__(self, deps: Deps, settings: OnboardingSettings, profile: ProfileService) -> None:
        self.db = deps.db
        self.clock = deps.clock
        self.outbox = deps.outbox
        self.profile = profile
        self.period = parse_period(settings.refresh_after)
        profile.touched.append(self.schedule)

    def due(self, updated_at: datetime, asked_at: datetime | None) -> datetime | None:
        """When the next DM is due: the stamp plus the period, and never within a quarter of
        the last DM. None when freshness reminders are off."""
        if self.period is None:
            return None
        due: datetime = updated_at + self.period
        if asked_at is not None:
            due = max(due, asked_at + QUARTER)
        return due

    async def schedule(self, member_id: int) -> None:
        """(Re)queue the member's next freshness DM after a profile write or a DM."""
        if self.period is None:
            return
        async with self.db.session() as s:
            profile = await s.get(OnboardingProfile, member_id)
            fresh = await s.get(OnboardingFreshness, member_id)
        if profile is None:
            return
        due = self.due(profile.updated_at, fresh.asked_at if fresh else None)
        assert due is not None
        if fresh is not None and fresh.scheduled_for == due:
            return
        await self.outbox.cancel(prefix=refresh_prefix(member_id))
        await self._queue([(member_id, due)])

    async def catch_up(self) -> int:
        """At start: queue the profiles that have no reminder queued yet, and re-queue for now
        those whose reminder fell due while the bot was down (the outbox would skip it past
        its grace window, and the chain of reminders would stop). Returns how many."""
        if self.period is None:
            return 0
        now = self.clock.now()
        async with self.db.session() as s:
            rows = list(
                await s.exec(
                    select(
                        OnboardingProfile.member_id,
                        OnboardingProfile.updated_at,
                        OnboardingFreshness.asked_at,
                        OnboardingFreshness.scheduled_for,
                    )
                    .outerjoin(
                        OnboardingFreshness,
                        col(OnboardingFreshness.member_id) == col(OnboardingProfile.member_id),
                    )
                    .where(
                        col(OnboardingFreshness.scheduled_for).is_(None)
                        | (col(OnboardingFreshness.scheduled_for) < now)
                    )
                )
            )
        dues: list[tuple[int, datetime]] = []
        for mid, updated, asked, scheduled in rows:
            due = self.due(updated, asked)
            assert due is not None
            if scheduled is not None:  # overdue: replace the stale row by one due now
                await self.outbox.cancel(prefix=refresh_prefix(mid))
                due = max(due, now)
            dues.append((mid, due))
        await self._queue(dues)
        if dues:
            log.info("Profile freshness: %d profiles scheduled", len(dues))
        return len(dues)

    async def _queue(self, dues: list[tuple[int, datetime]]) -> None:
        items: list[dict[str, Any]] = [
            dict(key=refresh_key(mid, due), due_at=due, kind=REFRESH_KIND, member_id=mid)
            for mid, due in dues
        ]
        for start in range(0, len(items), 1000):
            await self.outbox.enqueue_many(items[start : start + 1000])
        # One upsert for all (catch_up may queue a whole community at its first start).
        stmt = self.db.insert(OnboardingFreshness)
        stmt = stmt.on_conflict_do_update(
            index_elements=["member_id"], set_={"scheduled_for": stmt.excluded.scheduled_for}
        )
        async with self.db.session() as s:
            for start in range(0, len(dues), 1000):
                chunk = dues[start : start + 1000]
                await s.exec(stmt, params=[{"member_id": m, "scheduled_for": d} for m, d in chunk])

    async def asking(self, member_id: int) -> OnboardingProfile | None:
        """At send time: the profile when its DM is still due (then stamped as asked and the
        next one queued a quarter later), else None (touched meanwhile, forgotten, left the
        community, off)."""
        now = self.clock.now()
        async with self.db.session() as s:
            profile = await s.get(OnboardingProfile, member_id)
            fresh = await s.get(OnboardingFreshness, member_id)
            flow = await s.get(OnboardingFlow, member_id)
            if profile is None or (flow is not None and flow.left_at is not None):
                return None  # forgotten, or left the community: not ours to nag
            due = self.due(profile.updated_at, fresh.asked_at if fresh else None)
            if due is None or due > now + _TOLERANCE:
                return None
            fresh = fresh or OnboardingFreshness(member_id=member_id)
            fresh.asked_at = now
            s.add(fresh)
        await self.schedule(member_id)
        return profile

    async def still_right(self, member_id: int) -> datetime:
        """``me uptodate``: the profile is confirmed as it is (the stamp moves to now);
        returns when the next reminder would come."""
        async with self.db.session() as s:
            profile = await s.get(OnboardingProfile, member_id)
        if profile is None:
            raise UserError(
                "Vous n'avez pas encore de profil : remplissez-le avec me edit (ex. me edit "
                "field:region value:Bretagne)."
            )
        await self.profile.update(member_id)
        async with self.db.session() as s:
            fresh = await s.get(OnboardingFreshness, member_id)
        now = self.clock.now()
        return self.due(now, fresh.asked_at if fresh else None) or now
