"""Onboarding: the newcomer flow, member profiles, the opt-in directory and "my data"."""

from __future__ import annotations

from bot.core import Cog, Core
from cogs.onboarding.settings import Settings


def setup(core: Core) -> Cog:
    from cogs.onboarding.cog import Onboarding

    return Onboarding(core, core.cog_settings("onboarding", Settings))
