"""The Discord adapter: the port the core talks to, and the connections' lifecycle.

Platform timing and quirks live in this package and nowhere else: the 3-second interaction
deadline (defer when slow), 100-character custom_ids, ephemeral replies, DM channels, error
50007, the message nonce, rules screening (``pending``) before a member counts as joined.

The parts, each built for every gateway connection this process opens:

- ``shards.py``      which shards this process owns (one lease each) and stands by for
- ``connection.py``  one shard's connection: its client, tree and the parts below
- ``client.py``      the discord.Client and CommandTree, handing events to the parts below
- ``sync.py``        catalogue → slash commands, synced only when they changed
- ``interactions.py`` slash commands, buttons, selects, modals → core invocations → answers
- ``members.py``     the community server: roles, joins, leaves, rules screening
- ``guilds.py``      other servers: left or kept, and refused
- ``delivery.py``    sends, edits, DMs and roles (paced, nonce, errors made neutral)
- ``compat.py``      every discord.py internal relied on (checked by a test)

Trust: the community is one server (``guild_id``). Roles and permissions are read only from
the member's membership there — whatever server or DM the interaction comes from — and
interactions from any other server are refused before anything runs.

Sharding (``[discord] shard_count``): each connection answers what arrives on it; sends,
edits, DMs and role grants go through Discord's REST API from any connection this process
owns — the community shard's first, whose member cache spares REST look-ups.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.adapters.discord.client import PasserelleClient
from bot.adapters.discord.connection import Connection
from bot.adapters.discord.delivery import PLATFORM
from bot.adapters.discord.shards import GATEWAY_LEASE, Shards, describe, shard_of
from bot.adapters.discord.state import DeferredRoles, MemberMemory
from bot.core.errors import TransientDeliveryError
from bot.core.pacing import Pacer
from bot.core.ports import Capability
from bot.core.refs import MemberRef, MessageRef, Role, RoomRef
from bot.core.reply import Reply

if TYPE_CHECKING:
    from bot.config import DiscordSection
    from bot.core.core import Core

log = logging.getLogger(__name__)

#: The lease on the gateway connection of an unsharded bot (``shard_count = 1``); each shard
#: of a sharded one has ``discord:shard:<i>`` (shards.py).
LEASE = GATEWAY_LEASE


class DiscordAdapter:
    platform = PLATFORM
    command_prefix = "/"  # help and usage lines show slash commands
    #: The gateway answers members as soon as it is up: connect before the cogs load
    #: (bot.app.start_core).
    answers_once_connected = True
    capabilities = (
        Capability.NATIVE_COMMANDS
        | Capability.BUTTONS
        | Capability.EPHEMERAL
        | Capability.ROLES
        | Capability.EDIT
        | Capability.FILES
    )

    def __init__(self, settings: DiscordSection) -> None:
        self.settings = settings
        self.core: Core | None = None
        self.memory = MemberMemory()  # what ``forget`` drops
        self.pacer = Pacer(settings.global_rate)  # one budget for every shard of this process
        self.shards: Shards | None = None  # the leases, once started
        self.connections: dict[int, Connection] = {}  # open ones, by shard

    # --- which connection ----------------------------------------------------------------------

    @property
    def community_shard(self) -> int | None:
        guild_id = self.community_id
        return None if guild_id is None else shard_of(guild_id, self.settings.shard_count)

    def _primary(self) -> Connection | None:
        """The connection sends, edits and role reads go through: the community's shard when
        this process owns it (its member cache), else any owned one (REST serves them all)."""
        usable = [c for _, c in sorted(self.connections.items()) if c.usable]
        for connection in usable:
            if connection.has_community:
                return connection
        return usable[0] if usable else None

    def community_guild(self) -> discord.Guild | None:
        """The community server from this process's cache (CommunityCache)."""
        connection = self.connections.get(self.community_shard or 0)
        if connection is None or connection.client is None or self.community_id is None:
            return None
        return connection.client.get_guild(self.community_id)

    def community_here(self) -> bool:
        """This process owns the community's shard: its cache is the truth (CommunityCache)."""
        return self.community_shard in self.connections

    @property
    def client(self) -> PasserelleClient | None:
        """The client of the primary connection (the only one when unsharded)."""
        primary = self._primary()
        if primary is not None:
            return primary.client
        opened = [c.client for _, c in sorted(self.connections.items()) if c.client is not None]
        return opened[0] if opened else None

    @property
    def synced(self) -> bool:
        """Whether this start pushed the commands to Discord (the community shard's owner)."""
        return any(c.synced for c in self.connections.values())

    @property
    def connected(self) -> bool:
        """Every shard this process owns has its gateway session up (what /healthz reports)."""
        connections = list(self.connections.values())
        return bool(connections) and all(c.connected for c in connections)

    def shard_detail(self) -> str:
        """For the ready line: the shards owned here (empty when unsharded)."""
        if self.shards is None or not self.shards.sharded:
            return ""
        return f"shards {describe(self.shards.owned())} of {self.shards.count}"

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self, core: Core) -> None:
        """Take the free shards' leases (up to ``shards_per_process``) and connect them, and
        stand by for the others: each is connected within ``[core] failover_seconds`` once its
        owner stops or dies (and this process has room for it)."""
        self.core = core
        self.shards = Shards(
            self.settings.shard_count,
            self.settings.shards_per_process,
            on_gained=self._connect,
            on_lost=self._disconnect,
        )
        await self.shards.start(core.ownership)

    @property
    def owner(self) -> bool:
        """This process owns at least one gateway connection now."""
        return self.shards is None or self._primary() is not None

    @property
    def can_send(self) -> bool:
        """REST sends work from any shard's client: the outbox sends through this adapter
        while it owns at least one connection."""
        return self.owner

    async def _connect(self, shard: int) -> None:
        assert self.core is not None and self.shards is not None
        connection = Connection(
            self.core,
            self.settings,
            shard,
            lease=self.shards.keeper(shard),
            pacer=self.pacer,
            memory=self.memory,
            cache=self,
        )
        self.connections[shard] = connection
        try:
            await connection.open()
        except BaseException:
            self.connections.pop(shard, None)
            raise

    async def _disconnect(self, shard: int) -> None:
        """The lease is lost: close that connection at once."""
        connection = self.connections.pop(shard, None)
        if connection is not None:
            await connection.close()

    async def stop(self) -> None:
        if self.shards is not None:
            self.shards.close_gate()  # no shard is taken while the others close
        for shard in list(self.connections):
            await self._disconnect(shard)
        if self.shards is not None:
            await self.shards.stop()  # released once the connections are closed

    @property
    def community_id(self) -> int | None:
        """The community server's id (required by the config whenever Discord is enabled)."""
        return int(self.settings.guild_id) if self.settings.guild_id else None

    async def command_payload(self) -> list[dict[str, Any]]:
        """The JSON Discord receives for the catalogue, localisations included."""
        return await self._parts().commands.payload()

    # --- Adapter port ------------------------------------------------------------------------

    def _parts(self) -> Connection:
        """The connection to go through; a standby process has none: its callers queue or
        retry instead."""
        connection = self._primary()
        if connection is None:
            raise TransientDeliveryError("the Discord connection is owned by another process")
        return connection

    async def send(self, room: RoomRef, reply: Reply, *, key: str | None = None) -> MessageRef:
        return await self._parts().delivery.send(room, reply, key)

    async def edit(self, message: MessageRef, reply: Reply) -> None:
        await self._parts().delivery.edit(message, reply)

    async def send_direct(
        self, member: MemberRef, reply: Reply, *, key: str | None = None
    ) -> MessageRef:
        return await self._parts().delivery.send_direct(member, reply, key)

    async def grant_role(self, member: MemberRef, role: Role) -> None:
        await self._parts().community.grant_role(member, role)

    async def roles_of(self, member: MemberRef) -> frozenset[Role]:
        """The member's roles in the community now (the dashboard asks on every request)."""
        if not member.id.isdigit():
            return frozenset({Role.EVERYONE})
        community = self._parts().community
        return community.roles(await community.member_by_id(int(member.id)))

    def mention(self, member: MemberRef) -> str:
        return f"<@{member.id}>"

    async def forget(self, member: MemberRef) -> None:
        """``me forget``: drop what this process remembers of the member (DM channel, joins
        seen) and the roles waiting in the database for their rules screening."""
        self.memory.forget(int(member.id))
        if self.core is not None and member.id.isdigit():
            await DeferredRoles(self.core.ownership.states, PLATFORM).forget(int(member.id))

    async def room_population(self, room: RoomRef) -> int | None:
        primary = self._primary()
        if primary is None or room.direct:
            return None
        return primary.community.population(room)
