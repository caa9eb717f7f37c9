"""The community server: who is a member, with which roles; joins, leaves, rules screening.

Trust: the community is one server (``guild_id``). Roles and permissions are read only from
the member's membership there — whatever server or DM the interaction comes from — and
interactions from any other server are refused before anything runs (``guilds.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

import discord

from bot.adapters.discord.delivery import NETWORK_ERRORS, PLATFORM, Delivery
from bot.adapters.discord.state import MemberMemory
from bot.core.errors import DeliveryError
from bot.core.events import MemberJoined, MemberLeft
from bot.core.pacing import Pacer
from bot.core.refs import MemberRef, Role, RoomRef

if TYPE_CHECKING:
    from bot.config import DiscordSection
    from bot.core.core import Core

log = logging.getLogger(__name__)

Spawn = Callable[[Coroutine[Any, Any, Any]], None]


class Community:
    """The community server as the adapter sees it through the client's cache and REST."""

    def __init__(
        self,
        core: Core,
        client: discord.Client,
        settings: DiscordSection,
        *,
        pacer: Pacer,
        memory: MemberMemory,
        delivery: Delivery,
        spawn: Spawn,
    ) -> None:
        self.core = core
        self.client = client
        self.settings = settings
        self.pacer = pacer
        self.memory = memory
        self.delivery = delivery
        self.spawn = spawn

    @property
    def id(self) -> int | None:
        """The community server's id (required by the config whenever Discord is enabled)."""
        return int(self.settings.guild_id) if self.settings.guild_id else None

    def guild(self) -> discord.Guild | None:
        if self.id is None:
            return None
        return self.client.get_guild(self.id)

    def guilds(self) -> list[discord.Guild]:
        """The community server, as a list (empty until the bot is in it)."""
        guild = self.guild()
        return [guild] if guild is not None else []

    # --- who is who --------------------------------------------------------------------------

    async def member_of(self, interaction: discord.Interaction) -> discord.Member | None:
        """The interaction's user as a member of the community server, or None.

        Never the member object of another server (its roles and ``interaction.permissions``
        say nothing about the community: an administrator there is nobody here). In a DM, the
        member cache first, then Discord's REST API (a member not chunked yet)."""
        guild = self.guild()
        if guild is None:
            return None
        user = interaction.user
        if interaction.guild_id == guild.id and isinstance(user, discord.Member):
            return user
        if interaction.guild_id is not None:
            return None  # another server: refused before this point anyway
        return await self.member_by_id(user.id)

    async def member_by_id(self, user_id: int) -> discord.Member | None:
        """A community member by user id: the member cache first, then Discord's REST API."""
        guild = self.guild()
        if guild is None:
            return None
        member = guild.get_member(user_id)
        if member is not None:
            return member
        await self.pacer.wait()
        try:
            return await guild.fetch_member(user_id)
        except discord.NotFound:
            return None  # not a member of the community
        except NETWORK_ERRORS:
            log.warning("Discord: could not look up member %s in the community", user_id)
            return None

    def roles(self, member: discord.Member | None) -> frozenset[Role]:
        """Neutral roles from a community member's role ids and server permissions."""
        if member is None:
            return frozenset({Role.EVERYONE})
        roles = {Role.EVERYONE}
        ids = {str(r.id) for r in member.roles}
        mapping = self.settings.roles
        if not member.pending and (not mapping.member or ids & set(mapping.member)):
            roles.add(Role.MEMBER)
        if ids & set(mapping.moderator):
            roles |= {Role.MEMBER, Role.MODERATOR}
        # guild_permissions: computed from the community's own roles (and its owner).
        if ids & set(mapping.admin) or member.guild_permissions.administrator:
            roles |= {Role.MEMBER, Role.MODERATOR, Role.ADMIN}
        return frozenset(roles)

    def population(self, room: RoomRef) -> int | None:
        channel = self.client.get_channel(int(room.id))
        guild = getattr(channel, "guild", None)
        if guild is None:
            guilds = self.guilds()
            guild = guilds[0] if len(guilds) == 1 else None
        return guild.member_count if guild is not None else None

    # --- roles -------------------------------------------------------------------------------

    async def grant_role(self, member: MemberRef, role: Role) -> None:
        role_ids = getattr(self.settings.roles, role.value, [])
        if not role_ids:
            log.info("Discord: no role id configured for %s; nothing granted", role.value)
            return
        for guild in self.guilds():
            cached = guild.get_member(int(member.id))
            if cached is not None and cached.pending:
                # Never before Discord's own rules screening: granted when it is passed.
                self.memory.deferred_roles.setdefault((guild.id, int(member.id)), set()).add(role)
                log.info("Discord: role %s deferred until rules screening is passed", role.value)
                continue
            await self.delivery.add_role(guild.id, int(member.id), int(role_ids[0]))

    async def grant_deferred(self, guild_id: int, user_id: int) -> None:
        for role in self.memory.deferred_roles.pop((guild_id, user_id), set()):
            role_ids = getattr(self.settings.roles, role.value, [])
            if role_ids:
                try:
                    await self.delivery.add_role(guild_id, user_id, int(role_ids[0]))
                except DeliveryError:
                    log.warning("Discord: deferred role %s could not be granted", role.value)

    # --- joins and leaves --------------------------------------------------------------------

    def screening_passed(self, data: dict[str, Any]) -> None:
        """A raw GUILD_MEMBER_UPDATE (cached member or not): the end of rules screening makes
        the join count, and grants the roles that waited for it."""
        if data.get("pending", False):
            return
        guild = self.client.get_guild(int(data["guild_id"]))
        if guild is None:
            return
        user = data["user"]
        cached = guild.get_member(int(user["id"]))
        if cached is not None and not cached.pending:
            return  # an ordinary update (nickname, roles…), not the end of screening
        name = data.get("nick") or user.get("global_name") or user.get("username") or ""
        self.spawn(self.grant_deferred(guild.id, int(user["id"])))
        self.spawn(self.member_joined(guild, int(user["id"]), name))

    def welcome_room(self, guild: discord.Guild) -> RoomRef | None:
        if self.settings.announce_channel:
            return RoomRef(PLATFORM, self.settings.announce_channel)
        if guild.system_channel is not None:
            return RoomRef(PLATFORM, str(guild.system_channel.id))
        return None

    async def member_joined(self, guild: discord.Guild, user_id: int, name: str) -> None:
        """``MemberJoined``, once per member, and only in the community."""
        if guild.id != self.id:
            return
        if (guild.id, user_id) in self.memory.joined:
            return
        self.memory.joined.add((guild.id, user_id))
        ref = MemberRef(PLATFORM, str(user_id), name)
        member = await self.core.members.resolve(ref)
        await self.core.events.emit(MemberJoined(member.id, ref, self.welcome_room(guild)))

    async def member_left(self, guild_id: int, user: discord.abc.User) -> None:
        if guild_id != self.id:
            return
        self.memory.joined.discard((guild_id, user.id))
        ref = MemberRef(PLATFORM, str(user.id), user.display_name)
        member = await self.core.members.resolve(ref)
        guild = self.client.get_guild(guild_id)
        room = self.welcome_room(guild) if guild else None
        await self.core.events.emit(MemberLeft(member.id, ref, room))
