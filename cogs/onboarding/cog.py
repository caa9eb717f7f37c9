"""Onboarding commands: the newcomer flow, ``me profile`` / ``me edit`` (the core owns the rest
of the ``me`` group) and ``members …`` (the directory); the outbox renderers of its DMs."""

from __future__ import annotations

from typing import Annotated

from bot.core import (
    Cog,
    Core,
    Delivery,
    Invocation,
    MemberJoined,
    MemberLeft,
    Opt,
    Reply,
    Role,
    Tone,
    Translator,
    command,
    listener,
)
from bot.core.rights import PreferenceChanged
from cogs.onboarding import render
from cogs.onboarding.cog_members import ReachCommands
from cogs.onboarding.domain import STEP_KIND, WELCOME_KIND
from cogs.onboarding.service import OnboardingService
from cogs.onboarding.settings import OnboardingSettings
from cogs.onboarding.steps import ProfileField, Step

Value = Annotated[str, Opt("Votre réponse", max_length=200, rest=True)]


class Onboarding(ReachCommands, Cog, name="onboarding"):
    """The newcomer flow, profiles and the directory; ``members match | introduce |
    introductions`` and ``me uptodate`` come from ``ReachCommands``."""

    def __init__(
        self, core: Core, settings: OnboardingSettings, service: OnboardingService
    ) -> None:
        super().__init__(core)
        self.settings = settings
        self.service = service
        self.privacy = service.privacy
        core.outbox.register(STEP_KIND, self.render_step)
        core.outbox.register(WELCOME_KIND, self.render_welcome)
        core.membership_command = "onboarding start"  # what a refused newcomer is told
        self.register_reach()

    # --- events and outbox --------------------------------------------------------------------

    @listener(MemberJoined)
    async def on_member_joined(self, event: MemberJoined) -> None:
        await self.service.flow.on_join(event.member_id, event.ref.platform)

    @listener(MemberLeft)
    async def on_member_left(self, event: MemberLeft) -> None:
        await self.service.flow.on_leave(event.member_id)

    @listener(PreferenceChanged)
    async def on_preference_changed(self, event: PreferenceChanged) -> None:
        """``language`` / ``timezone`` (core built-ins) answer that step of the flow."""
        await self.service.flow.answered_elsewhere(event.member_id, Step(event.preference))

    async def render_step(self, d: Delivery) -> Reply | None:
        if d.member is None:
            return None
        view = await self.service.flow.flow_state(d.member.id)
        if view is None or view.flow.left_at is not None:
            return None
        reason = str(d.data.get("reason", "welcome"))
        if view.current is None or (reason != "resend" and view.completed):
            return None  # finished meanwhile: the message is obsolete
        if d.fallback:
            platform = d.room.platform if d.room else "console"
            return render.fallback_notice(d.t, d.mention, self.core.text_prefix(platform))
        return render.step_dm(d.t, view, self.settings, reason)

    async def render_welcome(self, d: Delivery) -> Reply | None:
        member_id = int(d.data["member_id"])
        view = await self.service.flow.flow_state(member_id)
        if view is None or view.profile is None or not view.profile.welcome or d.room is None:
            return None
        cards = await self.service.directory.cards([member_id]) if view.profile.visible else []
        mention, pinged = await self.core.mention_ref(member_id, d.room.platform)
        reply = render.welcome_post(d.t, mention, cards[0] if cards else None)
        reply.mentions = (pinged,) if pinged else ()
        return reply

    # --- the newcomer flow --------------------------------------------------------------------

    @command("start")
    async def flow_start(self, inv: Invocation) -> Reply:
        """Commencer (ou reprendre) l'accueil : langue, code de conduite, profil, préférences."""
        view = await self.service.flow.start(inv.member_id)
        return render.step_reply(inv.t, view, self.settings)

    @command("answer")
    async def flow_answer(
        self,
        inv: Invocation,
        step: Annotated[Step, Opt("L'étape à laquelle vous répondez")],
        value: Value,
    ) -> Reply:
        """Répondre à une étape de l'accueil."""
        view = await self.service.flow.answer(inv.member_id, step, value)
        t = await self._fresh_t(inv)
        saved = t("C'est noté ({step}).", step=render.step_label(t, step))
        return render.after_answer(t, view, self.settings, saved)

    @command("skip")
    async def flow_skip(
        self,
        inv: Invocation,
        step: Annotated[
            Step | None, Opt("L'étape à passer (par défaut : l'étape en cours)")
        ] = None,
    ) -> Reply:
        """Passer une étape de l'accueil (à faire plus tard)."""
        view = await self.service.flow.skip(inv.member_id, step)
        return render.after_answer(inv.t, view, self.settings, inv.t("Étape passée."))

    @command("accept")
    async def flow_accept(self, inv: Invocation) -> Reply:
        """Accepter le code de conduite."""
        view = await self.service.flow.accept(inv.member_id)
        saved = inv.t("Merci d'avoir accepté le code de conduite.")
        return render.after_answer(inv.t, view, self.settings, saved)

    @command("status", permission=Role.MODERATOR)
    async def flow_status(self, inv: Invocation) -> Reply:
        """Voir l'entonnoir d'accueil : arrivés, commencé, code accepté, profil, terminé."""
        return render.funnel_reply(inv.t, await self.service.moderation.funnel())

    @command("pending", permission=Role.MODERATOR)
    async def flow_pending(self, inv: Invocation) -> Reply:
        """Voir qui n'a pas terminé son accueil, et à quelle étape."""
        total, rows = await self.service.moderation.pending()
        return render.pending_reply(inv.t, total, rows)

    @command("resend", permission=Role.MODERATOR)
    async def flow_resend(
        self, inv: Invocation, name: Annotated[str, Opt("Le membre", max_length=200, rest=True)]
    ) -> Reply:
        """Renvoyer à un membre l'étape d'accueil où il en est."""
        member = await self.service.moderation.resend(name)
        return Reply(
            text=inv.t("Message d'accueil renvoyé à {name}.", name=member.display_name),
            tone=Tone.SUCCESS,
            private=True,
        )

    # --- me ---------------------------------------------------------------------------------

    @command("profile", group="me")
    async def me_profile(self, inv: Invocation) -> Reply:
        """Voir mon profil."""
        view = await self.service.flow.profile_view(inv.member_id)
        return render.profile_reply(inv.t, view, inv.t.locale)

    @command("edit", group="me")
    async def me_edit(
        self,
        inv: Invocation,
        field: Annotated[ProfileField, Opt("Le champ à modifier")],
        value: Value,
    ) -> Reply:
        """Modifier un champ de mon profil."""
        stored = await self.service.flow.edit(inv.member_id, field, value)
        t = await self._fresh_t(inv)
        return Reply(
            text=t("C'est noté : {field} = {value}.", field=field.value, value=stored or "—"),
            tone=Tone.SUCCESS,
            private=True,
        )

    # --- members (the directory) ------------------------------------------------------------

    @command("find", group="members", permission=Role.MEMBER)
    async def members_find(
        self,
        inv: Invocation,
        region: Annotated[str, Opt("Région, ex. Bretagne ou Québec", max_length=200)] = "",
        interest: Annotated[str, Opt("Centre d'intérêt, ex. médiation", max_length=200)] = "",
        metier: Annotated[str, Opt("Métier, ex. programmation", max_length=200)] = "",
        query: Annotated[str, Opt("Mots à chercher (nom, structure…)", max_length=200)] = "",
    ) -> Reply:
        """Chercher des membres dans l'annuaire."""
        total, cards = await self.service.directory.find(
            region=region, interest=interest, metier=metier, query=query
        )
        return render.find_reply(inv.t, total, cards)

    @command("show", group="members", permission=Role.MEMBER)
    async def members_show(
        self,
        inv: Invocation,
        name: Annotated[str, Opt("Le nom du membre", max_length=200, rest=True)],
    ) -> Reply:
        """Voir la fiche d'un membre de l'annuaire."""
        return render.show_reply(inv.t, await self.service.directory.show(name), name)

    # --- helpers ---------------------------------------------------------------------------------

    async def _fresh_t(self, inv: Invocation) -> Translator:
        """The translator after a change of language or zone."""
        member = await self.core.members.get(inv.member_id)
        return await self.core.translator(member=member, room=inv.room) if member else inv.t
