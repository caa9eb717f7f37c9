"""Commands every community has, whatever cogs are enabled: help, language, time zone, and the
member's rights over their data (``me export | forget | link``).

Rights belong to the community, not to a feature: disabling a cog never takes away the right to
be forgotten. The ``me`` group stays open: a cog adds its own ``me …`` commands (onboarding's
``me profile`` and ``me edit``) with ``@command(..., group="me")``; the catalogue, help and every
adapter build one ``me`` group from the commands of all cogs.
"""

from __future__ import annotations

from typing import Annotated, Literal

from bot.core import privacy
from bot.core.cog import Cog
from bot.core.commands import Opt, command
from bot.core.core import Core
from bot.core.dashboard import dashboard_reply
from bot.core.errors import UserError
from bot.core.help import help_reply
from bot.core.i18n import Translator
from bot.core.invocation import Invocation
from bot.core.linking import merge_members
from bot.core.members import MemberInfo
from bot.core.refs import Role
from bot.core.reply import Action, ActionStyle, Reply, Tone
from bot.core.rights import LinkCodes, LinkSettings, PreferenceChanged, export_reply
from bot.core.text import tidy


class Builtins(Cog, name="core", group=None):
    def __init__(self, core: Core) -> None:
        super().__init__(core)
        link = LinkSettings.model_validate(core.settings.cogs.section("onboarding"))
        self.link_codes = LinkCodes(
            core.db, core.clock, core.members, code_minutes=link.link_code_minutes
        )

    @command("help")
    async def help(
        self,
        inv: Invocation,
        topic: Annotated[
            str, Opt("Un groupe ou une commande, ex. « poll create »", rest=True)
        ] = "",
    ) -> Reply:
        """Afficher l'aide des commandes."""
        reply = help_reply(self.core.catalogue, inv.t, inv.actor, inv.prefix, topic)
        reply.private = True
        return reply

    @command("dashboard", permission=Role.MEMBER)
    async def dashboard(self, inv: Invocation) -> Reply:
        """Recevoir un lien privé vers le tableau de bord web."""
        return await dashboard_reply(inv)

    # --- language and time zone: one write path (the member's row), two spellings each ---------

    @command("language")
    async def language(
        self,
        inv: Invocation,
        lang: Annotated[Literal["fr", "en"], Opt("Votre langue : fr ou en")],
    ) -> Reply:
        """Choisir la langue dans laquelle le bot vous répond."""
        value = await self._set_language(inv.member_id, lang)
        return self._language_set(self.core.i18n.translator(value, inv.tz))

    @command("language", group="me")
    async def me_language(
        self, inv: Invocation, lang: Annotated[str, Opt("Votre langue : fr ou en", max_length=20)]
    ) -> Reply:
        """Choisir ma langue."""
        await self._set_language(inv.member_id, lang)
        return self._language_set(await self._fresh_t(inv))

    async def _set_language(self, member_id: int, lang: str) -> str:
        """The one write path for a member's language (then cogs are told)."""
        value = await self.core.members.set_locale(member_id, tidy(lang))
        await self.core.events.emit(PreferenceChanged(member_id, "language", value))
        return value

    async def _set_timezone(self, member_id: int, zone: str) -> MemberInfo:
        """The one write path for a member's time zone (then cogs are told)."""
        member = await self.core.members.set_timezone_info(member_id, tidy(zone))
        await self.core.events.emit(
            PreferenceChanged(member_id, "timezone", member.timezone or "")
        )
        return member

    @command("locale", group="room", permission=Role.MODERATOR)
    async def room_locale(
        self,
        inv: Invocation,
        lang: Annotated[Literal["fr", "en"], Opt("Langue du salon : fr ou en")],
    ) -> Reply:
        """Choisir la langue des messages publiés dans ce salon."""
        # One rule: a post in a room (live results, reminders, announcements) speaks the
        # room's language; replies to a member and DMs speak the member's.
        if inv.room.direct:
            raise UserError(
                "Cette commande règle la langue d'un salon : tapez-la dans le salon voulu. "
                "Pour vos messages privés, tapez {prefix}language.",
                prefix=inv.prefix,
            )
        value = await self.core.members.set_room_locale(inv.room, lang)
        t = self.core.i18n.translator(value, inv.tz)
        return Reply(
            text=t("C'est noté : les messages publiés dans ce salon seront en français."),
            tone=Tone.SUCCESS,
        )

    @staticmethod
    def _language_set(t: Translator) -> Reply:
        return Reply(
            text=t("C'est noté : je vous réponds désormais en français."),
            tone=Tone.SUCCESS,
            private=True,
        )

    @command("timezone")
    async def timezone(
        self,
        inv: Invocation,
        zone: Annotated[str, Opt("Votre fuseau horaire, ex. Europe/Paris ou America/Montreal")],
    ) -> Reply:
        """Choisir votre fuseau horaire pour l'affichage des dates."""
        member = await self._set_timezone(inv.member_id, zone)
        return self._zone_set(await self.core.translator(member=member), member)

    @command("timezone", group="me")
    async def me_timezone(
        self,
        inv: Invocation,
        zone: Annotated[str, Opt("Votre fuseau horaire, ex. Europe/Paris", max_length=64)],
    ) -> Reply:
        """Choisir mon fuseau horaire."""
        member = await self._set_timezone(inv.member_id, zone)
        return self._zone_set(await self.core.translator(member=member, room=inv.room), member)

    def _zone_set(self, t: Translator, member: MemberInfo) -> Reply:
        return Reply(
            text=t(
                "C'est noté : les dates s'affichent maintenant à l'heure de {zone} "
                "(il est {now}).",
                zone=member.timezone,
                now=t.datetime(self.core.clock.now()),
            ),
            tone=Tone.SUCCESS,
            private=True,
        )

    async def _fresh_t(self, inv: Invocation) -> Translator:
        """The translator after a change of language."""
        member = await self.core.members.get(inv.member_id)
        return await self.core.translator(member=member, room=inv.room) if member else inv.t

    # --- me: the member's rights over their data ------------------------------------------------

    @command("export", group="me", defer=True)
    async def me_export(self, inv: Invocation) -> Reply:
        """Recevoir un fichier de tout ce que le bot garde à mon sujet."""
        data = await privacy.export_member(self.core, inv.member_id)
        stamp = self.core.clock.now().strftime("%Y%m%d")
        return export_reply(inv.t, data, stamp)

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
            issued = await self.link_codes.issue(inv.member_id, inv.platform)
            return Reply(
                text=inv.t(
                    "Votre code : **{code}**. Sur l'autre plateforme, tapez "
                    "`{prefix}me link code:{code}` avant {when}.",
                    code=issued.code,
                    prefix=inv.prefix,
                    when=inv.t.datetime(issued.expires_at),
                ),
                private=True,
            )
        kept, merged = await self.link_codes.redeem(inv.member_id, inv.platform, code)
        report = await merge_members(self.core, kept, merged)
        lines = [inv.t("Vos comptes sont reliés : vous êtes désormais un seul membre.")]
        lines += [f"- {inv.t(msgid, **params)}" for msgid, params in report.notes]
        return Reply(text="\n".join(lines), tone=Tone.SUCCESS, private=True)
