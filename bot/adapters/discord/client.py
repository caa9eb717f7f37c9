"""The discord.py client and command tree, handing every event to the adapter's parts."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import discord
from discord import app_commands

from bot.adapters.discord.compat import GuardedCommandTree
from bot.adapters.discord.guilds import OtherGuilds
from bot.adapters.discord.interactions import Interactions, raw_data

log = logging.getLogger(__name__)


class ClientEvents(Protocol):
    """What the client reports (the adapter implements it)."""

    async def on_setup(self) -> None: ...
    async def on_ready(self) -> None: ...
    async def on_resumed(self) -> None: ...
    async def on_guild_join(self, guild: discord.Guild) -> None: ...
    async def on_interaction(self, interaction: discord.Interaction) -> None: ...
    async def on_member_join(self, member: discord.Member) -> None: ...
    async def on_member_remove(self, guild_id: int, user: discord.abc.User) -> None: ...
    async def on_message(self, message: discord.Message) -> None: ...


class PasserelleClient(discord.Client):
    def __init__(self, events: ClientEvents, **options: Any) -> None:
        super().__init__(**options)
        self.events = events

    async def setup_hook(self) -> None:
        await self.events.on_setup()

    async def on_ready(self) -> None:
        shard = "" if self.shard_id is None else f" (shard {self.shard_id} of {self.shard_count})"
        log.info("Discord: connected as %s in %d guild(s)%s", self.user, len(self.guilds), shard)
        await self.events.on_ready()

    async def on_resumed(self) -> None:
        await self.events.on_resumed()

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.events.on_guild_join(guild)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await self.events.on_interaction(interaction)

    async def on_member_join(self, member: discord.Member) -> None:
        await self.events.on_member_join(member)

    async def on_message(self, message: discord.Message) -> None:
        await self.events.on_message(message)

    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        await self.events.on_member_remove(payload.guild_id, payload.user)


class PasserelleTree(GuardedCommandTree):
    """Slash commands: bad or outdated payloads get a friendly answer, never a traceback."""

    def __init__(
        self,
        client: discord.Client,
        interactions: Interactions,
        other_guilds: OtherGuilds,
        claim: Callable[[discord.Interaction], Awaitable[bool]],
    ) -> None:
        super().__init__(client)
        self.interactions = interactions
        self.other_guilds = other_guilds
        self.claim = claim

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if not await self.claim(interaction):
            return False  # another process owns the connection, or answered it already
        if self.other_guilds.is_foreign(interaction):
            await self.other_guilds.refuse(interaction)
            return False
        data = interaction.data
        if isinstance(data, dict) and isinstance(data.get("name"), str):
            options = data.get("options", [])
            if isinstance(options, list) and all(isinstance(o, dict) for o in options):
                return True
        await self.interactions.answer_expired(interaction)
        return False

    async def on_unreadable(self, interaction: discord.Interaction) -> None:
        await self.interactions.answer_expired(interaction)

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        if isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
            await self.interactions.answer_expired(interaction)
            return
        # Values discord.py could not convert: let the core explain, with the usage line.
        path, raw = raw_command(raw_data(interaction))
        if path is None:
            await self.interactions.answer_expired(interaction)
            return
        log.info("Discord: %s could not convert options (%s)", path, type(error).__name__)
        await self.interactions.respond(interaction, path, raw, defer=False)


def raw_command(data: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """A slash command's path and its options as typed, from the raw interaction data."""
    name = data.get("name")
    options = data.get("options") or []
    if not isinstance(name, str) or not isinstance(options, list):
        return None, {}
    path = name
    # A subcommand group (type 2) holds a subcommand (type 1): ``cafe programme add``.
    for kind in (2, 1):
        if options and isinstance(options[0], dict) and options[0].get("type") == kind:
            sub = options[0]
            path = f"{path} {sub.get('name')}"
            options = sub.get("options") or []
            if not isinstance(options, list):
                return None, {}
    return path, _raw_options(options)


def _raw_options(options: list[Any]) -> dict[str, Any]:
    return {
        str(o["name"]): o.get("value")
        for o in options
        if isinstance(o, dict) and isinstance(o.get("name"), str)
    }
