"""The Discord adapter: the port the core talks to, and the connection's lifecycle.

Platform timing and quirks live in this package and nowhere else: the 3-second interaction
deadline (defer when slow), 100-character custom_ids, ephemeral replies, DM channels, error
50007, the message nonce, rules screening (``pending``) before a member counts as joined.

The parts, each built at ``start`` with what it needs:

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
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

import discord

from bot.adapters.discord import compat
from bot.adapters.discord.appcommands import build_tree_commands
from bot.adapters.discord.client import PasserelleClient, PasserelleTree
from bot.adapters.discord.delivery import PLATFORM, Delivery
from bot.adapters.discord.guilds import OtherGuilds
from bot.adapters.discord.interactions import Interactions
from bot.adapters.discord.members import Community
from bot.adapters.discord.render import no_mentions
from bot.adapters.discord.state import MemberMemory
from bot.adapters.discord.sync import CommandSync
from bot.core.errors import TransientDeliveryError
from bot.core.pacing import Pacer
from bot.core.ports import Capability
from bot.core.refs import Actor, MemberRef, MessageRef, Role, RoomRef
from bot.core.reply import Reply

if TYPE_CHECKING:
    from bot.config import DiscordSection
    from bot.core.core import Core
    from bot.core.leases import LeaseKeeper

log = logging.getLogger(__name__)

#: The lease on the gateway connection (one shard: a bot serving one community never needs more).
LEASE = "discord:gateway"

# Parsers wrapped so that a malformed event cannot end the connection.
GUARDED_EVENTS = ("INTERACTION_CREATE", "GUILD_MEMBER_ADD", "GUILD_MEMBER_UPDATE")


class DiscordAdapter:
    platform = PLATFORM
    command_prefix = "/"  # help and usage lines show slash commands
    capabilities = (
        Capability.NATIVE_COMMANDS
        | Capability.BUTTONS
        | Capability.EPHEMERAL
        | Capability.ROLES
        | Capability.EDIT
        | Capability.FILES
    )

    # The parts, built by ``start`` around its client.
    delivery: Delivery
    community: Community
    other_guilds: OtherGuilds
    interactions: Interactions
    commands: CommandSync

    def __init__(self, settings: DiscordSection) -> None:
        self.settings = settings
        self.core: Core | None = None
        self.client: PasserelleClient | None = None
        self.tree: PasserelleTree | None = None
        self._runner: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.memory = MemberMemory()  # what ``forget`` drops
        self.synced = False  # whether this start pushed the commands to Discord
        self.pacer = Pacer(settings.global_rate)
        self._ready_once = False
        self.lease: LeaseKeeper | None = None  # the gateway connection's, once started

    @property
    def connected(self) -> bool:
        """The gateway session is up (what /healthz reports)."""
        client = self.client
        return client is not None and client.is_ready() and not client.is_closed()

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self, core: Core) -> None:
        """Take the gateway connection's lease and connect, or stand by until its owner stops
        or dies (then connect within ``[core] failover_seconds``)."""
        self.core = core
        self.lease = core.ownership.keeper(
            LEASE,
            on_gained=self._connect,
            on_lost=self._disconnect,
            what="the Discord gateway connection",
        )
        await self.lease.start()

    @property
    def owner(self) -> bool:
        """This process owns the gateway connection now."""
        return self.lease is None or self.lease.valid

    @property
    def can_send(self) -> bool:
        """The outbox sends through this adapter only while it owns the connection."""
        return self.owner

    async def claim(self, interaction: discord.Interaction) -> bool:
        """Whether to answer ``interaction``: this process owns the connection and nobody
        took it before (a session resumed across a takeover never answers twice)."""
        if not self.owner or self.core is None:
            log.warning("Discord: an interaction arrived after this process lost the connection")
            return False
        return await self.core.ownership.handled.claim(PLATFORM, str(interaction.id))

    async def _connect(self) -> None:
        try:
            await self._open()
        except BaseException:
            await self._disconnect()  # nothing half-open is left behind
            raise

    async def _open(self) -> None:
        assert self.core is not None
        core = self.core
        compat.point_at(self.settings.api_base, self.settings.gateway_url)
        compat.calm_reconnects()
        intents = discord.Intents.default()
        intents.members = True  # join/leave, rules screening, roles (privileged: enable it)
        intents.message_content = self.settings.message_content  # privileged too
        client = PasserelleClient(
            self,
            intents=intents,
            guild_ready_timeout=self.settings.guild_ready_timeout,
            max_ratelimit_timeout=self.settings.max_ratelimit_timeout,
            # Nobody is pinged unless a reply names them (render.message_kwargs).
            allowed_mentions=no_mentions(),
            application_id=int(self.settings.application_id)
            if self.settings.application_id
            else None,
        )
        self.client = client
        self._build_parts(core, client)
        await client.login(self.settings.token)
        self._runner = asyncio.create_task(client.connect(reconnect=True), name="discord")
        ready = asyncio.create_task(client.wait_until_ready())
        done, _ = await asyncio.wait(
            {ready, self._runner},
            timeout=self.settings.ready_timeout,
            return_when=asyncio.FIRST_COMPLETED,
        )
        if self._runner in done:
            ready.cancel()
            self._runner.result()  # raises why the connection ended
        if ready not in done:
            ready.cancel()
            log.warning("Discord: not ready after %ss; continuing", self.settings.ready_timeout)
        previous = self.lease.previous if self.lease is not None else None
        if previous is not None:
            log.info("Discord: took over the gateway connection from %s", previous.holder)
            await core.outbox.release_claims(previous.holder, PLATFORM)

    async def _disconnect(self) -> None:
        """The lease is lost: close the gateway connection at once."""
        if self.client is not None:
            await self.client.close()
        if self._runner is not None:
            try:
                await asyncio.wait_for(self._runner, 10)
            except (TimeoutError, Exception):
                log.debug("Discord: connection task ended uneasily", exc_info=True)
            self._runner = None
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _build_parts(self, core: Core, client: PasserelleClient) -> None:
        settings, pacer = self.settings, self.pacer
        self.delivery = Delivery(client, pacer, self.memory)
        self.community = Community(
            core,
            client,
            settings,
            pacer=pacer,
            memory=self.memory,
            delivery=self.delivery,
            spawn=self._spawn,
        )
        self.other_guilds = OtherGuilds(core, client, settings, self.community, pacer)
        self.interactions = Interactions(core, client, settings, self.community, self.other_guilds)
        self.tree = PasserelleTree(client, self.interactions, self.other_guilds, self.claim)
        self.commands = CommandSync(core, client, self.tree, settings)
        for command in build_tree_commands(
            core.catalogue, self.interactions.run_command, self.interactions.autocomplete
        ):
            self.tree.add_command(command, guild=self.commands.scope())
        compat.wrap_parsers(client, GUARDED_EVENTS, self._guarded)

    async def stop(self) -> None:
        await self._disconnect()
        if self.lease is not None:
            await self.lease.stop()  # released once the connection is closed

    @property
    def community_id(self) -> int | None:
        """The community server's id (required by the config whenever Discord is enabled)."""
        return int(self.settings.guild_id) if self.settings.guild_id else None

    async def command_payload(self) -> list[dict[str, Any]]:
        """The JSON Discord receives for the catalogue, localisations included."""
        return await self.commands.payload()

    def _guarded(self, event: str, parse: compat.Parser) -> compat.Parser:
        """A malformed gateway event must not end the connection (discord.py lets a parser's
        exception escape ``connect``): log it and keep going. GUILD_MEMBER_UPDATE also tells
        when rules screening is passed, cached member or not."""

        def run(data: Any) -> None:
            try:
                if event == "GUILD_MEMBER_UPDATE":
                    self.community.screening_passed(data)
                parse(data)
            except Exception:
                log.warning("Discord: ignored a malformed %s event", event)
                log.debug("Malformed %s event", event, exc_info=True)
                if event == "INTERACTION_CREATE" and isinstance(data, dict):
                    self._spawn(self.interactions.answer_raw(data))

        return run

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- what the client reports (client.ClientEvents) ---------------------------------------

    async def on_setup(self) -> None:
        self.synced = await self.commands.sync()

    async def on_ready(self) -> None:
        if self._ready_once and self.core is not None:
            self.core.metrics.reconnected(self.platform)  # a new session after a lost one
        self._ready_once = True
        await self.other_guilds.check_all()

    async def on_resumed(self) -> None:
        if self.core is not None:
            self.core.metrics.reconnected(self.platform)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.other_guilds.check(guild)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        # Slash commands are claimed by the tree's check; components and modals here.
        if interaction.type in (
            discord.InteractionType.component,
            discord.InteractionType.modal_submit,
        ) and not await self.claim(interaction):
            return
        await self.interactions.on_interaction(interaction)

    async def on_member_join(self, member: discord.Member) -> None:
        if not member.pending:
            await self.community.member_joined(member.guild, member.id, member.display_name)

    async def on_member_remove(self, guild_id: int, user: discord.abc.User) -> None:
        await self.community.member_left(guild_id, user)

    async def on_message(self, message: discord.Message) -> None:
        """A message in a community channel: only its links reach the core (the café's
        report lists those shared during a session); the text is never kept."""
        guild = message.guild
        if (
            self.core is None
            or guild is None
            or message.author.bot
            or str(guild.id) != self.settings.guild_id
            or "http" not in message.content
        ):
            return
        member = guild.get_member(message.author.id)
        ref = MemberRef(self.platform, str(message.author.id), message.author.display_name)
        actor = Actor(ref, self.community.roles(member))
        room = RoomRef(self.platform, str(message.channel.id))
        await self.core.room_message(actor, room, message.content)

    # --- Adapter port ------------------------------------------------------------------------

    def _connected_parts(self) -> None:
        """A standby process has no connection: its callers queue or retry instead."""
        if self.client is None or not self.owner:
            raise TransientDeliveryError("the Discord connection is owned by another process")

    async def send(self, room: RoomRef, reply: Reply, *, key: str | None = None) -> MessageRef:
        self._connected_parts()
        return await self.delivery.send(room, reply, key)

    async def edit(self, message: MessageRef, reply: Reply) -> None:
        self._connected_parts()
        await self.delivery.edit(message, reply)

    async def send_direct(
        self, member: MemberRef, reply: Reply, *, key: str | None = None
    ) -> MessageRef:
        self._connected_parts()
        return await self.delivery.send_direct(member, reply, key)

    async def grant_role(self, member: MemberRef, role: Role) -> None:
        self._connected_parts()
        await self.community.grant_role(member, role)

    async def roles_of(self, member: MemberRef) -> frozenset[Role]:
        """The member's roles in the community now (the dashboard asks on every request)."""
        if not member.id.isdigit():
            return frozenset({Role.EVERYONE})
        return self.community.roles(await self.community.member_by_id(int(member.id)))

    def mention(self, member: MemberRef) -> str:
        return f"<@{member.id}>"

    async def forget(self, member: MemberRef) -> None:
        """``me forget``: drop what this process remembers of the member (DM channel, joins
        seen, roles waiting for rules screening)."""
        self.memory.forget(int(member.id))

    async def room_population(self, room: RoomRef) -> int | None:
        if self.client is None or room.direct:
            return None
        return self.community.population(room)
