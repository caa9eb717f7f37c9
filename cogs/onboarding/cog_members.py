"""``members match | introduce | introductions`` and ``me uptodate``, mixed into the
``Onboarding`` cog with the outbox renderers of their DMs: parse → service → render."""

from __future__ import annotations

import logging
from typing import Annotated

from bot.core import Core, Delivery, Invocation, Opt, Reply, Role, UserError, command
from cogs.onboarding import render_reach
from cogs.onboarding.domain import Card
from cogs.onboarding.freshness import REFRESH_KIND
from cogs.onboarding.introductions import (
    ASK,
    DECLINED_NOTE,
    EXPIRED_NOTE,
    INTRO_KIND,
    PENDING,
    SENT,
    SHARED,
)
from cogs.onboarding.service import OnboardingService

log = logging.getLogger(__name__)

_IntroId = Annotated[int | None, Opt("Numéro de la demande", min=1, max=2**31 - 1)]


class ReachCommands:
    """Commands and renderers of matching, introductions and freshness; the cog sets
    ``core`` and ``service``."""

    core: Core
    service: OnboardingService

    def register_reach(self) -> None:
        self.core.outbox.register(INTRO_KIND, self._render_intro)
        self.core.outbox.register(REFRESH_KIND, self._render_refresh)

    async def start(self) -> None:
        """Profiles without a queued freshness reminder get one (older profiles included)."""
        # In the background: a community's first start queues every profile (about 1,700 a
        # second on SQLite), which must not hold up the adapters.
        self.core.spawn(self._catch_up(), name="onboarding-freshness-catch-up")

    async def _catch_up(self) -> None:
        try:
            await self.service.freshness.catch_up()
        except Exception:
            log.exception("Profile freshness: catching up failed; retried at the next start")

    @command("match", group="members", permission=Role.MEMBER)
    async def members_match(self, inv: Invocation) -> Reply:
        """Membres qui pourraient m'aider (ou que j'aide)."""
        return render_reach.match_reply(inv.t, await self.service.matching.match(inv.member_id))

    @command("introduce", group="members", permission=Role.MEMBER)
    async def members_introduce(
        self,
        inv: Invocation,
        name: Annotated[str, Opt("Le nom du membre", max_length=200, rest=True)],
    ) -> Reply:
        """Demander à rencontrer un membre."""
        intro, card = await self.service.introductions.ask(inv.member_id, name)
        return render_reach.introduce_reply(inv.t, card, intro)

    @command("introductions", group="members", permission=Role.MEMBER)
    async def members_introductions(
        self, inv: Invocation, accept: _IntroId = None, decline: _IntroId = None
    ) -> Reply:
        """Mes mises en relation : voir, accepter, décliner."""
        if accept is not None and decline is not None:
            raise UserError("Choisissez : accept:N ou decline:N, pas les deux.")
        if accept is not None or decline is not None:
            intro_id = accept if accept is not None else decline
            assert intro_id is not None
            view = await self.service.introductions.answer(
                inv.member_id, intro_id, accept is not None
            )
            return render_reach.answered_reply(inv.t, view)
        incoming, outgoing = await self.service.introductions.listing(inv.member_id)
        prefix = self.core.text_prefix(inv.room.platform)
        return render_reach.listing_reply(inv.t, incoming, outgoing, prefix)

    @command("uptodate", group="me")
    async def me_uptodate(self, inv: Invocation) -> Reply:
        """Confirmer que mon profil est toujours juste."""
        next_due = await self.service.freshness.still_right(inv.member_id)
        off = self.service.freshness.period is None
        return render_reach.uptodate_reply(inv.t, None if off else next_due)

    # --- outbox ---------------------------------------------------------------------------

    async def _card(self, member_id: int) -> Card | None:
        cards = await self.service.directory.cards([member_id])
        return cards[0] if cards else None

    async def _render_intro(self, d: Delivery) -> Reply | None:
        if d.member is None:
            return None
        event, other = str(d.data["event"]), int(d.data["other"])
        intros = self.service.introductions
        intro = await intros.get(int(d.data["intro"]))
        names = await self.core.members.names([other])
        if intro is None or other not in names:  # forgotten since: nothing to say
            return None
        name = names[other]
        if event == ASK:
            if intro.status != PENDING or intro.expires_at <= d.now:
                return None  # answered or expired before it went out
            return render_reach.ask_dm(d.t, intro, await self._card(other), name)
        if event == SENT:
            return render_reach.sent_dm(d.t, name)
        if event == SHARED:
            platform = (
                d.room.platform if d.room else (d.member_ref.platform if d.member_ref else "")
            )
            mention, pinged = await self.core.mention_ref(other, platform)
            reply = render_reach.shared_dm(d.t, await self._card(other), name, mention)
            reply.mentions = (pinged,) if pinged else ()
            return reply
        if event == DECLINED_NOTE:
            return render_reach.declined_dm(d.t, name)
        if event == EXPIRED_NOTE:
            expired = await intros.expire(int(d.data["intro"]))
            return render_reach.expired_dm(d.t, name) if expired is not None else None
        return None

    async def _render_refresh(self, d: Delivery) -> Reply | None:
        if d.member is None:
            return None
        profile = await self.service.freshness.asking(d.member.id)
        if profile is None:
            return None
        card = await self._card(d.member.id)
        return render_reach.refresh_dm(d.t, d.member.display_name, profile.updated_at, card)
