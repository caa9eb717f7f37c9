"""The Discord adapter: discord.py client, catalogue → slash commands, Reply → messages.

Platform timing and quirks live here and nowhere else: the 3-second interaction deadline
(defer when slow), 100-character custom_ids, ephemeral replies, DM channels, error 50007,
the message nonce, rules screening (``pending``) before a member counts as joined.

Trust: the community is one server (``guild_id``). Roles and permissions are read only from
the member's membership there — whatever server or DM the interaction comes from — and
interactions from any other server are refused before anything runs.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
import yarl
from discord import app_commands

from bot.adapters.discord import custom_ids
from bot.adapters.discord.appcommands import CatalogueTranslator, build_tree_commands
from bot.adapters.discord.render import clip, message_kwargs, no_mentions
from bot.core.commands import CommandSpec, OptionKind, OptionSpec
from bot.core.errors import (
    DeliveryError,
    DirectMessagesRefused,
    PermanentDeliveryError,
    RateLimited,
    TransientDeliveryError,
)
from bot.core.events import MemberJoined, MemberLeft
from bot.core.i18n import N_
from bot.core.invocation import Invocation
from bot.core.ports import Capability
from bot.core.refs import Actor, MemberRef, MessageRef, Role, RoomRef
from bot.core.reply import Reply

if TYPE_CHECKING:
    from bot.config import DiscordSection
    from bot.core.core import Core

log = logging.getLogger(__name__)

PLATFORM = "discord"
MAX_NONCE = 25
DM_REFUSED = 50007
SYNC_FORMAT = 1
FOREIGN_GUILD = N_(
    "Ce bot ne sert qu'une communauté, sur un autre serveur : rien n'a été fait ici. "
    "Utilisez cette commande sur le serveur de la communauté (ou en message privé avec le bot)."
)


def nonce_for(key: str) -> str:
    """Discord's message nonce (≤ 25 chars) for an outbox key: a resend is not shown twice."""
    return hashlib.sha256(key.encode()).hexdigest()[:MAX_NONCE]


def _delivery_error(exc: BaseException) -> Exception:
    """discord.py / aiohttp errors → the core's delivery errors."""
    if isinstance(exc, discord.Forbidden) and exc.code == DM_REFUSED:
        return DirectMessagesRefused()
    if isinstance(exc, discord.RateLimited):
        return RateLimited(exc.retry_after)
    if isinstance(exc, discord.HTTPException):
        if exc.status == 429:
            return RateLimited(1.0)
        if exc.status >= 500:
            return TransientDeliveryError(f"discord_{exc.status}")
        return PermanentDeliveryError(f"discord_{exc.status}_{exc.code}")
    return TransientDeliveryError(type(exc).__name__)


class Pacer:
    """Spaces REST calls evenly under Discord's global limit (50 requests/s per bot).

    discord.py honours per-route buckets ahead of time but learns of the global limit only
    from 429 answers; a fan-out of DMs (one bucket per DM channel) would then collect
    thousands of 429s, and Discord bans IPs with 10,000 invalid requests in 10 minutes.
    """

    def __init__(self, rate: float | None) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self._next = 0.0

    async def wait(self) -> None:
        if not self.interval:
            return
        loop = asyncio.get_running_loop()
        now = loop.time()
        slot = max(now, self._next)
        self._next = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)


class _Client(discord.Client):
    def __init__(self, adapter: DiscordAdapter, **options: Any) -> None:
        super().__init__(**options)
        self.adapter = adapter

    async def setup_hook(self) -> None:
        await self.adapter._sync_commands()

    async def on_ready(self) -> None:
        log.info("Discord: connected as %s in %d guild(s)", self.user, len(self.guilds))
        await self.adapter._check_guilds()

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.adapter._other_guild(guild)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await self.adapter._on_interaction(interaction)

    async def on_member_join(self, member: discord.Member) -> None:
        if not member.pending:
            await self.adapter._member_joined(member.guild, member.id, member.display_name)

    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        await self.adapter._member_left(payload.guild_id, payload.user)


