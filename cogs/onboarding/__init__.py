"""Onboarding: the newcomer flow, member profiles (``me profile``, ``me edit``) and the opt-in
directory. The member's rights (``me export | forget | link``, language, time zone) are core
built-ins; this cog contributes its part through ``privacy.py``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core import Cog, Core


def setup(core: Core) -> Cog:
    # Imported here: the package stays light (the command index reads cogs.onboarding.steps).
    from cogs.onboarding.cog import Onboarding
    from cogs.onboarding.service import Deps, OnboardingService
    from cogs.onboarding.settings import OnboardingSettings

    settings = core.cog_settings("onboarding", OnboardingSettings)
    deps = Deps(
        db=core.db,
        clock=core.clock,
        members=core.members,
        outbox=core.outbox,
        events=core.events,
        grant_role=core.grant_role,
        platforms=lambda: core.platforms,
    )
    from cogs.onboarding.dashboard import OnboardingDashboard

    service = OnboardingService(deps, settings)
    board = OnboardingDashboard(deps, service)
    for name in ("overview:onboarding", "me:onboarding", "members"):
        core.web.provide(name, board)
    from cogs.onboarding.digest import OnboardingDigest

    core.digest.register(OnboardingDigest(core.db, core.members))  # new members, what to do
    return Onboarding(core, settings, service)
