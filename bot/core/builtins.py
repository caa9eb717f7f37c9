"""Commands every community has, whatever cogs are enabled: help, language, time zone."""

from __future__ import annotations

from typing import Annotated, Literal

from bot.core.cog import Cog
from bot.core.commands import Opt, command
from bot.core.help import help_reply
from bot.core.invocation import Invocation
from bot.core.reply import Reply, Tone


class Builtins(Cog, name="core", group=None):
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

    @command("language")
    async def language(
        self,
        inv: Invocation,
        lang: Annotated[Literal["fr", "en"], Opt("Votre langue : fr ou en")],
    ) -> Reply:
        """Choisir la langue dans laquelle le bot vous répond."""
        value = await self.core.members.set_locale(inv.member_id, lang)
        t = self.core.i18n.translator(value, inv.tz)
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
        member = await self.core.members.set_timezone_info(inv.member_id, zone)
        value = member.timezone
        t = await self.core.translator(member=member)
        return Reply(
            text=t(
                "C'est noté : les dates s'affichent maintenant à l'heure de {zone} "
                "(il est {now}).",
                zone=value,
                now=t.datetime(self.core.clock.now()),
            ),
            tone=Tone.SUCCESS,
            private=True,
        )
