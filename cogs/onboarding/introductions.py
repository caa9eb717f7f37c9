"""``members introduce``: a member asks to meet someone from the directory. Both get a DM; the
target accepts or declines (buttons on Discord, ``members introductions accept:N`` elsewhere);
only an acceptance shares contacts, a decline is told politely without a reason, and a request
left unanswered expires after ``introduction_days``. At most ``introduction_pending_max``
requests pending per asker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_
from sqlmodel import col, select

from bot.core import UserError
from bot.core.text import fold_key
from cogs.onboarding.directory import DirectoryService
from cogs.onboarding.domain import Card
from cogs.onboarding.models import OnboardingIntroduction
from cogs.onboarding.settings import OnboardingSettings

if TYPE_CHECKING:
    from cogs.onboarding.service import Deps

INTRO_KIND = "onboarding.intro"
PENDING, ACCEPTED, DECLINED, EXPIRED = "pending", "accepted", "declined", "expired"
#: What each DM says (``data["event"]``): to the target, to the asker, to both, to the asker.
ASK, SENT, SHARED, DECLINED_NOTE, EXPIRED_NOTE = "ask", "sent", "shared", "declined", "expired"


def intro_key(member_id: int, intro_id: int, event: str) -> str:
    """Under the member's onboarding prefix, so forgetting them purges it."""
    return f"onboarding:{member_id}:intro:{intro_id}:{event}"


@dataclass(slots=True)
class IntroView:
    intro: OnboardingIntroduction
    #: The other person's name, seen from the member who asked for this view.
    other_name: str