class _Tree(app_commands.CommandTree):
    """Slash commands: bad or outdated payloads get a friendly answer, never a traceback."""

    def __init__(self, client: _Client, adapter: DiscordAdapter) -> None:
        super().__init__(client)
        self.adapter = adapter

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if self.adapter._foreign(interaction):
            await self.adapter._refuse_foreign(interaction)
            return False
        data = interaction.data
        if isinstance(data, dict) and isinstance(data.get("name"), str):
            options = data.get("options", [])
            if isinstance(options, list) and all(isinstance(o, dict) for o in options):
                return True
        await self.adapter._answer_expired(interaction)
        return False

    async def _call(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        # discord.py only routes AppCommandError to on_error; anything else raised while
        # reading a malformed payload would end as an unretrieved task exception.
        try:
            await super()._call(interaction)
        except app_commands.AppCommandError:
            raise
        except Exception:
            log.warning("Discord: unreadable application command payload")
            log.debug("Unreadable payload", exc_info=True)
            await self.adapter._answer_expired(interaction)

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        if isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
            await self.adapter._answer_expired(interaction)
            return
        # Values discord.py could not convert: let the core explain, with the usage line.
        data = interaction.data if isinstance(interaction.data, dict) else {}
        path, raw = _raw_command(data)
        if path is None:
            await self.adapter._answer_expired(interaction)
            return
        log.info("Discord: %s could not convert options (%s)", path, type(error).__name__)
        await self.adapter._respond(interaction, path, raw, defer=False)


def _raw_command(data: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    name = data.get("name")
    options = data.get("options") or []
    if not isinstance(name, str) or not isinstance(options, list):
        return None, {}
    if options and isinstance(options[0], dict) and options[0].get("type") == 1:
        sub = options[0]
        return f"{name} {sub.get('name')}", _raw_options(sub.get("options") or [])
    return name, _raw_options(options)


def _raw_options(options: list[Any]) -> dict[str, Any]:
    return {
        str(o["name"]): o.get("value")
        for o in options
        if isinstance(o, dict) and isinstance(o.get("name"), str)
    }


def _find_text_value(components: Any, custom_id: str) -> str | None:
    """The value typed in a modal's text input (inside action rows or labels)."""
    stack = list(components) if isinstance(components, list) else []
    while stack:
        item = stack.pop()
        if not isinstance(item, dict):
            continue
        if item.get("custom_id") == custom_id and isinstance(item.get("value"), str):
            return item["value"]
        for key in ("components", "component"):
            inner = item.get(key)
            if isinstance(inner, list):
                stack.extend(inner)
            elif isinstance(inner, dict):
                stack.append(inner)
    return None


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

    def __init__(self, settings: DiscordSection) -> None:
        self.settings = settings
        self.core: Core | None = None
        self.client: _Client | None = None
        self.tree: _Tree | None = None
        self._runner: asyncio.Task[None] | None = None
        self._dm_channels: dict[int, int] = {}
        self._joined: set[tuple[int, int]] = set()
        self._deferred_roles: dict[tuple[int, int], set[Role]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self.synced = False  # whether this start pushed the commands to Discord
        self.pacer = Pacer(settings.global_rate)
        self._inflight = 0  # interactions being answered right now
        self._busy = asyncio.Event()  # set while more than defer_when_busy are in flight

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self, core: Core) -> None:
        self.core = core
        if self.settings.api_base:
            discord.http.Route.BASE = self.settings.api_base.rstrip("/")
        if self.settings.gateway_url:
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.settings.gateway_url)
        intents = discord.Intents.default()
        intents.members = True  # join/leave, rules screening, roles (privileged: enable it)
        client = _Client(
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
        self.tree = _Tree(client, self)
        for command in build_tree_commands(core.catalogue, self._run_command, self._autocomplete):
            self.tree.add_command(command, guild=self._guild_object())
        self._guard_parsers(client)
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

    async def stop(self) -> None:
        if self.client is not None:
            await self.client.close()
        if self._runner is not None:
            try:
                await asyncio.wait_for(self._runner, 10)
            except (TimeoutError, Exception):
                log.debug("Discord: connection task ended uneasily", exc_info=True)
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _guild_object(self) -> discord.Object | None:
        return discord.Object(int(self.settings.guild_id)) if self.settings.guild_id else None

    @property
    def community_id(self) -> int | None:
        """The community server's id (required by the config whenever Discord is enabled)."""
        return int(self.settings.guild_id) if self.settings.guild_id else None

    def _community(self) -> discord.Guild | None:
        if self.client is None or self.community_id is None:
            return None
        return self.client.get_guild(self.community_id)

    # --- other servers -------------------------------------------------------------------------

    async def _check_guilds(self) -> None:
        """At READY: deal with every server that is not the community."""
        assert self.client is not None
        if self._community() is None:
            log.warning(
                "Discord: the bot is not in the community server %s (guild_id); invite it there",
                self.community_id,
            )
        for guild in list(self.client.guilds):
            await self._other_guild(guild)

    async def _other_guild(self, guild: discord.Guild) -> None:
        """A server that is not the community: leave it (``leave_other_guilds``) or stay there
        without answering — either way, nothing in it ever counts for roles."""
        if guild.id == self.community_id:
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
        except (TimeoutError, discord.HTTPException, aiohttp.ClientError, OSError):
            log.warning("Discord: could not leave server %s (%s)", guild.id, guild.name)
            return
        log.info("Discord: left server %s (%s): not the community", guild.id, guild.name)

    def _foreign(self, interaction: discord.Interaction) -> bool:
        """From a server other than the community, or from a private channel between users
        (a user-installed app): never run, never read roles there."""
        if interaction.guild_id is not None:
            return interaction.guild_id != self.community_id
        return bool(interaction.context.private_channel)

    async def _refuse_foreign(self, interaction: discord.Interaction) -> None:
        """A clear, private refusal; the core is not even asked (no member is created)."""
        assert self.core is not None
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
        except (TimeoutError, discord.HTTPException, aiohttp.ClientError, OSError):
            log.info("Discord: could not answer interaction %s", interaction.id)

    def _guard_parsers(self, client: _Client) -> None:
        """A malformed gateway event must not end the connection (discord.py lets a parser's
        exception escape ``connect``): log it and keep going. GUILD_MEMBER_UPDATE also tells
        when rules screening is passed, cached member or not."""
        parsers: dict[str, Callable[[Any], None]] = client._connection.parsers

        def guarded(event: str, parse: Callable[[Any], None]) -> Callable[[Any], None]:
            def run(data: Any) -> None:
                try:
                    if event == "GUILD_MEMBER_UPDATE":
                        self._screening_passed(client, data)
                    parse(data)
                except Exception:
                    log.warning("Discord: ignored a malformed %s event", event)
                    log.debug("Malformed %s event", event, exc_info=True)
                    if event == "INTERACTION_CREATE" and isinstance(data, dict):
                        self._spawn(self._answer_raw(data))

            return run

        for event in ("INTERACTION_CREATE", "GUILD_MEMBER_ADD", "GUILD_MEMBER_UPDATE"):
            if event in parsers:
                parsers[event] = guarded(event, parsers[event])

    def _screening_passed(self, client: _Client, data: dict[str, Any]) -> None:
        if data.get("pending", False):
            return
        guild = client.get_guild(int(data["guild_id"]))
        if guild is None:
            return
        user = data["user"]
        cached = guild.get_member(int(user["id"]))
        if cached is not None and not cached.pending:
            return  # an ordinary update (nickname, roles…), not the end of screening
        name = data.get("nick") or user.get("global_name") or user.get("username") or ""
        self._spawn(self._grant_deferred(guild.id, int(user["id"])))
        self._spawn(self._member_joined(guild, int(user["id"]), name))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- commands: sync ------------------------------------------------------------------------

    def _state_path(self) -> Path:
        if self.settings.sync_state:
            return Path(self.settings.sync_state)
        assert self.core is not None
        from sqlalchemy.engine import make_url

        url = make_url(self.core.settings.database.url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            return Path(url.database).resolve().parent / "discord-commands.json"
        return Path("discord-commands.json")

    async def command_payload(self) -> list[dict[str, Any]]:
        """The JSON Discord receives for the catalogue, localisations included."""
        assert self.tree is not None and self.core is not None
        translator = CatalogueTranslator(self.core.i18n)
        return [
            await command.get_translated_payload(self.tree, translator)
            for command in self.tree.get_commands(guild=self._guild_object())
        ]

    async def _sync_commands(self) -> None:
        assert self.tree is not None and self.core is not None and self.client is not None
        payload = await self.command_payload()
        scope = self.settings.guild_id or "global"
        digest = hashlib.sha256(
            json.dumps([SYNC_FORMAT, payload], sort_keys=True, default=str).encode()
        ).hexdigest()[:16]
        state = {
            "catalogue": self.core.catalogue.digest(),
            "payload": digest,
            "scope": scope,
            "application": str(self.client.application_id),
        }
        path = self._state_path()
        try:
            previous = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            previous = None
        if previous == state:
            log.info("Discord: commands unchanged (%s); not syncing", state["catalogue"])
            return
        await self.tree.set_translator(CatalogueTranslator(self.core.i18n))
        await self.tree.sync(guild=self._guild_object())
        self.synced = True
        try:
            path.write_text(json.dumps(state), encoding="utf-8")
        except OSError:
            log.warning("Discord: could not store the command digest in %s", path)
        log.info("Discord: synced %d commands (%s) to %s", len(payload), digest, scope)

    # --- interactions ------------------------------------------------------------------------

    async def _actor(self, interaction: discord.Interaction) -> Actor:
        user = interaction.user
        ref = MemberRef(PLATFORM, str(user.id), user.display_name)
        member = await self._community_member(interaction)
        return Actor(ref, self._roles(member), str(interaction.locale))

    async def _community_member(self, interaction: discord.Interaction) -> discord.Member | None:
        """The interaction's user as a member of the community server, or None.

        Never the member object of another server (its roles and ``interaction.permissions``
        say nothing about the community: an administrator there is nobody here). In a DM, the
        member cache first, then Discord's REST API (a member not chunked yet)."""
        guild = self._community()
        if guild is None:
            return None
        user = interaction.user
        if interaction.guild_id == guild.id and isinstance(user, discord.Member):
            return user
        if interaction.guild_id is not None:
            return None  # another server: refused before this point anyway
        member = guild.get_member(user.id)
        if member is not None:
            return member
        await self.pacer.wait()
        try:
            return await guild.fetch_member(user.id)
        except discord.NotFound:
            return None  # not a member of the community
        except (TimeoutError, discord.HTTPException, aiohttp.ClientError, OSError):
            log.warning("Discord: could not look up member %s in the community", user.id)
            return None

    def _roles(self, member: discord.Member | None) -> frozenset[Role]:
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

    def _guilds(self) -> list[discord.Guild]:
        """The community server, as a list (empty until the bot is in it)."""
        guild = self._community()
        return [guild] if guild is not None else []

    @staticmethod
    def _room(interaction: discord.Interaction) -> RoomRef:
        return RoomRef(PLATFORM, str(interaction.channel_id), direct=interaction.guild_id is None)

    async def _run_command(
        self, interaction: discord.Interaction, spec: CommandSpec, values: dict[str, Any]
    ) -> None:
        raw = {k: v for k, v in values.items() if v is not None}
        await self._respond(interaction, spec.path, raw, defer=spec.defer)

    async def _autocomplete(
        self,
        interaction: discord.Interaction,
        spec: CommandSpec,
        option: OptionSpec,
        current: str,
    ) -> list[app_commands.Choice[Any]]:
        assert self.core is not None
        core = self.core
        cog = core.cogs.get(spec.cog)
        method = getattr(cog, option.autocomplete or "", None)
        if method is None:
            return []
        actor = await self._actor(interaction)
        room = self._room(interaction)
        member = await core.members.resolve(actor.ref)
        t = await core.translator(member=member, room=room, hint=actor.locale_hint)
        inv = Invocation(core, spec, actor, member, room, t, {})
        try:
            found = await method(inv, current or "")
        except Exception:
            log.exception("Autocomplete %s %s failed", spec.path, option.name)
            return []
        choices: list[app_commands.Choice[Any]] = []
        for label, value in list(found)[:25]:
            if option.kind is OptionKind.STRING:
                value = str(value)[:100]
            choices.append(app_commands.Choice(name=clip(str(label), 100) or "…", value=value))
        return choices

    async def _respond(
        self,
        interaction: discord.Interaction,
        path: str,
        raw: dict[str, Any],
        *,
        defer: bool,
    ) -> None:
        """Run the invocation; acknowledge within Discord's 3 s (defer when it may be slow)."""
        assert self.core is not None
        self._inflight += 1
        if self._inflight > self.settings.defer_when_busy:
            self._busy.set()
        try:
            deferred = False
            # Under a burst the database queue, not the handler, sets the pace: acknowledge
            # first rather than risk Discord's 3-second deadline.
            if defer or self._busy.is_set():
                deferred = await self._defer(interaction)
            task = asyncio.ensure_future(self._invoke(interaction, path, raw))
            if not deferred:
                busy = asyncio.ensure_future(self._busy.wait())
                done, _ = await asyncio.wait(
                    {task, busy},
                    timeout=self.settings.defer_after,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                busy.cancel()
                if task not in done:
                    deferred = await self._defer(interaction)
            reply = await task
            await self._send_reply(interaction, reply, deferred)
        finally:
            self._inflight -= 1
            if self._inflight <= self.settings.defer_when_busy:
                self._busy.clear()

    async def _invoke(
        self, interaction: discord.Interaction, path: str, raw: dict[str, Any]
    ) -> Reply:
        # Inside the deadline-watched task: a DM's member look-up may take a REST call.
        assert self.core is not None
        actor = await self._actor(interaction)
        return await self.core.invoke(actor, self._room(interaction), path, raw)

    async def _defer(self, interaction: discord.Interaction) -> bool:
        try:
            if interaction.type is discord.InteractionType.component:
                await interaction.response.defer()  # no visible "thinking" on a click
            else:
                await interaction.response.defer(thinking=True)
            return True
        except discord.HTTPException:
            log.info("Discord: could not defer interaction %s", interaction.id)
            return False

    async def _send_reply(
        self, interaction: discord.Interaction, reply: Reply, deferred: bool
    ) -> None:
        kwargs = message_kwargs(reply)
        try:
            if not interaction.response.is_done():
                await interaction.response.send_message(ephemeral=reply.private, **kwargs)
            elif interaction.type is discord.InteractionType.component or not deferred:
                await interaction.followup.send(ephemeral=reply.private, **kwargs)
            elif reply.private:
                # The public "thinking…" message cannot turn ephemeral: replace it.
                await interaction.delete_original_response()
                await interaction.followup.send(ephemeral=True, **kwargs)
            else:
                await interaction.edit_original_response(**message_kwargs(reply, edit=True))
        except discord.HTTPException:
            log.warning("Discord: could not answer interaction %s", interaction.id, exc_info=True)

    async def _answer_expired(self, interaction: discord.Interaction) -> None:
        """Unknown, outdated or malformed: the core's translated "this button has expired"."""
        if interaction.response.is_done():
            return
        try:
            # No command has an empty path: the core answers "this button has expired".
            await self._respond(interaction, "", {}, defer=False)
        except Exception:
            log.warning("Discord: could not send the expired answer", exc_info=True)

    async def _answer_raw(self, data: dict[str, Any]) -> None:
        """An interaction discord.py could not even read: answer "expired" over plain HTTP."""
        assert self.core is not None and self.client is not None
        iid, token = data.get("id"), data.get("token")
        if not isinstance(iid, str | int) or not isinstance(token, str) or data.get("type") == 4:
            return
        t = self.core.i18n.translator(
            data.get("locale") if isinstance(data.get("locale"), str) else None
        )
        text = t(
            "Ce bouton a expiré ou cette commande n'existe plus. "
            "Tapez {prefix}help pour voir les commandes.",
            prefix=self.core.text_prefix(PLATFORM),
        )
        route = discord.http.Route(
            "POST",
            "/interactions/{interaction_id}/{interaction_token}/callback",
            interaction_id=iid,
            interaction_token=token,
        )
        payload = {"type": 4, "data": {"content": text, "flags": 64}}
        try:
            await self.client.http.request(route, json=payload)
        except (TimeoutError, discord.HTTPException, aiohttp.ClientError, OSError):
            log.info("Discord: could not answer a malformed interaction")

    async def _on_interaction(self, interaction: discord.Interaction) -> None:
        """Components and modal submits: decoded from their custom_id alone."""
        if interaction.type not in (
            discord.InteractionType.component,
            discord.InteractionType.modal_submit,
        ):
            return
        try:
            if self._foreign(interaction):
                await self._refuse_foreign(interaction)
                return
            await self._handle_component(interaction)
        except Exception:
            log.warning("Discord: unreadable component interaction")
            log.debug("Unreadable component", exc_info=True)
            if not interaction.response.is_done():
                await self._answer_expired(interaction)

    async def _handle_component(self, interaction: discord.Interaction) -> None:
        data = interaction.data if isinstance(interaction.data, dict) else {}
        decoded = custom_ids.decode(data.get("custom_id"))
        modal = interaction.type is discord.InteractionType.modal_submit
        if decoded is None or (decoded.kind == "f") != modal:
            await self._answer_expired(interaction)
            return
        raw: dict[str, Any] = dict(decoded.args)
        if decoded.kind == "s":
            values = data.get("values")
            if not isinstance(values, list) or len(values) != 1 or not isinstance(values[0], str):
                await self._answer_expired(interaction)
                return
            try:
                raw = custom_ids.decode_args(values[0])
            except ValueError:
                await self._answer_expired(interaction)
                return
        elif decoded.kind == "m":
            await self._open_modal(interaction, decoded)
            return
        elif decoded.kind == "f":
            assert decoded.prompt is not None
            typed = _find_text_value(data.get("components"), decoded.prompt)
            if typed is None:
                await self._answer_expired(interaction)
                return
            raw[decoded.prompt] = typed
        await self._respond(interaction, decoded.path, raw, defer=False)

    async def _open_modal(self, interaction: discord.Interaction, decoded: Any) -> None:
        """A button whose action has a ``prompt``: ask for that option in a modal."""
        assert self.core is not None
        spec = self.core.catalogue.get(decoded.path)
        option = spec.option(decoded.prompt) if spec else None
        if spec is None or option is None:
            await self._answer_expired(interaction)
            return
        actor = await self._actor(interaction)
        member = await self.core.members.resolve(actor.ref)
        t = await self.core.translator(
            member=member, room=self._room(interaction), hint=actor.locale_hint
        )
        modal_id = custom_ids.encode_parts("f", decoded.path, decoded.args, decoded.prompt)
        if modal_id is None:
            await self._answer_expired(interaction)
            return
        title = interaction.message and _button_label(interaction.message, interaction.data)
        modal = discord.ui.Modal(
            title=clip(title or t(spec.description), 45), custom_id=modal_id, timeout=600
        )
        max_length = min(option.max_length or 4000, 4000)
        modal.add_item(
            discord.ui.TextInput(
                label=clip(t(option.description), 45),
                custom_id=option.name,
                style=discord.TextStyle.paragraph if max_length > 200 else discord.TextStyle.short,
                max_length=max_length,
                required=option.required,
            )
        )
        await interaction.response.send_modal(modal)

    # --- Adapter port: sending ----------------------------------------------------------------

    async def send(self, room: RoomRef, reply: Reply, *, key: str | None = None) -> MessageRef:
        assert self.client is not None
        channel = self.client.get_partial_messageable(int(room.id))
        return await self._post(channel, reply, key)

    async def _post(
        self, channel: discord.abc.Messageable, reply: Reply, key: str | None
    ) -> MessageRef:
        kwargs = message_kwargs(reply)
        if key is not None:
            kwargs["nonce"] = nonce_for(key)  # discord.py adds enforce_nonce
        await self.pacer.wait()
        try:
            message = await channel.send(**kwargs)
        except (TimeoutError, discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            raise _delivery_error(exc) from exc
        return MessageRef(PLATFORM, str(message.channel.id), str(message.id))

    async def edit(self, message: MessageRef, reply: Reply) -> None:
        assert self.client is not None
        channel = self.client.get_partial_messageable(int(message.room_id))
        await self.pacer.wait()
        try:
            await channel.get_partial_message(int(message.id)).edit(
                **message_kwargs(reply, edit=True)
            )
        except (TimeoutError, discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            raise _delivery_error(exc) from exc

    async def send_direct(
        self, member: MemberRef, reply: Reply, *, key: str | None = None
    ) -> MessageRef:
        assert self.client is not None
        user_id = int(member.id)
        channel_id = self._dm_channels.get(user_id)
        if channel_id is None:
            await self.pacer.wait()
            try:
                dm = await self.client.create_dm(discord.Object(user_id))
            except (TimeoutError, discord.HTTPException, aiohttp.ClientError, OSError) as exc:
                raise _delivery_error(exc) from exc
            channel_id = self._dm_channels[user_id] = dm.id
        channel = self.client.get_partial_messageable(channel_id, type=discord.ChannelType.private)
        return await self._post(channel, reply, key)

    async def grant_role(self, member: MemberRef, role: Role) -> None:
        assert self.client is not None
        role_ids = getattr(self.settings.roles, role.value, [])
        if not role_ids:
            log.info("Discord: no role id configured for %s; nothing granted", role.value)
            return
        for guild in self._guilds():
            cached = guild.get_member(int(member.id))
            if cached is not None and cached.pending:
                # Never before Discord's own rules screening: granted when it is passed.
                self._deferred_roles.setdefault((guild.id, int(member.id)), set()).add(role)
                log.info("Discord: role %s deferred until rules screening is passed", role.value)
                continue
            await self._add_role(guild.id, int(member.id), int(role_ids[0]))

    async def _add_role(self, guild_id: int, user_id: int, role_id: int) -> None:
        assert self.client is not None
        await self.pacer.wait()
        try:
            await self.client.http.add_role(guild_id, user_id, role_id, reason="Passerelle")
        except (discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            raise _delivery_error(exc) from exc

    async def _grant_deferred(self, guild_id: int, user_id: int) -> None:
        for role in self._deferred_roles.pop((guild_id, user_id), set()):
            role_ids = getattr(self.settings.roles, role.value, [])
            if role_ids:
                try:
                    await self._add_role(guild_id, user_id, int(role_ids[0]))
                except DeliveryError:
                    log.warning("Discord: deferred role %s could not be granted", role.value)

    def mention(self, member: MemberRef) -> str:
        return f"<@{member.id}>"

    async def forget(self, member: MemberRef) -> None:
        """``me forget``: drop what this process remembers of the member (DM channel, joins
        seen, roles waiting for rules screening)."""
        user_id = int(member.id)
        self._dm_channels.pop(user_id, None)
        self._joined = {key for key in self._joined if key[1] != user_id}
        self._deferred_roles = {k: v for k, v in self._deferred_roles.items() if k[1] != user_id}

    async def room_population(self, room: RoomRef) -> int | None:
        if self.client is None or room.direct:
            return None
        channel = self.client.get_channel(int(room.id))
        guild = getattr(channel, "guild", None)
        if guild is None:
            guilds = self._guilds()
            guild = guilds[0] if len(guilds) == 1 else None
        return guild.member_count if guild is not None else None

    # --- members -------------------------------------------------------------------------------

    def _welcome_room(self, guild: discord.Guild) -> RoomRef | None:
        if self.settings.announce_channel:
            return RoomRef(PLATFORM, self.settings.announce_channel)
        if guild.system_channel is not None:
            return RoomRef(PLATFORM, str(guild.system_channel.id))
        return None

    async def _member_joined(self, guild: discord.Guild, user_id: int, name: str) -> None:
        assert self.core is not None
        if guild.id != self.community_id:
            return
        if (guild.id, user_id) in self._joined:
            return
        self._joined.add((guild.id, user_id))
        ref = MemberRef(PLATFORM, str(user_id), name)
        member = await self.core.members.resolve(ref)
        await self.core.events.emit(MemberJoined(member.id, ref, self._welcome_room(guild)))

    async def _member_left(self, guild_id: int, user: discord.User) -> None:
        assert self.core is not None
        if guild_id != self.community_id:
            return
        self._joined.discard((guild_id, user.id))
        ref = MemberRef(PLATFORM, str(user.id), user.display_name)
        member = await self.core.members.resolve(ref)
        guild = self.client.get_guild(guild_id) if self.client else None
        room = self._welcome_room(guild) if guild else None
        await self.core.events.emit(MemberLeft(member.id, ref, room))


def _button_label(message: discord.Message, data: Any) -> str | None:
    """The label of the clicked button, used as the modal's title."""
    custom_id = data.get("custom_id") if isinstance(data, dict) else None
    for row in message.components:
        for child in getattr(row, "children", []):
            if getattr(child, "custom_id", None) == custom_id:
                return getattr(child, "label", None)
    return None
