"""Onboarding rules: the newcomer flow, profiles, the directory, link codes. Platform-free."""

from __future__ import annotations

import hmac
import logging
import math
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import func
from sqlmodel import col, delete, select, update

from bot.core import N_, ReminderPreferenceChanged, Role, RoomRef, UserError
from bot.core.durations import format_duration_short, parse_duration, parse_offsets
from bot.core.linking import MergeReport, merge_members
from bot.core.members import MemberInfo
from bot.core.text import fold_key, split_list, tidy
from bot.storage.models import Member, OutboxMessage
from cogs.onboarding.models import (
    OnboardingFlow,
    OnboardingInterest,
    OnboardingLinkAttempt,
    OnboardingLinkCode,
    OnboardingProfile,
)
from cogs.onboarding.settings import Settings

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)

MAX_VALUE = 200
MAX_INTERESTS = 10
MAX_TAG = 60
# No 0/O, 1/I/L: codes are read on one screen and typed on another.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
#: 31**10 ≈ 8·10**14 codes. The first CODE_HANDLE characters find the code, the rest is its
#: secret: a wrong secret counts against that code, so guesses spread over many accounts still
#: get only CODE_MAX_FAILURES tries at any one code.
CODE_LENGTH = 10
CODE_HANDLE = 4
CODE_MAX_FAILURES = 5
#: A member who typed this many wrong codes in LINK_WINDOW must wait.
LINK_MAX_FAILURES = 5
LINK_WINDOW = timedelta(minutes=15)

STEP_KIND = "onboarding.step"
WELCOME_KIND = "onboarding.welcome"


class Step(StrEnum):
    LANGUAGE = "language"
    COC = "coc"
    NAME = "name"
    ORGANISATION = "organisation"
    METIER = "metier"
    REGION = "region"
    INTERESTS = "interests"
    TIMEZONE = "timezone"
    NOTIFICATIONS = "notifications"
    DIRECTORY = "directory"
    WELCOME = "welcome"


class ProfileField(StrEnum):
    """What ``me edit field:…`` accepts (every step but the code of conduct)."""

    NAME = "name"
    ORGANISATION = "organisation"
    METIER = "metier"
    REGION = "region"
    INTERESTS = "interests"
    TIMEZONE = "timezone"
    LANGUAGE = "language"
    NOTIFICATIONS = "notifications"
    DIRECTORY = "directory"
    WELCOME = "welcome"


PROFILE_STEPS = (
    Step.NAME,
    Step.ORGANISATION,
    Step.METIER,
    Step.REGION,
    Step.INTERESTS,
    Step.TIMEZONE,
)

STEP_LABELS = {
    Step.LANGUAGE: N_("langue"),
    Step.COC: N_("code de conduite"),
    Step.NAME: N_("nom affiché"),
    Step.ORGANISATION: N_("structure"),
    Step.METIER: N_("métier"),
    Step.REGION: N_("région"),
    Step.INTERESTS: N_("centres d'intérêt"),
    Step.TIMEZONE: N_("fuseau horaire"),
    Step.NOTIFICATIONS: N_("rappels des cafés"),
    Step.DIRECTORY: N_("annuaire"),
    Step.WELCOME: N_("message d'accueil"),
}

_YES = {"oui", "yes", "true", "1", "o", "y", "vrai", "on", "ok", "d accord", "accepte", "accept"}
_NO = {"non", "no", "false", "0", "n", "faux", "off"}
_VISIBLE = {"visible", "public", "show", "montrer", "afficher"} | _YES
_HIDDEN = {"hidden", "masque", "cache", "hide", "prive", "private", "invisible"} | _NO
_OFF = {"off", "non", "no", "aucun", "aucune", "jamais", "none", "never", "sans"}
_DEFAULT = {"default", "defaut", "par defaut", "oui", "yes"}


def _split(text: str) -> list[str]:
    return [s for s in text.split(",") if s]


def _join(items: list[str]) -> str:
    return ",".join(items)


@dataclass(slots=True)
class FlowView:
    """A member's flow, profile and core info, read together."""

    member: MemberInfo
    flow: OnboardingFlow
    profile: OnboardingProfile | None
    interests: list[str]
    steps: tuple[Step, ...]
    just_completed: bool = False

    @property
    def done(self) -> set[str]:
        return set(_split(self.flow.done))

    @property
    def skipped(self) -> set[str]:
        return set(_split(self.flow.skipped))

    @property
    def current(self) -> Step | None:
        return Step(self.flow.step) if self.flow.step else None

    @property
    def completed(self) -> bool:
        return self.flow.completed_at is not None

    def position(self, step: Step) -> int:
        return self.steps.index(step) + 1 if step in self.steps else len(self.steps)

    @property
    def remaining(self) -> list[Step]:
        passed = self.done
        return [s for s in self.steps if s.value not in passed]