class IntroductionService:
    def __init__(
        self, deps: Deps, settings: OnboardingSettings, directory: DirectoryService
    ) -> None:
        self.db = deps.db
        self.clock = deps.clock
        self.members = deps.members
        self.outbox = deps.outbox
        self.platforms = deps.platforms
        self.settings = settings
        self.directory = directory

    async def target(self, name: str) -> Card:
        """The one directory member by that name (clear messages otherwise)."""
        cards = await self.directory.show(name)
        exact = [c for c in cards if fold_key(c.name) == fold_key(name)]
        cards = exact or cards
        if not cards:
            raise UserError(
                "Personne de ce nom dans l'annuaire (« {name} »). Seuls les membres qui ont "
                "choisi d'y apparaître peuvent être présentés.",
                name=name[:60],
            )
        if len(cards) > 1:
            raise UserError(
                "Plusieurs membres correspondent : {names}. Donnez le nom complet.",
                names=", ".join(c.name for c in cards[:5]),
            )
        return cards[0]

    async def ask(self, asker_id: int, name: str) -> tuple[OnboardingIntroduction, Card]:
        card = await self.target(name)
        if card.member_id == asker_id:
            raise UserError("Vous ne pouvez pas vous présenter à vous-même.")
        now = self.clock.now()
        # Looked up first: a lookup inside the transaction below would open a second one.
        platforms = await self.members.preferred_platforms(
            [asker_id, card.member_id], set(self.platforms())
        )
        # Checks and insert in one transaction, so two quick clicks make one request.
        async with self.db.session() as s:
            for intro in await self._between(s, asker_id, card.member_id):
                self._refuse_duplicate(intro, asker_id, card.name)
            pending = (
                await s.exec(
                    select(func.count())
                    .select_from(OnboardingIntroduction)
                    .where(
                        OnboardingIntroduction.asker_id == asker_id,
                        OnboardingIntroduction.status == PENDING,
                        OnboardingIntroduction.expires_at > now,
                    )
                )
            ).one()
            limit = self.settings.introduction_pending_max
            if pending >= limit:
                raise UserError(
                    "Vous avez déjà des demandes de mise en relation en attente ({count}, au "
                    "plus {max}). Attendez une réponse, ou qu'une demande expire.",
                    count=pending,
                    max=limit,
                )
            intro = OnboardingIntroduction(
                asker_id=asker_id,
                target_id=card.member_id,
                created_at=now,
                expires_at=now + timedelta(days=self.settings.introduction_days),
            )
            s.add(intro)
            await s.flush()
            assert intro.id is not None
            items = [
                self._dm(card.member_id, intro.id, ASK, asker_id, now),
                self._dm(asker_id, intro.id, SENT, card.member_id, now),
                self._dm(asker_id, intro.id, EXPIRED_NOTE, card.member_id, intro.expires_at),
            ]
            await self.outbox.enqueue_many(
                [
                    dict(i, platform=platforms[i["member_id"]])
                    for i in items
                    if i["member_id"] in platforms
                ],
                session=s,
            )
        return intro, card

    async def answer(self, member_id: int, intro_id: int, accept: bool) -> IntroView:
        now = self.clock.now()
        async with self.db.session() as s:
            intro = await s.get(OnboardingIntroduction, intro_id)
            if intro is None or member_id not in (intro.asker_id, intro.target_id):
                raise UserError(
                    "Demande de mise en relation introuvable : n° {id}. Tapez members "
                    "introductions pour voir les vôtres.",
                    id=intro_id,
                )
            if intro.target_id != member_id:
                raise UserError(
                    "C'est vous qui avez fait cette demande : seule la personne sollicitée peut "
                    "y répondre."
                )
            expired = intro.status == EXPIRED
            if intro.status == PENDING and intro.expires_at <= now:
                intro.status, intro.answered_at, expired = EXPIRED, now, True
            elif not expired:
                self._refuse_answered(intro)
                intro.status = ACCEPTED if accept else DECLINED
                intro.answered_at = now
            s.add(intro)
            asker, target = intro.asker_id, intro.target_id
        if expired:  # the expiry is committed; now say so
            raise UserError("Cette demande a expiré : la personne peut vous la refaire.")
        await self.outbox.cancel(intro_key(asker, intro_id, EXPIRED_NOTE))
        if accept:
            items = [
                self._dm(asker, intro_id, SHARED, target, now),
                self._dm(target, intro_id, SHARED, asker, now),
            ]
        else:
            items = [self._dm(asker, intro_id, DECLINED_NOTE, target, now)]
        await self.outbox.enqueue_many(items)
        names = await self.members.names([asker])
        return IntroView(intro, names.get(asker, "?"))

    async def expire(self, intro_id: int) -> OnboardingIntroduction | None:
        """At the deadline: a request still pending becomes expired; returns it when expired
        (also when an answer came too late and expired it), else None."""
        now = self.clock.now()
        async with self.db.session() as s:
            intro = await s.get(OnboardingIntroduction, intro_id)
            if intro is None:
                return None
            if intro.status == PENDING and intro.expires_at <= now:
                intro.status, intro.answered_at = EXPIRED, now
                s.add(intro)
        return intro if intro.status == EXPIRED else None

    async def get(self, intro_id: int) -> OnboardingIntroduction | None:
        async with self.db.session() as s:
            return await s.get(OnboardingIntroduction, intro_id)

    async def listing(self, member_id: int) -> tuple[list[IntroView], list[IntroView]]:
        """(requests waiting for my answer, my own requests — the 10 latest)."""
        now = self.clock.now()
        async with self.db.session() as s:
            incoming = list(
                await s.exec(
                    select(OnboardingIntroduction)
                    .where(
                        OnboardingIntroduction.target_id == member_id,
                        OnboardingIntroduction.status == PENDING,
                        OnboardingIntroduction.expires_at > now,
                    )
                    .order_by(col(OnboardingIntroduction.id))
                )
            )
            outgoing = list(
                await s.exec(
                    select(OnboardingIntroduction)
                    .where(OnboardingIntroduction.asker_id == member_id)
                    .order_by(col(OnboardingIntroduction.id).desc())
                    .limit(10)
                )
            )
        for intro in outgoing:  # shown as expired from the deadline on
            if intro.status == PENDING and intro.expires_at <= now:
                intro.status = EXPIRED
        names = await self.members.names(
            [i.asker_id for i in incoming] + [i.target_id for i in outgoing]
        )
        return (
            [IntroView(i, names.get(i.asker_id, "?")) for i in incoming],
            [IntroView(i, names.get(i.target_id, "?")) for i in outgoing],
        )

    # --- helpers ------------------------------------------------------------------------------

    @staticmethod
    async def _between(s: Any, a: int, b: int) -> list[OnboardingIntroduction]:
        return list(
            await s.exec(
                select(OnboardingIntroduction).where(
                    or_(
                        (col(OnboardingIntroduction.asker_id) == a)
                        & (col(OnboardingIntroduction.target_id) == b),
                        (col(OnboardingIntroduction.asker_id) == b)
                        & (col(OnboardingIntroduction.target_id) == a),
                    )
                )
            )
        )

    def _refuse_duplicate(self, intro: OnboardingIntroduction, asker_id: int, name: str) -> None:
        """Twice the same request, or a pair already in touch: say what to do instead."""
        now = self.clock.now()
        live = intro.status == PENDING and intro.expires_at > now
        if intro.status == ACCEPTED:
            raise UserError(
                "Vous êtes déjà en contact avec {name} : vos coordonnées ont été partagées.",
                name=name,
            )
        if live and intro.asker_id == asker_id:
            raise UserError(
                "Vous avez déjà demandé à rencontrer {name} : la demande attend sa réponse.",
                name=name,
            )
        if live:
            raise UserError(
                "{name} vous a déjà demandé une mise en relation : acceptez-la avec members "
                "introductions accept:{id}.",
                name=name,
                id=intro.id,
            )
        if intro.status == DECLINED and intro.asker_id == asker_id:
            # No second request after a decline (and no reason given): not insisting.
            raise UserError("Vous avez déjà demandé à rencontrer {name}.", name=name)

    @staticmethod
    def _refuse_answered(intro: OnboardingIntroduction) -> None:
        if intro.status == ACCEPTED:
            raise UserError("Vous avez déjà accepté cette demande.")
        if intro.status == DECLINED:
            raise UserError("Vous avez déjà décliné cette demande.")

    @staticmethod
    def _dm(to: int, intro_id: int, event: str, other: int, due: Any) -> dict[str, Any]:
        return dict(
            key=intro_key(to, intro_id, event),
            due_at=due,
            kind=INTRO_KIND,
            data={"intro": intro_id, "event": event, "other": other},
            member_id=to,
        )
