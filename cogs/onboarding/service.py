"""Onboarding's use cases, one room each, built on explicit dependencies (not the whole core):

- ``flow.py``: the newcomer flow (join, answer, skip, accept, nudges, completion);
- ``profile.py``: validating and storing one answer (a step or ``me edit``);
- ``directory.py``: ``members find`` / ``members show``;
- ``moderation.py``: the funnel, who is pending, ``onboarding resend``;
- ``needs.py`` / ``matching.py``: needs and offers, ``members match``;
- ``introductions.py``: ``members introduce`` and the answers;
- ``freshness.py``: the "is your profile still right?" DM;
- ``privacy.py``: export / forget / merge (the core's ``PrivacyHooks``).

Platform-free: no replies, no adapters; the tests and the dashboard call these directly.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.core import Role
from bot.core.events import EventBus
from bot.core.members import MemberService
from bot.core.outbox import Outbox
from bot.scheduling import Clock
from bot.storage.db import Database
from cogs.onboarding.directory import DirectoryService
from cogs.onboarding.flow import FlowService
from cogs.onboarding.freshness import FreshnessService
from cogs.onboarding.introductions import IntroductionService
from cogs.onboarding.matching import MatchService
from cogs.onboarding.moderation import ModerationService
from cogs.onboarding.privacy import OnboardingPrivacy
from cogs.onboarding.profile import ProfileService
from cogs.onboarding.settings import OnboardingSettings


@dataclass(frozen=True, slots=True)
class Deps:
    """What onboarding needs from the core, spelled out."""

    db: Database
    clock: Clock
    members: MemberService
    outbox: Outbox
    events: EventBus
    #: Grant a neutral role on every running platform where the member has an identity.
    grant_role: Callable[[int, Role], Awaitable[int]]
    #: The platforms running now (adapters may start after the cog is built).
    platforms: Callable[[], frozenset[str]]


class OnboardingService:
    """The rooms, wired together: flow uses profile; moderation and privacy use flow."""

    def __init__(self, deps: Deps, settings: OnboardingSettings) -> None:
        self.settings = settings
        self.profile = ProfileService(deps, settings)
        self.flow = FlowService(deps, settings, self.profile)
        self.directory = DirectoryService(deps, settings)
        self.moderation = ModerationService(deps, self.flow)
        self.matching = MatchService(deps, self.directory)
        self.introductions = IntroductionService(deps, settings, self.directory)
        self.freshness = FreshnessService(deps, settings, self.profile)
        self.privacy = OnboardingPrivacy(deps, self.flow, self.profile)
