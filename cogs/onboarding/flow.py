"""The newcomer flow: a member joins, gets the first step by DM (and nudges later), answers,
skips or accepts steps until the flow is complete (then the member role and a welcome post)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.core import Role, RoomRef, UserError, parse_duration
from bot.core.text import fold_key
from cogs.onboarding import needs, queries
from cogs.onboarding.domain import (
    PROFILE_STEPS,
    STEP_KIND,
    WELCOME_KIND,
    YES,
    FlowView,
    active_steps,
    check_length,
    join_steps,
    next_step,
    nudge_key,
    nudge_prefix,
    split_steps,
    welcome_dm_key,
    welcome_post_key,
)
from cogs.onboarding.models import OnboardingFlow, OnboardingProfile
from cogs.onboarding.profile import ProfileService
from cogs.onboarding.settings import OnboardingSettings
from cogs.onboarding.steps import ProfileField, Step

if TYPE_CHECKING:
    from cogs.onboarding.service import Deps


class FlowService:
    def __init__(self, deps: Deps, settings: OnboardingSettings, profile: ProfileService) -> None:
        self.db = deps.db
        self.clock = deps.clock
        self.members = deps.members
        self.outbox = deps.outbox
        self.grant_role = deps.grant_role
        self.platforms = deps.platforms
        self.settings = settings
        self.profile = profile
        self.nudge_delays = [parse_duration(n) for n in settings.nudges]
        self.welcome_room = (
            RoomRef.decode(settings.welcome_room) if settings.welcome_room else None
        )
        self.fallback_room = (
            RoomRef.decode(settings.dm_fallback_room) if settings.dm_fallback_room else None
        )
        self.steps: tuple[Step, ...] = active_steps(self.welcome_room, settings.ask_needs_offers)

    def next(self, flow: OnboardingFlow) -> str | None:
        return next_step(flow, self.steps, self.settings.required)

    # --- reading ------------------------------------------------------------------------------

    async def view(self, member_id: int, *, create: bool = True) -> FlowView | None:
        """The member's flow (opened when ``create``), profile and interests."""
        member = await self.members.get(member_id)
        if member is None:
            raise UserError("Membre introuvable.")
        async with self.db.session() as s:
            flow = await s.get(OnboardingFlow, member_id)
            if flow is None and create:
                now = self.clock.now()
                flow = OnboardingFlow(
                    member_id=member_id, step=self.steps[0].value, joined_at=now, updated_at=now
                )
                s.add(flow)
            profile = await s.get(OnboardingProfile, member_id)
            interests = await queries.interest_labels(s, member_id)
            wanted, offered = await needs.labels(s, member_id)
        if flow is None:
            return None
        return FlowView(member, flow, profile, interests, self.steps, needs=wanted, offers=offered)

    async def profile_view(self, member_id: int) -> FlowView:
        """For ``me profile``: the flow if any, else an unsaved one (looking opens nothing)."""
        view = await self.view(member_id, create=False)
        if view is not None:
            return view
        now = self.clock.now()
        member = await self.members.get(member_id)
        assert member is not None
        async with self.db.session() as s:
            profile = await s.get(OnboardingProfile, member_id)
            interests = await queries.interest_labels(s, member_id)
            wanted, offered = await needs.labels(s, member_id)
        flow = OnboardingFlow(member_id=member_id, step=self.steps[0].value, updated_at=now)
        return FlowView(member, flow, profile, interests, self.steps, needs=wanted, offers=offered)

    async def flow_state(self, member_id: int) -> FlowView | None:
        """For the outbox renderers: None when the member or their flow is gone."""
        try:
            return await self.view(member_id, create=False)
        except UserError:
            return None

    # --- arriving and leaving -----------------------------------------------------------------

    async def on_join(self, member_id: int, platform: str | None = None) -> bool:
        """A member arrived: (re)open their flow, queue the welcome DM and the nudges.

        The DMs go to ``platform`` (where they joined) when given. Returns False when their
        flow was already open (a duplicate join event)."""
        now = self.clock.now()
        if platform is None:
            found = await self.members.preferred_platforms([member_id], set(self.platforms()))
            platform = found.get(member_id)
            if platform is None:
                return False  # no identity to write to
        # The flow row, its welcome DM and its nudges: one transaction, all or nothing.
        async with self.db.session() as s:
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
            items: list[dict[str, Any]] = [
                dict(
                    key=welcome_dm_key(member_id, flow.joins),
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
                        key=nudge_key(member_id, n, flow.joins),
                        due_at=now + delay,
                        kind=STEP_KIND,
                        data={"reason": "nudge", "n": n},
                        member_id=member_id,
                        platform=platform,
                    )
                )
            await self.outbox.enqueue_many(items, session=s)
        return True

    async def on_leave(self, member_id: int) -> None:
        async with self.db.session() as s:
            flow = await s.get(OnboardingFlow, member_id)
            if flow is not None:
                flow.left_at = self.clock.now()
                s.add(flow)
        await self.cancel_nudges(member_id)

    async def cancel_nudges(self, member_id: int) -> int:
        return await self.outbox.cancel(prefix=nudge_prefix(member_id))

    # --- answering ----------------------------------------------------------------------------

    async def start(self, member_id: int) -> FlowView:
        """``onboarding start``: the current step, or the first one skipped once finished."""
        view = await self.view(member_id)
        assert view is not None
        async with self.db.session() as s:
            flow = await s.get(OnboardingFlow, member_id)
            assert flow is not None
            flow.started_at = flow.started_at or self.clock.now()
            if flow.completed_at is not None:
                skipped = [st for st in self.steps if st.value in split_steps(flow.skipped)]
                flow.step = skipped[0].value if skipped else ""
            elif not flow.step:
                flow.step = self.next(flow) or ""
            s.add(flow)
            view.flow = flow
        return view

    async def answer(self, member_id: int, step: Step, value: str) -> FlowView:
        """Store one step's answer and move on to the next unfinished step."""
        if step not in self.steps:
            raise UserError(
                "Cette étape n'existe pas ici. Étapes : {steps}.",
                steps=", ".join(s.value for s in self.steps),
            )
        value = check_length(value)
        if not value:
            raise UserError("Réponse vide : tapez une valeur, ou passez l'étape.")
        if step is Step.COC:
            if fold_key(value) in YES:
                return await self.accept(member_id)
            raise UserError("Pour accepter le code de conduite, répondez oui (ou « accept »).")
        await self.view(member_id)  # make sure the flow exists
        await self.profile.apply(member_id, step, value)
        return await self.advance(member_id, done=step)

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
        return await self.advance(member_id, skipped=target)

    async def accept(self, member_id: int) -> FlowView:
        await self.view(member_id)
        return await self.advance(member_id, done=Step.COC, accepted=True)

    async def edit(self, member_id: int, field_: ProfileField, value: str) -> str:
        """``me edit``: change one field; also counts as answering that onboarding step
        (when the member has a flow: editing never opens one)."""
        stored = await self.profile.apply(member_id, field_, value)
        await self.answered_elsewhere(member_id, Step(field_.value))
        return stored

    async def answered_elsewhere(self, member_id: int, step: Step) -> None:
        """A step answered outside the flow (``me edit``, the core's ``me language`` or
        ``me timezone``): done, if the member has a flow."""
        view = await self.view(member_id, create=False)
        if view is not None and step in self.steps:
            await self.advance(member_id, done=step)

    async def advance(
        self,
        member_id: int,
        *,
        done: Step | None = None,
        skipped: Step | None = None,
        accepted: bool = False,
    ) -> FlowView:
        now = self.clock.now()
        just_completed = False
        async with self.db.session() as s:
            flow = await s.get(OnboardingFlow, member_id)
            assert flow is not None
            done_set, skip_list = split_steps(flow.done), split_steps(flow.skipped)
            if done is not None:
                if done.value not in done_set:
                    done_set.append(done.value)
                skip_list = [x for x in skip_list if x != done.value]
            if skipped is not None and skipped.value not in done_set + skip_list:
                skip_list.append(skipped.value)
            flow.done, flow.skipped = join_steps(done_set), join_steps(skip_list)
            flow.started_at = flow.started_at or now
            if accepted:
                flow.coc_accepted_at = flow.coc_accepted_at or now
            passed = set(done_set) | set(skip_list)
            if flow.profile_at is None and all(p.value in passed for p in PROFILE_STEPS):
                flow.profile_at = now
            nxt = self.next(flow)
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
        await self.grant_role(member_id, Role.MEMBER)
        async with self.db.session() as s:
            profile = await s.get(OnboardingProfile, member_id)
            welcome = profile is not None and profile.welcome
        if welcome and self.welcome_room is not None:
            await self.outbox.enqueue(
                welcome_post_key(member_id),
                self.clock.now(),
                kind=WELCOME_KIND,
                data={"member_id": member_id},
                room=self.welcome_room,
            )
