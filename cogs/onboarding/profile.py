"""A member's profile: validating and storing one answer (a flow step or ``me edit``).

Language, time zone and display name are the core's (``members``): this room only validates
the answer and hands it over, so there is one write path for each.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from bot.core import ReminderPreferenceChanged, UserError
from bot.core.text import fold_key
from cogs.onboarding import needs, queries
from cogs.onboarding.domain import (
    HIDDEN,
    MAX_TAG,
    NO,
    VISIBLE,
    YES,
    check_length,
    choice,
    from_list,
    parse_interests,
    parse_notifications,
    search_key,
)
from cogs.onboarding.models import OnboardingProfile
from cogs.onboarding.settings import OnboardingSettings
from cogs.onboarding.steps import ProfileField, Step

if TYPE_CHECKING:
    from cogs.onboarding.service import Deps


class ProfileService:
    def __init__(self, deps: Deps, settings: OnboardingSettings) -> None:
        self.db = deps.db
        self.clock = deps.clock
        self.members = deps.members
        self.events = deps.events
        self.settings = settings
        #: Called after every profile write (the freshness DM is rescheduled from it).
        self.touched: list[Callable[[int], Awaitable[None]]] = []

    async def apply(self, member_id: int, step: Step | ProfileField, value: str) -> str:
        """Validate and store one answer; returns the value as stored (for the reply)."""
        name = step.value
        value = check_length(value)
        if name == "language":
            return await self.members.set_locale(member_id, value)
        if name == "timezone":
            return await self.members.set_timezone(member_id, value)
        if name == "name":
            if not value:
                raise UserError("Le nom ne peut pas être vide.")
            await self.members.set_display_name(member_id, value)
            await self.update(member_id)
            return value
        if name == "notifications":
            return await self._set_notifications(member_id, value)
        if name == "directory":
            visible = choice(value, VISIBLE, HIDDEN, "visible / hidden")
            await self.update(member_id, visible=visible)
            return "visible" if visible else "hidden"
        if name == "welcome":
            agreed = choice(value, YES, NO, "oui / non")
            await self.update(member_id, welcome=agreed)
            return "oui" if agreed else "non"
        if name == "organisation":
            await self.update(member_id, organisation=value or None)
            return value
        if name == "metier":
            label = from_list(value, self.settings.metiers, self.settings.metier_free)
            await self.update(member_id, metier=label or None, metier_key=fold_key(label) or None)
            return label
        if name == "region":
            label = from_list(value, self.settings.regions, self.settings.region_free)
            await self.update(member_id, region=label or None, region_key=fold_key(label) or None)
            return label
        if name == "interests":
            labels = await self._set_interests(member_id, value)
            return ", ".join(labels)
        if name in ("needs", "offers"):
            kind = needs.ReachKind.NEED if name == "needs" else needs.ReachKind.OFFER
            return ", ".join(await self._set_reach(member_id, kind, value))
        raise UserError(
            "Champ inconnu : « {field} ». Champs : {fields}.",
            field=name[:40],
            fields=", ".join(f.value for f in ProfileField),
        )

    async def _set_notifications(self, member_id: int, value: str) -> str:
        offsets, stored = parse_notifications(value)
        await self.update(member_id, notifications=stored)
        await self.events.emit(ReminderPreferenceChanged(member_id, offsets))
        return stored

    async def _set_interests(self, member_id: int, value: str) -> list[str]:
        labels = parse_interests(value)
        async with self.db.session() as s:
            await queries.replace_interests(s, member_id, labels, MAX_TAG)
        await self.update(member_id)
        return list(labels.values())

    async def _set_reach(self, member_id: int, kind: needs.ReachKind, value: str) -> list[str]:
        tags = needs.parse_reach(
            value,
            kind,
            max_tags=self.settings.max_needs,
            max_length=self.settings.reach_tag_length,
        )
        async with self.db.session() as s:
            await needs.replace(s, member_id, kind, tags)
        await self.update(member_id)
        return [t.label for t in tags]

    async def update(self, member_id: int, **values: Any) -> None:
        """Set profile fields and refresh the folded search text."""
        member = await self.members.get(member_id)
        if member is None:
            raise UserError("Membre introuvable.")
        now = self.clock.now()
        async with self.db.session() as s:
            profile = await s.get(OnboardingProfile, member_id)
            profile = profile or OnboardingProfile(member_id=member_id, updated_at=now)
            for key, value in values.items():
                setattr(profile, key, value)
            tags = await queries.interest_keys(s, member_id)
            tags += await needs.keys(s, member_id)
            parts = [member.display_name, profile.organisation, profile.metier, profile.region]
            profile.search_key = search_key([*parts, *tags])
            profile.updated_at = now
            s.add(profile)
        for hook in self.touched:
            await hook(member_id)
