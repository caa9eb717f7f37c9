"""Onboarding commands: the newcomer flow, ``me …`` (my data) and ``members …`` (directory)."""

from __future__ import annotations

from typing import Annotated, Any

from bot.core import (
    Action,
    ActionStyle,
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
    command,
    listener,
    privacy,
)
from cogs.onboarding import render
from cogs.onboarding.service import STEP_KIND, WELCOME_KIND, OnboardingService, ProfileField, Step
from cogs.onboarding.settings import Settings

Value = Annotated[str, Opt("Votre réponse", max_length=200, rest=True)]


class Onboarding(Cog, name="onboarding"):
    def __init__(self, core: Core, settings: Settings) -> None:
        super().__init__(core)
        self.settings = settings
        self.service = OnboardingService(core, settings)
        core.outbox.register(STEP_KIND, self.render_step)
        core.outbox.register(WELCOME_KIND, self.render_welcome)

    # --- events and outbox --------------------------------------------------------------------

    @listener(MemberJoined)
    async def on_member_joined(self, event: MemberJoined) -> None:
        await self.service.on_join(event.member_id, event.ref.platform)

    @listener(MemberLeft)
    async def on_member_left(self, event: MemberLeft) -> None:
        await self.service.on_leave(event.member_id)

    async def render_step(self, d: Delivery) -> Reply | None:
        if d.member is None:
            return None
        view = await self.service.flow_state(d.member.id)
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
        view = await self.service.flow_state(member_id)
        if view is None or view.profile is None or not view.profile.welcome or d.room is None:
            return None
        cards = await self.service.cards([member_id]) if view.profile.visible else []
        mention, pinged = await self.core.mention_ref(member_id, d.room.platform)
        reply = render.welcome_post(d.t, mention, cards[0] if cards else None)
        reply.mentions = (pinged,) if pinged else ()
        return reply

    # --- the newcomer flow --------------------------------------------------------------------

    @command("start")
    async def flow_start(self, inv: Invocation) -> Reply:
        """Commencer (ou reprendre) l'accueil : langue, code de conduite, profil, préférences."""
        view = await self.service.start(inv.member_id)
        return render.step_reply(inv.t, view, self.settings)

    @command("answer")
    async def flow_answer(
        self,
        inv: Invocation,
        step: Annotated[Step, Opt("L'étape à laquelle vous répondez")],
        value: Value,
    ) -> Reply:
        """Répondre à une étape de l'accueil."""
        view = await self.service.answer(inv.member_id, step, value)
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
        view = await self.service.skip(inv.member_id, step)
        return render.after_answer(inv.t, view, self.settings, inv.t("Étape passée."))

    @command("accept")
    async def flow_accept(self, inv: Invocation) -> Reply:
        """Accepter le code de conduite."""
        view = await self.service.accept(inv.member_id)
        saved = inv.t("Merci d'avoir accepté le code de conduite.")
        return render.after_answer(inv.t, view, self.settings, saved)

    @command("status", permission=Role.MODERATOR)
    async def flow_status(self, inv: Invocation) -> Reply:
        """Voir l'entonnoir d'accueil : arrivés, commencé, code accepté, profil, terminé."""
        return render.funnel_reply(inv.t, await self.service.funnel())

    @command("pending", permission=Role.MODERATOR)
    async def flow_pending(self, inv: Invocation) -> Reply:
        """Voir qui n'a pas terminé son accueil, et à quelle étape."""
        total, rows = await self.service.pending()
        return render.pending_reply(inv.t, total, rows)

    @command("resend", permission=Role.MODERATOR)
    async def flow_resend(
        self, inv: Invocation, name: Annotated[str, Opt("Le membre", max_length=200, rest=True)]
    ) -> Reply:
        """Renvoyer à un membre l'étape d'accueil où il en est."""
        member = await self.service.resend(name)
        return Reply(
            text=inv.t("Message d'accueil renvoyé à {name}.", name=member.display_name),
            tone=Tone.SUCCESS,
            private=True,
        )

    # --- me ---------------------------------------------------------------------------------

    @command("profile", group="me")
    async def me_profile(self, inv: Invocation) -> Reply:
        """Voir mon profil."""
        view = await self.service.profile_view(inv.member_id)
        return render.profile_reply(inv.t, view, inv.t.locale)

    @command("edit", group="me")
    async def me_edit(
        self,
        inv: Invocation,
        field: Annotated[ProfileField, Opt("Le champ à modifier")],
        value: Value,
    ) -> Reply:
        """Modifier un champ de mon profil."""
        stored = await self.service.edit(inv.member_id, field, value)
        t = await self._fresh_t(inv)
        return Reply(
            text=t("C'est noté : {field} = {value}.", field=field.value, value=stored or "—"),
            tone=Tone.SUCCESS,
            private=True,
        )

    @command("timezone", group="me")
    async def me_timezone(
        self,
        inv: Invocation,
        zone: Annotated[str, Opt("Votre fuseau horaire, ex. Europe/Paris", max_length=64)],
    ) -> Reply:
        """Choisir mon fuseau horaire."""
        stored = await self.service.edit(inv.member_id, ProfileField.TIMEZONE, zone)
        t = await self._fresh_t(inv)
        return Reply(
            text=t(
                "C'est noté : les dates s'affichent maintenant à l'heure de {zone} "
                "(il est {now}).",
                zone=stored,
                now=t.datetime(self.core.clock.now()),
            ),
            tone=Tone.SUCCESS,
            private=True,
        )

    @command("language", group="me")
    async def me_language(
        self, inv: Invocation, lang: Annotated[str, Opt("Votre langue : fr ou en", max_length=20)]
    ) -> Reply:
        """Choisir ma langue."""
        await self.service.edit(inv.member_id, ProfileField.LANGUAGE, lang)
        t = await self._fresh_t(inv)
        return Reply(
            text=t("C'est noté : je vous réponds désormais en français."),
            tone=Tone.SUCCESS,
            private=True,
        )

    @command("export", group="me", defer=True)
    async def me_export(self, inv: Invocation) -> Reply:
        """Recevoir un fichier de tout ce que le bot garde à mon sujet."""
        data = await privacy.export_member(self.core, inv.member_id)
        stamp = self.core.clock.now().strftime("%Y%m%d")
        return render.export_reply(inv.t, data, stamp)

    @command("forget", group="me")
    async def me_forget(
        self,
        inv: Invocation,
        confirm: Annotated[bool, Opt("Confirmer l'effacement définitif")] = False,
    ) -> Reply:
        """Effacer toutes mes données (avec confirmation)."""
        if not confirm:
            return Reply(
                text=inv.t(
                    "Ceci efface définitivement votre profil, vos identités liées, vos "
                    "inscriptions, votes nommés, réponses et favoris, sur toutes les "
                    "plateformes. Pour confirmer : me forget confirm:true."
                ),
                tone=Tone.WARNING,
                private=True,
                actions=[
                    Action.invoke(
                        "me forget",
                        label=inv.t("Oui, tout effacer"),
                        style=ActionStyle.DANGER,
                        confirm=True,
                    )
                ],
            )
        await privacy.forget_member(self.core, inv.member_id)
        return Reply(
            text=inv.t("C'est fait : le bot a effacé tout ce qu'il savait de vous. Au revoir !"),
            tone=Tone.SUCCESS,
            private=True,
        )

    @command("link", group="me")
    async def me_link(
        self,
        inv: Invocation,
        code: Annotated[str, Opt("Le code obtenu sur l'autre plateforme", max_length=20)] = "",
    ) -> Reply:
        """Relier mes comptes Discord et Matrix (un code à taper sur l'autre plateforme)."""
        if not code:
            link = await self.service.create_link_code(inv.member_id, inv.platform)
            return Reply(
                text=inv.t(
                    "Votre code : **{code}**. Sur l'autre plateforme, tapez "
                    "`{prefix}me link code:{code}` avant {when}.",
                    code=link.code,
                    prefix=inv.prefix,
                    when=inv.t.datetime(link.expires_at),
                ),
                private=True,
            )
        report = await self.service.redeem_link_code(inv.member_id, inv.platform, code)
        lines = [inv.t("Vos comptes sont reliés : vous êtes désormais un seul membre.")]
        lines += [f"- {inv.t(msgid, **params)}" for msgid, params in report.notes]
        return Reply(text="\n".join(lines), tone=Tone.SUCCESS, private=True)

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
        total, cards = await self.service.find(
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
        return render.show_reply(inv.t, await self.service.show(name), name)

    # --- helpers and privacy hooks -------------------------------------------------------------

    async def _fresh_t(self, inv: Invocation) -> Any:
        """The translator after a change of language or zone."""
        member = await self.core.members.get(inv.member_id)
        return await self.core.translator(member=member, room=inv.room) if member else inv.t

    async def export_member(self, member_id: int) -> dict[str, Any] | None:
        return await self.service.export(member_id)

    async def forget_member(self, member_id: int) -> None:
        await self.service.forget(member_id)

    async def merge_members(self, kept: int, merged: int) -> Any:
        return await self.service.merge(kept, merged)