@dataclass(slots=True)
class Card:
    """One member as the directory shows them."""

    member_id: int
    name: str
    organisation: str | None
    metier: str | None
    region: str | None
    interests: list[str] = field(default_factory=list)


@dataclass(slots=True)
class FunnelCounts:
    joined: int = 0
    started: int = 0
    coc: int = 0
    profile: int = 0
    completed: int = 0


@dataclass(slots=True)
class Funnel:
    week: FunnelCounts
    total: FunnelCounts
    weeks: list[tuple[datetime, int, int]]  # (week start, joined, completed)


@dataclass(slots=True)
class PendingRow:
    member_id: int
    name: str
    step: Step | None
    since: datetime


@dataclass(slots=True)
class LinkCode:
    code: str
    expires_at: datetime


class OnboardingService:
    def __init__(self, core: Core, settings: Settings) -> None:
        self.core = core
        self.settings = settings
        self.nudge_delays = [parse_duration(n) for n in settings.nudges]
        self.welcome_room = (
            RoomRef.decode(settings.welcome_room) if settings.welcome_room else None
        )
        self.fallback_room = (
            RoomRef.decode(settings.dm_fallback_room) if settings.dm_fallback_room else None
        )
        steps = list(Step)
        if self.welcome_room is None:
            steps.remove(Step.WELCOME)
        self.steps: tuple[Step, ...] = tuple(steps)

    # --- reading ------------------------------------------------------------------------------

    async def profile_view(self, member_id: int) -> FlowView:
        """For ``me profile``: the flow if any, else an unsaved one (looking opens nothing)."""
        view = await self.view(member_id, create=False)
        if view is not None:
            return view
        now = self.core.clock.now()
        member = await self.core.members.get(member_id)
        assert member is not None
        async with self.core.db.session() as s:
            profile = await s.get(OnboardingProfile, member_id)
            interests = list(
                await s.exec(
                    select(OnboardingInterest.label)
                    .where(OnboardingInterest.member_id == member_id)
                    .order_by(col(OnboardingInterest.id))
                )
            )
        flow = OnboardingFlow(member_id=member_id, step=self.steps[0].value, updated_at=now)
        return FlowView(member, flow, profile, interests, self.steps)

    async def view(self, member_id: int, *, create: bool = True) -> FlowView | None:
        async with self.core.db.session() as s:
            row = await s.get(Member, member_id)
            if row is None:
                raise UserError("Membre introuvable.")
            member = MemberInfo(member_id, row.display_name, row.locale, row.timezone)
            flow = await s.get(OnboardingFlow, member_id)
            if flow is None and create:
                now = self.core.clock.now()
                flow = OnboardingFlow(
                    member_id=member_id, step=self.steps[0].value, joined_at=now, updated_at=now
                )
                s.add(flow)
            profile = await s.get(OnboardingProfile, member_id)
            interests = list(
                await s.exec(
                    select(OnboardingInterest.label)
                    .where(OnboardingInterest.member_id == member_id)
                    .order_by(col(OnboardingInterest.id))
                )
            )
        if flow is None:
            return None
        return FlowView(member, flow, profile, interests, self.steps)

    # --- the flow -------------------------------------------------------------------------------

    async def on_join(self, member_id: int, platform: str | None = None) -> bool:
        """A member arrived: (re)open their flow, queue the welcome DM and the nudges.

        The DMs go to ``platform`` (where they joined) when given. Returns False when their
        flow was already open (a duplicate join event)."""
        now = self.core.clock.now()
        if platform is None:
            found = await self.core.members.preferred_platforms(
                [member_id], set(self.core.adapters)
            )
            platform = found.get(member_id)
            if platform is None:
                return False  # no identity to write to
        # The flow row, its welcome DM and its nudges: one transaction, all or nothing.
        async with self.core.db.session() as s:
            flow = await s.get(OnboardingFlow, member_id)
            if flow is not None and flow.left_at is None and flow.joins > 0:
                return False
            if flow is None:
                flow = OnboardingFlow(
                    member_id=member_id, step=self.steps[0].value, joined_at=now, updated_at=now
                )
            flow.joins += 1
            flow.left_at = None
            flow.joined_at = flow.joined_at or now
            flow.updated_at = now
            s.add(flow)
            if flow.completed_at is not None:
                return True  # a returning member who finished already: nothing to ask again
            suffix = "" if flow.joins == 1 else f":{flow.joins}"
            items: list[dict[str, Any]] = [
                dict(
                    key=f"onboarding:{member_id}:dm{suffix}",
                    due_at=now,
                    kind=STEP_KIND,
                    data={"reason": "welcome"},
                    member_id=member_id,
                    fallback_room=self.fallback_room,
                    platform=platform,
                )
            ]
            for n, delay in enumerate(self.nudge_delays, start=1):
                items.append(
                    dict(
                        key=f"onboarding:{member_id}:nudge:{n}{suffix}",
                        due_at=now + delay,
                        kind=STEP_KIND,
                        data={"reason": "nudge", "n": n},
                        member_id=member_id,
                        platform=platform,
                    )
                )
            await self.core.outbox.enqueue_many(items, session=s)
        return True

    async def on_leave(self, member_id: int) -> None:
        async with self.core.db.session() as s:
            flow = await s.get(OnboardingFlow, member_id)
            if flow is not None:
                flow.left_at = self.core.clock.now()
                s.add(flow)
        await self.cancel_nudges(member_id)

    async def cancel_nudges(self, member_id: int) -> int:
        return await self.core.outbox.cancel(prefix=f"onboarding:{member_id}:nudge:")

    async def start(self, member_id: int) -> FlowView:
        """``onboarding start``: the current step, or the first one skipped once finished."""
        view = await self.view(member_id)
        assert view is not None
        async with self.core.db.session() as s:
            flow = await s.get(OnboardingFlow, member_id)
            assert flow is not None
            flow.started_at = flow.started_at or self.core.clock.now()
            if flow.completed_at is not None:
                skipped = [st for st in self.steps if st.value in _split(flow.skipped)]
                flow.step = skipped[0].value if skipped else ""
            elif not flow.step:
                flow.step = self._next(flow) or ""
            s.add(flow)
            view.flow = flow
        return view

    def _next(self, flow: OnboardingFlow) -> str | None:
        passed = set(_split(flow.done)) | set(_split(flow.skipped))
        for step in self.steps:
            if step.value not in passed:
                return step.value
        if self.settings.required and flow.coc_accepted_at is None:
            return Step.COC.value
        return None

    async def answer(self, member_id: int, step: Step, value: str) -> FlowView:
        """Store one step's answer and move on to the next unfinished step."""
        if step not in self.steps:
            raise UserError(
                "Cette étape n'existe pas ici. Étapes : {steps}.",
                steps=", ".join(s.value for s in self.steps),
            )
        value = tidy(value)
        if len(value) > MAX_VALUE:
            raise UserError(
                "Réponse trop longue : {length} caractères (au plus {max}).",
                length=len(value),
                max=MAX_VALUE,
            )
        if not value:
            raise UserError("Réponse vide : tapez une valeur, ou passez l'étape.")
        if step is Step.COC:
            if fold_key(value) in _YES:
                return await self.accept(member_id)
            raise UserError("Pour accepter le code de conduite, répondez oui (ou « accept »).")
        await self.view(member_id)  # make sure the flow exists
        await self.apply(member_id, step, value)
        return await self._advance(member_id, done=step)

    async def skip(self, member_id: int, step: Step | None = None) -> FlowView:
        view = await self.view(member_id)
        assert view is not None
        target = step or view.current
        if target is None:
            raise UserError("Il n'y a plus d'étape à passer : votre accueil est terminé.")
        if target is Step.COC and self.settings.required:
            raise UserError(
                "Le code de conduite ne peut pas être passé : lisez-le puis acceptez-le."
            )
        return await self._advance(member_id, skipped=target)

    async def accept(self, member_id: int) -> FlowView:
        await self.view(member_id)
        return await self._advance(member_id, done=Step.COC, accepted=True)

    async def _advance(
        self,
        member_id: int,
        *,
        done: Step | None = None,
        skipped: Step | None = None,
        accepted: bool = False,
    ) -> FlowView:
        now = self.core.clock.now()
        just_completed = False
        async with self.core.db.session() as s:
            flow = await s.get(OnboardingFlow, member_id)
            assert flow is not None
            done_set, skip_list = _split(flow.done), _split(flow.skipped)
            if done is not None:
                if done.value not in done_set:
                    done_set.append(done.value)
                skip_list = [x for x in skip_list if x != done.value]
            if skipped is not None and skipped.value not in done_set + skip_list:
                skip_list.append(skipped.value)
            flow.done, flow.skipped = _join(done_set), _join(skip_list)
            flow.started_at = flow.started_at or now
            if accepted:
                flow.coc_accepted_at = flow.coc_accepted_at or now
            passed = set(done_set) | set(skip_list)
            if flow.profile_at is None and all(p.value in passed for p in PROFILE_STEPS):
                flow.profile_at = now
            nxt = self._next(flow)
            if flow.completed_at is None:
                flow.step = nxt or ""
                if nxt is None:
                    flow.completed_at = now
                    just_completed = True
            else:
                remaining = [st.value for st in self.steps if st.value in skip_list]
                flow.step = remaining[0] if remaining else ""
            flow.updated_at = now
            s.add(flow)
        if just_completed:
            await self._on_complete(member_id)
        view = await self.view(member_id)
        assert view is not None
        view.just_completed = just_completed
        return view

    async def _on_complete(self, member_id: int) -> None:
        await self.cancel_nudges(member_id)
        await self.core.grant_role(member_id, Role.MEMBER)
        async with self.core.db.session() as s:
            profile = await s.get(OnboardingProfile, member_id)
            welcome = profile is not None and profile.welcome
        if welcome and self.welcome_room is not None:
            await self.core.outbox.enqueue(
                f"onboarding:{member_id}:welcome",
                self.core.clock.now(),
                kind=WELCOME_KIND,
                data={"member_id": member_id},
                room=self.welcome_room,
            )

    # --- answers ------------------------------------------------------------------------------

    async def apply(self, member_id: int, step: Step | ProfileField, value: str) -> str:
        """Validate and store one answer; returns the value as stored (for the reply)."""
        name = step.value
        value = tidy(value)
        if len(value) > MAX_VALUE:
            raise UserError(
                "Réponse trop longue : {length} caractères (au plus {max}).",
                length=len(value),
                max=MAX_VALUE,
            )
        if name == "language":
            return await self.core.members.set_locale(member_id, value)
        if name == "timezone":
            return await self.core.members.set_timezone(member_id, value)
        if name == "name":
            if not value:
                raise UserError("Le nom ne peut pas être vide.")
            await self.core.members.set_display_name(member_id, value)
            await self._update_profile(member_id)
            return value
        if name == "notifications":
            return await self._set_notifications(member_id, value)
        if name == "directory":
            visible = self._choice(value, _VISIBLE, _HIDDEN, "visible / hidden")
            await self._update_profile(member_id, visible=visible)
            return "visible" if visible else "hidden"
        if name == "welcome":
            agreed = self._choice(value, _YES, _NO, "oui / non")
            await self._update_profile(member_id, welcome=agreed)
            return "oui" if agreed else "non"
        if name == "organisation":
            await self._update_profile(member_id, organisation=value or None)
            return value
        if name == "metier":
            label = self._from_list(value, self.settings.metiers, self.settings.metier_free)
            await self._update_profile(
                member_id, metier=label or None, metier_key=fold_key(label) or None
            )
            return label
        if name == "region":
            label = self._from_list(value, self.settings.regions, self.settings.region_free)
            await self._update_profile(
                member_id, region=label or None, region_key=fold_key(label) or None
            )
            return label
        if name == "interests":
            labels = await self._set_interests(member_id, value)
            return ", ".join(labels)
        raise UserError(
            "Champ inconnu : « {field} ». Champs : {fields}.",
            field=name[:40],
            fields=", ".join(f.value for f in ProfileField),
        )

    @staticmethod
    def _choice(value: str, yes: set[str], no: set[str], hint: str) -> bool:
        key = fold_key(value)
        if key in yes:
            return True
        if key in no:
            return False
        raise UserError(
            "Réponse non comprise : « {value} ». Répondez {hint}.", value=value[:40], hint=hint
        )

    @staticmethod
    def _from_list(value: str, choices: list[str], free: bool) -> str:
        if not value:
            return ""
        key = fold_key(value)
        for choice in choices:
            if fold_key(choice) == key:
                return choice
        if free or not choices:
            return value
        raise UserError(
            "« {value} » n'est pas dans la liste. Choisissez parmi : {choices}.",
            value=value[:40],
            choices=", ".join(choices),
        )

    async def _set_notifications(self, member_id: int, value: str) -> str:
        key = fold_key(value)
        offsets: tuple[int, ...] | None
        if key in _OFF:
            offsets, stored = None, "off"
        elif key in _DEFAULT:
            offsets, stored = (), "default"
        else:
            deltas = parse_offsets(value)
            offsets = tuple(int(d.total_seconds()) for d in deltas)
            stored = ",".join(format_duration_short(d) for d in deltas)
        await self._update_profile(member_id, notifications=stored)
        await self.core.events.emit(ReminderPreferenceChanged(member_id, offsets))
        return stored

    async def _set_interests(self, member_id: int, value: str) -> list[str]:
        labels: dict[str, str] = {}
        for item in split_list(value, "|,;#"):
            key = fold_key(item)
            if not key:
                continue
            if len(item) > MAX_TAG:
                raise UserError(
                    "Centre d'intérêt trop long : « {tag} » (au plus {max} caractères).",
                    tag=item[:40] + "…",
                    max=MAX_TAG,
                )
            labels.setdefault(key, item)
        if len(labels) > MAX_INTERESTS:
            raise UserError(
                "Au plus {max} centres d'intérêt, séparés par des virgules.", max=MAX_INTERESTS
            )
        async with self.core.db.session() as s:
            await s.exec(  # type: ignore[call-overload]
                delete(OnboardingInterest).where(OnboardingInterest.member_id == member_id)
            )
            for key, label in labels.items():
                s.add(OnboardingInterest(member_id=member_id, key=key[:MAX_TAG], label=label))
        await self._update_profile(member_id)
        return list(labels.values())

    async def _update_profile(self, member_id: int, **values: Any) -> None:
        """Set profile fields and refresh the folded search text."""
        now = self.core.clock.now()
        async with self.core.db.session() as s:
            profile = await s.get(OnboardingProfile, member_id)
            member = await s.get(Member, member_id)
            if member is None:
                raise UserError("Membre introuvable.")
            profile = profile or OnboardingProfile(member_id=member_id, updated_at=now)
            for key, value in values.items():
                setattr(profile, key, value)
            tags = list(
                await s.exec(
                    select(OnboardingInterest.key).where(OnboardingInterest.member_id == member_id)
                )
            )
            parts = [member.display_name, profile.organisation, profile.metier, profile.region]
            profile.search_key = " ".join(fold_key(p) for p in [*parts, *tags] if p)
            profile.updated_at = now
            s.add(profile)

    async def edit(self, member_id: int, field_: ProfileField, value: str) -> str:
        """``me edit``: change one field; also counts as answering that onboarding step
        (when the member has a flow: editing never opens one)."""
        stored = await self.apply(member_id, field_, value)
        step = Step(field_.value)
        view = await self.view(member_id, create=False)
        if view is not None and step in self.steps:
            await self._advance(member_id, done=step)
        return stored

    # --- directory ------------------------------------------------------------------------------

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
        stmt = select(OnboardingProfile.member_id, func.count().over()).where(
            col(OnboardingProfile.visible)
        )
        if tidy(region):
            stmt = stmt.where(OnboardingProfile.region_key == fold_key(region))
        if tidy(metier):
            stmt = stmt.where(OnboardingProfile.metier_key == fold_key(metier))
        if tidy(interest):
            keys = [fold_key(i) for i in split_list(interest, "|,;#") if fold_key(i)]
            for key in keys:
                stmt = stmt.where(
                    col(OnboardingProfile.member_id).in_(
                        select(OnboardingInterest.member_id).where(OnboardingInterest.key == key)
                    )
                )
        for word in fold_key(query).split():
            stmt = stmt.where(col(OnboardingProfile.search_key).contains(word, autoescape=True))
        # One scan: the page and the total together (a window count).
        paged = stmt.order_by(col(OnboardingProfile.member_id))
        async with self.core.db.session() as s:
            rows = list(await s.exec(paged.limit(limit)))
        total = int(rows[0][1]) if rows else 0
        return total, await self.cards([r[0] for r in rows])

    async def cards(self, member_ids: list[int]) -> list[Card]:
        if not member_ids:
            return []
        async with self.core.db.session() as s:
            rows = await s.exec(
                select(OnboardingProfile, Member)
                .join(Member, col(Member.id) == col(OnboardingProfile.member_id))
                .where(col(OnboardingProfile.member_id).in_(member_ids))
            )
            found = {p.member_id: (p, m) for p, m in rows}
            tags: dict[int, list[str]] = {}
            for member_id, label in await s.exec(
                select(OnboardingInterest.member_id, OnboardingInterest.label)
                .where(col(OnboardingInterest.member_id).in_(member_ids))
                .order_by(col(OnboardingInterest.id))
            ):
                tags.setdefault(member_id, []).append(label)
        out = []
        for member_id in member_ids:
            if member_id in found:
                p, m = found[member_id]
                out.append(
                    Card(
                        member_id,
                        m.display_name,
                        p.organisation,
                        p.metier,
                        p.region,
                        tags.get(member_id, []),
                    )
                )
        return out

    async def show(self, name: str) -> list[Card]:
        """Visible members by that name (hidden ones are never revealed)."""
        candidates = await self.core.members.find_by_name(name)
        if not candidates:
            # A part of a name: search the visible profiles' folded text.
            key = fold_key(name)
            if key:
                _, cards = await self.find(query=key, limit=5)
                return cards
            return []
        async with self.core.db.session() as s:
            visible = set(
                await s.exec(
                    select(OnboardingProfile.member_id).where(
                        col(OnboardingProfile.member_id).in_([c.id for c in candidates]),
                        col(OnboardingProfile.visible),
                    )
                )
            )
        return await self.cards([c.id for c in candidates if c.id in visible])

    # --- moderators -----------------------------------------------------------------------------

    async def funnel(self, weeks: int = 6) -> Funnel:
        now = self.core.clock.now()

        async def counts(since: datetime | None) -> FunnelCounts:
            stmt = select(
                func.count(col(OnboardingFlow.joined_at)),
                func.count(col(OnboardingFlow.started_at)),
                func.count(col(OnboardingFlow.coc_accepted_at)),
                func.count(col(OnboardingFlow.profile_at)),
                func.count(col(OnboardingFlow.completed_at)),
            )
            if since is not None:
                stmt = stmt.where(col(OnboardingFlow.joined_at) >= since)
            async with self.core.db.session() as s:
                row = (await s.exec(stmt)).one()
            return FunnelCounts(*[int(x) for x in row])

        history: list[tuple[datetime, int, int]] = []
        async with self.core.db.session() as s:
            for i in range(weeks):
                end = now - timedelta(days=7 * i)
                start = end - timedelta(days=7)
                row = (
                    await s.exec(
                        select(
                            func.count(col(OnboardingFlow.joined_at)),
                            func.count(col(OnboardingFlow.completed_at)),
                        ).where(
                            col(OnboardingFlow.joined_at) >= start,
                            col(OnboardingFlow.joined_at) < end,
                        )
                    )
                ).one()
                history.append((start, int(row[0]), int(row[1])))
        return Funnel(await counts(now - timedelta(days=7)), await counts(None), history)

    async def pending(self, limit: int = 25) -> tuple[int, list[PendingRow]]:
        where = (col(OnboardingFlow.completed_at).is_(None), col(OnboardingFlow.left_at).is_(None))
        async with self.core.db.session() as s:
            total = (
                await s.exec(select(func.count()).select_from(OnboardingFlow).where(*where))
            ).one()
            rows = list(
                await s.exec(
                    select(OnboardingFlow, Member.display_name)
                    .join(Member, col(Member.id) == col(OnboardingFlow.member_id))
                    .where(*where)
                    .order_by(col(OnboardingFlow.updated_at))
                    .limit(limit)
                )
            )
        return int(total), [
            PendingRow(f.member_id, name, Step(f.step) if f.step else None, f.updated_at)
            for f, name in rows
        ]

    async def resend(self, name: str) -> MemberInfo:
        matches = await self.core.members.find_by_name(name)
        if not matches:
            raise UserError("Aucun membre ne s'appelle « {name} ».", name=name[:60])
        if len(matches) > 1:
            raise UserError(
                "Plusieurs membres s'appellent « {name} » : précisez (identifiant de plateforme).",
                name=name[:60],
            )
        member = matches[0]
        view = await self.view(member.id)
        assert view is not None
        if view.flow.left_at is not None:
            raise UserError("{name} a quitté la communauté.", name=member.display_name)
        if view.completed and not view.skipped:
            raise UserError("{name} a déjà terminé son accueil.", name=member.display_name)
        now = self.core.clock.now()
        await self.core.outbox.enqueue(
            f"onboarding:{member.id}:resend:{int(now.timestamp())}",
            now,
            kind=STEP_KIND,
            data={"reason": "resend"},
            member_id=member.id,
            fallback_room=self.fallback_room,
        )
        return member

    # --- linking ------------------------------------------------------------------------------

    async def create_link_code(self, member_id: int, platform: str) -> LinkCode:
        now = self.core.clock.now()
        expires = now + timedelta(minutes=self.settings.link_code_minutes)
        async with self.core.db.session() as s:
            await s.exec(  # type: ignore[call-overload]
                delete(OnboardingLinkCode).where(
                    (OnboardingLinkCode.member_id == member_id)
                    | (col(OnboardingLinkCode.expires_at) < now)
                )
            )
            live = {c[:CODE_HANDLE] for c in await s.exec(select(OnboardingLinkCode.code))}
            while True:  # a handle names one live code
                code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
                if code[:CODE_HANDLE] not in live:
                    break
            s.add(
                OnboardingLinkCode(
                    code=code,
                    member_id=member_id,
                    platform=platform,
                    created_at=now,
                    expires_at=expires,
                )
            )
        return LinkCode(code, expires)

    async def redeem_link_code(self, member_id: int, platform: str, code: str) -> MergeReport:
        wanted = "".join(c for c in code.upper() if c.isalnum())
        now = self.core.clock.now()
        unknown = UserError(
            "Code inconnu : « {code} ». Vérifiez-le, ou demandez-en un nouveau avec "
            "me link sur l'autre plateforme.",
            code=code[:20],
        )
        # The outcome is decided inside the transaction and raised after it commits: a wrong
        # code must stay counted.
        error: UserError | None = None
        other, other_platform = 0, ""
        async with self.core.db.session() as s:
            # One guess at a time per member (PostgreSQL; SQLite writers are serialised).
            await s.exec(select(Member.id).where(Member.id == member_id).with_for_update())
            await s.exec(  # type: ignore[call-overload]
                delete(OnboardingLinkAttempt).where(
                    col(OnboardingLinkAttempt.at) <= now - LINK_WINDOW
                )
            )
            recent = list(
                await s.exec(
                    select(OnboardingLinkAttempt.at)
                    .where(OnboardingLinkAttempt.member_id == member_id)
                    .order_by(col(OnboardingLinkAttempt.at))
                )
            )
            if len(recent) >= LINK_MAX_FAILURES:
                wait = recent[-LINK_MAX_FAILURES] + LINK_WINDOW - now
                error = UserError(
                    "Trop de codes erronés : par sécurité, réessayez dans {minutes} min.",
                    minutes=max(1, math.ceil(wait.total_seconds() / 60)),
                )
            else:
                row = None
                if len(wanted) == CODE_LENGTH:
                    row = (
                        await s.exec(
                            select(OnboardingLinkCode)
                            .where(
                                col(OnboardingLinkCode.code).startswith(
                                    wanted[:CODE_HANDLE], autoescape=True
                                )
                            )
                            .with_for_update()
                        )
                    ).first()
                if row is None or not hmac.compare_digest(row.code, wanted):
                    s.add(OnboardingLinkAttempt(member_id=member_id, at=now))
                    if row is not None:
                        row.failures += 1
                        if row.failures >= CODE_MAX_FAILURES:
                            log.info(
                                "A link code was invalidated after %s wrong tries", row.failures
                            )
                            await s.delete(row)
                        else:
                            s.add(row)
                    error = unknown
                elif row.expires_at <= now:
                    await s.delete(row)
                    error = UserError(
                        "Ce code a expiré. Demandez-en un nouveau avec me link sur l'autre "
                        "plateforme."
                    )
                else:
                    other, other_platform = row.member_id, row.platform
        if error is not None:
            raise error
        if other == member_id:
            raise UserError(
                "Ce code vient de votre propre compte : tapez-le sur l'autre plateforme."
            )
        if other_platform == platform:
            raise UserError(
                "Tapez ce code sur l'autre plateforme, pas sur celle où il a été créé."
            )
        mine = {r.platform for r in await self.core.members.identities(member_id)}
        theirs = {r.platform for r in await self.core.members.identities(other)}
        common = sorted(mine & theirs)
        if common:
            raise UserError(
                "Ces deux comptes ont chacun une identité sur {platform} : je ne peux pas les "
                "relier (un membre n'a qu'un compte par plateforme).",
                platform=common[0],
            )
        async with self.core.db.session() as s:
            await s.exec(  # type: ignore[call-overload]
                delete(OnboardingLinkCode).where(OnboardingLinkCode.code == wanted)
            )
        kept, merged = sorted((member_id, other))  # the older member keeps its id
        return await merge_members(self.core, kept, merged)

    # --- privacy hooks --------------------------------------------------------------------------

    async def export(self, member_id: int) -> dict[str, Any] | None:
        async with self.core.db.session() as s:
            flow = await s.get(OnboardingFlow, member_id)
            profile = await s.get(OnboardingProfile, member_id)
            tags = list(
                await s.exec(
                    select(OnboardingInterest.label).where(
                        OnboardingInterest.member_id == member_id
                    )
                )
            )
            codes = list(
                await s.exec(
                    select(OnboardingLinkCode).where(OnboardingLinkCode.member_id == member_id)
                )
            )
        if flow is None and profile is None and not tags and not codes:
            return None

        def iso(v: datetime | None) -> str | None:
            return v.isoformat() if v else None

        return {
            "flow": None
            if flow is None
            else {
                "step": flow.step or None,
                "done": _split(flow.done),
                "skipped": _split(flow.skipped),
                "joined_at": iso(flow.joined_at),
                "started_at": iso(flow.started_at),
                "code_of_conduct_accepted_at": iso(flow.coc_accepted_at),
                "profile_at": iso(flow.profile_at),
                "completed_at": iso(flow.completed_at),
                "left_at": iso(flow.left_at),
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
                "updated_at": iso(profile.updated_at),
            },
            "interests": tags,
            "link_codes": [
                {"platform": c.platform, "expires_at": iso(c.expires_at)} for c in codes
            ],
        }

    async def forget(self, member_id: int) -> None:
        async with self.core.db.session() as s:
            for model in (OnboardingInterest, OnboardingLinkCode, OnboardingLinkAttempt):
                await s.exec(delete(model).where(model.member_id == member_id))  # type: ignore[call-overload]
            for model in (OnboardingProfile, OnboardingFlow):  # type: ignore[assignment]
                await s.exec(delete(model).where(model.member_id == member_id))  # type: ignore[call-overload]
            # Our messages, sent or not, including the welcome post (queued to a room).
            await s.exec(  # type: ignore[call-overload]
                delete(OutboxMessage).where(
                    col(OutboxMessage.key).startswith(f"onboarding:{member_id}:", autoescape=True)
                )
            )

    async def merge(self, kept: int, merged: int) -> list[tuple[str, dict[str, Any]]]:
        notes: list[tuple[str, dict[str, Any]]] = []
        async with self.core.db.session() as s:
            a = await s.get(OnboardingFlow, kept)
            b = await s.get(OnboardingFlow, merged)
            if b is not None:
                if a is None:
                    a = OnboardingFlow(
                        member_id=kept,
                        step=b.step,
                        done=b.done,
                        skipped=b.skipped,
                        joins=b.joins,
                        joined_at=b.joined_at,
                        started_at=b.started_at,
                        coc_accepted_at=b.coc_accepted_at,
                        profile_at=b.profile_at,
                        completed_at=b.completed_at,
                        left_at=b.left_at,
                        updated_at=b.updated_at,
                    )
                else:
                    done = list(dict.fromkeys(_split(a.done) + _split(b.done)))
                    a.done = _join(done)
                    a.skipped = _join(
                        [
                            x
                            for x in dict.fromkeys(_split(a.skipped) + _split(b.skipped))
                            if x not in done
                        ]
                    )
                    for attr in (
                        "joined_at",
                        "started_at",
                        "coc_accepted_at",
                        "profile_at",
                        "completed_at",
                    ):
                        values = [v for v in (getattr(a, attr), getattr(b, attr)) if v]
                        setattr(a, attr, min(values) if values else None)
                    a.step = "" if a.completed_at else (self._next(a) or "")
                    notes.append(
                        (N_("Accueil : les étapes faites sur les deux comptes sont réunies."), {})
                    )
                await s.delete(b)
                await s.flush()
                s.add(a)
            pa = await s.get(OnboardingProfile, kept)
            pb = await s.get(OnboardingProfile, merged)
            if pb is not None:
                if pa is None:
                    pa = OnboardingProfile(member_id=kept, updated_at=pb.updated_at)
                    for attr in (
                        "organisation",
                        "metier",
                        "metier_key",
                        "region",
                        "region_key",
                        "notifications",
                        "visible",
                        "welcome",
                        "search_key",
                    ):
                        setattr(pa, attr, getattr(pb, attr))
                else:
                    for attr in (
                        "organisation",
                        "metier",
                        "metier_key",
                        "region",
                        "region_key",
                        "notifications",
                    ):
                        if getattr(pa, attr) is None:
                            setattr(pa, attr, getattr(pb, attr))
                    if pa.visible != pb.visible:
                        pa.visible = False
                        notes.append(
                            (
                                N_(
                                    "Annuaire : les deux comptes différaient, vous êtes masqué "
                                    "(me edit field:directory value:visible pour apparaître)."
                                ),
                                {},
                            )
                        )
                    notes.append(
                        (
                            N_(
                                "Profil : les champs du compte gardé priment, les vides sont "
                                "complétés par l'autre."
                            ),
                            {},
                        )
                    )
                await s.delete(pb)
                await s.flush()
                s.add(pa)
            have = set(
                await s.exec(
                    select(OnboardingInterest.key).where(OnboardingInterest.member_id == kept)
                )
            )
            for tag in list(
                await s.exec(
                    select(OnboardingInterest).where(OnboardingInterest.member_id == merged)
                )
            ):
                if tag.key in have:
                    await s.delete(tag)
                else:
                    tag.member_id = kept
                    s.add(tag)
            await s.exec(  # type: ignore[call-overload]
                delete(OnboardingLinkCode).where(OnboardingLinkCode.member_id == merged)
            )
            # The merged member's wrong codes count for the kept one (no fresh lock-out budget).
            await s.exec(  # type: ignore[call-overload]
                update(OnboardingLinkAttempt)
                .where(OnboardingLinkAttempt.member_id == merged)
                .values(member_id=kept)
            )
        if pa is not None:
            await self._update_profile(kept)
        return notes

    # --- outbox renderers need these -------------------------------------------------------------

    async def flow_state(self, member_id: int) -> FlowView | None:
        try:
            return await self.view(member_id, create=False)
        except UserError:
            return None
