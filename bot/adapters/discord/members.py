"""The community server: who is a member, with which roles; joins, leaves, rules screening.

Trust: the community is one server (``guild_id``). Roles and permissions are read only from
the member's membership there — whatever server or DM the interaction comes from — and
interactions from any other server are refused before anything runs (``guilds.py``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Protocol

import discord

from bot.adapters.discord.delivery import NETWORK_ERRORS, PLATFORM, Delivery
from bot.adapters.discord.state import DeferredRoles, MemberMemory
from bot.core.errors import DeliveryError
from bot.core.events import MemberJoined, MemberLeft
from bot.core.pacing import Pacer
from bot.core.refs import MemberRef, Role, RoomRef

if TYPE_CHECKING:
    from bot.config import DiscordSection
    from bot.core.core import Core

log = logging.getLogger(__name__)

Spawn = Callable[[Coroutine[Any, Any, Any]], None]

#: How long the community server fetched over REST (roles, owner) is reused by a process that
#: does not own its shard: a role's permissions changed on Discord count after this long.
REMOTE_GUILD_TTL = 60.0


class CommunityCache(Protocol):
    """Where the community server is cached: the connection of its shard, if this process
    owns it (the adapter answers)."""

    def community_guild(self) -> discord.Guild | None: ...
    def community_here(self) -> bool: ...


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
        cache: CommunityCache,
    ) -> None:
        self.core = core
        self.client = client
        self.settings = settings
        self.pacer = pacer
        self.memory = memory
        self.delivery = delivery
        self.spawn = spawn
        self.cache = cache
        self.deferred = DeferredRoles(core.ownership.states, PLATFORM)
        self._remote: tuple[float, discord.Guild] | None = None  # (fetched at, guild)

    @property
    def id(self) -> int | None:
        """The community server's id (required by the config whenever Discord is enabled)."""
        return int(self.settings.guild_id) if self.settings.guild_id else None

    def guild(self) -> discord.Guild | None:
        """The community server from this process's gateway cache (None when the bot is not
        in it, or when another process owns its shard)."""
        if self.id is None:
            return None
        return self.cache.community_guild()

    async def read_guild(self) -> discord.Guild | None:
        """The community server to read members and roles from: the gateway cache when this
        process owns its shard, else Discord's REST API (no members cached: each member is
        fetched), reused for ``REMOTE_GUILD_TTL`` seconds."""
        guild = self.guild()
        if guild is not None or self.id is None or self.cache.community_here():
            return guild
        now = time.monotonic()
        if self._remote is not None and now - self._remote[0] < REMOTE_GUILD_TTL:
            return self._remote[1]
        await self.pacer.wait()
        try:
            guild = await self.client.fetch_guild(self.id, with_counts=False)
        except NETWORK_ERRORS:
            log.warning("Discord: could not read the community server %s", self.id)
            return None
        self._remote = (now, guild)
        return guild

    # --- who is who --------------------------------------------------------------------------

    async def member_of(self, interaction: discord.Interaction) -> discord.Member | None:
        """The interaction's user as a member of the community server, or None.

        Never the member object of another server (its roles and ``interaction.permissions``
        say nothing about the community: an administrator there is nobody here). In a DM, the
        member cache first, then Discord's REST API (a member not chunked yet, or a community
        whose shard another process owns)."""
        if self.id is None:
            return None
        user = interaction.user
        if interaction.guild_id == self.id and isinstance(user, discord.Member):
            return user
        if interaction.guild_id is not None:
            return None  # another server: refused before this point anyway
        return await self.member_by_id(user.id)

    async def member_by_id(self, user_id: int) -> discord.Member | None:
        """A community member by user id: the member cache first, then Discord's REST API."""
        guild = await self.read_guild()
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
        guild = getattr(channel, "guild", None) or self.guild()
        return guild.member_count if guild is not None else None

    # --- roles -------------------------------------------------------------------------------

    async def grant_role(self, member: MemberRef, role: Role) -> None:
        role_ids = getattr(self.settings.roles, role.value, [])
        if not role_ids:
            log.info("Discord: no role id configured for %s; nothing granted", role.value)
            return
        guild_id, user_id = self.id, int(member.id)
        guild = self.guild()
        if guild_id is None or (guild is None and self.cache.community_here()):
            return  # the bot is not in the community server
        if guild is not None:
            found = guild.get_member(user_id)
        else:
            # Another process owns the community's shard: ask Discord whether the member is
            # still on the rules screen.
            found = await self.member_by_id(user_id)
            if found is None:
                return  # not a member of the community (or Discord did not answer)
        if found is not None and found.pending:
            # Never before Discord's own rules screening: granted when it is passed (seen by
            # the process that owns the community's shard: this one, unless sharded).
            await self.deferred.add(guild_id, user_id, role)
            log.info("Discord: role %s deferred until rules screening is passed", role.value)
            return
        await self.delivery.add_role(guild_id, user_id, int(role_ids[0]))

    async def grant_deferred(self, guild_id: int, user_id: int) -> None:
        for role in await self.deferred.take(guild_id, user_id):
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
