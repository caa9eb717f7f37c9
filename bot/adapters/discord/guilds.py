"""Servers that are not the community: left (``leave_other_guilds``) or kept and refused.

Nothing from another server — nor from a private channel between users (a user-installed
app) — ever runs or counts for roles: such interactions get a clear, private refusal and the
core is not even asked (no member is created).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.adapters.discord.delivery import NETWORK_ERRORS
from bot.adapters.discord.members import Community
from bot.adapters.discord.render import no_mentions
from bot.core.i18n import N_
from bot.core.pacing import Pacer

if TYPE_CHECKING:
    from bot.config import DiscordSection
    from bot.core.core import Core

log = logging.getLogger(__name__)

FOREIGN_GUILD = N_(
    "Ce bot ne sert qu'une communauté, sur un autre serveur : rien n'a été fait ici. "
    "Utilisez cette commande sur le serveur de la communauté (ou en message privé avec le bot)."
)


class OtherGuilds:
    """Leaves (or tolerates) the other servers, and refuses what comes from them."""

    def __init__(
        self,
        core: Core,
        client: discord.Client,
        settings: DiscordSection,
        community: Community,
        pacer: Pacer,
    ) -> None:
        self.core = core
        self.client = client
        self.settings = settings
        self.community = community
        self.pacer = pacer

    async def check_all(self, *, expect_community: bool = True) -> None:
        """At READY: deal with every server that is not the community (on this connection;
        ``expect_community``: the community's server comes on it too)."""
        if expect_community and self.community.guild() is None:
            log.warning(
                "Discord: the bot is not in the community server %s (guild_id); invite it there",
                self.community.id,
            )
        for guild in list(self.client.guilds):
            await self.check(guild)

    async def check(self, guild: discord.Guild) -> None:
        """A server that is not the community: leave it (``leave_other_guilds``) or stay there
        without answering — either way, nothing in it ever counts for roles."""
        if guild.id == self.community.id:
            return
        if not self.settings.leave_other_guilds:
            log.info(
                "Discord: in server %s (%s), not the community: staying "
                "(leave_other_guilds = false), its commands are refused",
                guild.id,
                guild.name,
            )
            return
        await self.pacer.wait()  # many servers at READY: stay under the global limit
        try:
            await guild.leave()
        except NETWORK_ERRORS:
            log.warning("Discord: could not leave server %s (%s)", guild.id, guild.name)
            return
        log.info("Discord: left server %s (%s): not the community", guild.id, guild.name)

    def is_foreign(self, interaction: discord.Interaction) -> bool:
        """From a server other than the community, or from a private channel between users
        (a user-installed app): never run, never read roles there."""
        if interaction.guild_id is not None:
            return interaction.guild_id != self.community.id
        return bool(interaction.context.private_channel)

    async def refuse(self, interaction: discord.Interaction) -> None:
        """A clear, private refusal; the core is not even asked (no member is created)."""
        log.info(
            "Discord: refused an interaction from server %s (not the community)",
            interaction.guild_id,
        )
        try:
            if interaction.response.is_done():
                return
            if interaction.type is discord.InteractionType.autocomplete:
                await interaction.response.autocomplete([])
                return
            t = self.core.i18n.translator(str(interaction.locale))
            await interaction.response.send_message(
                t(FOREIGN_GUILD), ephemeral=True, allowed_mentions=no_mentions()
            )
        except NETWORK_ERRORS:
            log.info("Discord: could not answer interaction %s", interaction.id)
