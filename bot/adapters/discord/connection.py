"""One gateway connection — a shard, or the bot's only connection — with its discord.py client,
command tree and the parts built around them. Opened when its lease is gained, closed at once
when it is lost (``adapter.py`` and ``shards.py`` decide which).

Every connection answers what arrives on it (the community's commands come on the community's
shard, direct messages on shard 0), each interaction claimed once across processes. Only the
connection of the community's shard publishes the slash commands: the process answering the
community's commands is then the one whose catalogue they were built from, even in the middle
of a rolling upgrade — and with one shard that is the only connection, as before sharding.
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
from bot.adapters.discord.members import Community, CommunityCache
from bot.adapters.discord.render import no_mentions
from bot.adapters.discord.shards import shard_of
from bot.adapters.discord.state import MemberMemory
from bot.adapters.discord.sync import CommandSync
from bot.core.pacing import Pacer
from bot.core.refs import Actor, MemberRef, RoomRef

if TYPE_CHECKING:
    from bot.config import DiscordSection
    from bot.core.core import Core
    from bot.core.leases import LeaseKeeper

log = logging.getLogger(__name__)

# Parsers wrapped so that a malformed event cannot end the connection.
GUARDED_EVENTS = ("INTERACTION_CREATE", "GUILD_MEMBER_ADD", "GUILD_MEMBER_UPDATE")


class Connection:
    """One shard's gateway connection and its parts (``client.ClientEvents``)."""

    platform = PLATFORM
    # The parts, built by ``open`` around its client.
    delivery: Delivery
    community: Community
    other_guilds: OtherGuilds
    interactions: Interactions
    commands: CommandSync

    def __init__(
        self,
        core: Core,
        settings: DiscordSection,
        shard: int,
        *,
        lease: LeaseKeeper,
        pacer: Pacer,
        memory: MemberMemory,
        cache: CommunityCache,
    ) -> None:
        self.core = core
        self.settings = settings
        self.shard = shard
        self.count = settings.shard_count
        self.lease = lease
        self.pacer = pacer
        self.memory = memory
        self.cache = cache
        self.client: PasserelleClient | None = None
        self.tree: PasserelleTree | None = None
        self.synced = False  # whether this connection pushed the commands to Discord
        self._runner: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._ready_once = False

    @property
    def name(self) -> str:
        """How the log names it: the gateway connection, or one shard of it."""
        if self.count == 1:
            return "the gateway connection"
        return f"shard {self.shard} of {self.count}"

    @property
    def has_community(self) -> bool:
        """The community server's events come on this connection."""
        guild_id = self.settings.guild_id
        return bool(guild_id) and shard_of(int(guild_id or 0), self.count) == self.shard

    @property
    def usable(self) -> bool:
        """Open, and its lease trusted right now (sends and answers may go through it)."""
        return self.client is not None and self.lease.valid

    @property
    def connected(self) -> bool:
        client = self.client
        return client is not None and client.is_ready() and not client.is_closed()

    async def claim(self, interaction: discord.Interaction) -> bool:
        """Whether to answer ``interaction``: this process owns the connection it came on and
        nobody took it before (a session resumed across a takeover never answers twice)."""
        if not self.lease.valid:
            log.warning("Discord: an interaction arrived after this process lost %s", self.name)
            return False
        return await self.core.ownership.handled.claim(PLATFORM, str(interaction.id))

    # --- lifecycle ---------------------------------------------------------------------------

    async def open(self) -> None:
        try:
            await self._open()
        except BaseException:
            await self.close()  # nothing half-open is left behind
            raise

    async def _open(self) -> None:
        core, settings = self.core, self.settings
        compat.point_at(settings.api_base, settings.gateway_url)
        compat.calm_reconnects()
        intents = discord.Intents.default()
        intents.members = True  # join/leave, rules screening, roles (privileged: enable it)
        intents.message_content = settings.message_content  # privileged too
        # One shard: no shard field in IDENTIFY, exactly the connection of before sharding.
        sharding = {"shard_id": self.shard, "shard_count": self.count} if self.count > 1 else {}
        client = PasserelleClient(
            self,
            intents=intents,
            guild_ready_timeout=settings.guild_ready_timeout,
            max_ratelimit_timeout=settings.max_ratelimit_timeout,
            # Nobody is pinged unless a reply names them (render.message_kwargs).
            allowed_mentions=no_mentions(),
            application_id=int(settings.application_id) if settings.application_id else None,
            **sharding,
        )
        self.client = client
        self._build_parts(core, client)
        await client.login(settings.token)
        self._runner = asyncio.create_task(client.connect(reconnect=True), name=self._task_name())
        ready = asyncio.create_task(client.wait_until_ready())
        done, _ = await asyncio.wait(
            {ready, self._runner},
            timeout=settings.ready_timeout,
            return_when=asyncio.FIRST_COMPLETED,
        )
        if self._runner in done:
            ready.cancel()
            self._runner.result()  # raises why the connection ended
        if ready not in done:
            ready.cancel()
            log.warning(
                "Discord: %s not ready after %ss; continuing", self.name, settings.ready_timeout
            )
        previous = self.lease.previous
        if previous is not None:
            log.info("Discord: took over %s from %s", self.name, previous.holder)
            await core.outbox.release_claims(previous.holder, PLATFORM)

    def _task_name(self) -> str:
        return "discord" if self.count == 1 else f"discord shard {self.shard}"

    async def close(self) -> None:
        """The lease is lost (or the process stops): close the connection at once."""
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
            cache=self.cache,
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
        if self.has_community:
            self.synced = await self.commands.sync()

    async def on_ready(self) -> None:
        if self._ready_once:
            self.core.metrics.reconnected(PLATFORM)  # a new session after a lost one
        self._ready_once = True
        await self.other_guilds.check_all(expect_community=self.has_community)

    async def on_resumed(self) -> None:
        self.core.metrics.reconnected(PLATFORM)

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
            guild is None
            or message.author.bot
            or str(guild.id) != self.settings.guild_id
            or "http" not in message.content
        ):
            return
        member = guild.get_member(message.author.id)
        ref = MemberRef(PLATFORM, str(message.author.id), message.author.display_name)
        actor = Actor(ref, self.community.roles(member))
        room = RoomRef(PLATFORM, str(message.channel.id))
        await self.core.room_message(actor, room, message.content)
