"""Interactions → core invocations → answers, inside Discord's 3-second deadline.

Slash commands arrive through the command tree (``client.py``); buttons, selects and modal
submits are decoded from their ``custom_id`` alone (``custom_ids.py``), so they outlive the
process. Whatever cannot be read gets the core's translated "this button has expired", never
a traceback. A handler that may be slow — or a burst beyond ``defer_when_busy`` in flight — is
acknowledged first (defer), then answered.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.adapters.discord import compat, custom_ids
from bot.adapters.discord.delivery import NETWORK_ERRORS, PLATFORM
from bot.adapters.discord.guilds import OtherGuilds
from bot.adapters.discord.members import Community
from bot.adapters.discord.render import clip, message_kwargs
from bot.core.commands import CommandSpec, OptionKind, OptionSpec
from bot.core.invocation import Invocation
from bot.core.refs import Actor, MemberRef, RoomRef
from bot.core.reply import Reply

if TYPE_CHECKING:
    from bot.config import DiscordSection
    from bot.core.core import Core

log = logging.getLogger(__name__)


def room_of(interaction: discord.Interaction) -> RoomRef:
    return RoomRef(PLATFORM, str(interaction.channel_id), direct=interaction.guild_id is None)


def raw_data(interaction: discord.Interaction) -> dict[str, Any]:
    """The interaction's ``data`` as received: typed by discord.py, but a malformed payload
    may hold anything, so it is read as a plain dict."""
    data: Any = interaction.data
    return data if isinstance(data, dict) else {}


def find_text_value(components: Any, custom_id: str) -> str | None:
    """The value typed in a modal's text input (inside action rows or labels)."""
    stack = list(components) if isinstance(components, list) else []
    while stack:
        item = stack.pop()
        if not isinstance(item, dict):
            continue
        value = item.get("value")
        if item.get("custom_id") == custom_id and isinstance(value, str):
            return value
        for key in ("components", "component"):
            inner = item.get(key)
            if isinstance(inner, list):
                stack.extend(inner)
            elif isinstance(inner, dict):
                stack.append(inner)
    return None


def button_label(message: discord.Message, data: Any) -> str | None:
    """The label of the clicked button, used as the modal's title."""
    custom_id = data.get("custom_id") if isinstance(data, dict) else None
    for row in message.components:
        for child in getattr(row, "children", []):
            if getattr(child, "custom_id", None) == custom_id:
                return getattr(child, "label", None)
    return None


class Interactions:
    """Runs interactions through the core and answers them on time."""

    def __init__(
        self,
        core: Core,
        client: discord.Client,
        settings: DiscordSection,
        community: Community,
        other_guilds: OtherGuilds,
    ) -> None:
        self.core = core
        self.client = client
        self.settings = settings
        self.community = community
        self.other_guilds = other_guilds
        self.inflight = 0  # interactions being answered right now
        self.busy = asyncio.Event()  # set while more than defer_when_busy are in flight

    async def actor(self, interaction: discord.Interaction) -> Actor:
        user = interaction.user
        ref = MemberRef(PLATFORM, str(user.id), user.display_name)
        member = await self.community.member_of(interaction)
        return Actor(ref, self.community.roles(member), str(interaction.locale))

    # --- slash commands ----------------------------------------------------------------------

    async def run_command(
        self, interaction: discord.Interaction, spec: CommandSpec, values: dict[str, Any]
    ) -> None:
        raw = {k: v for k, v in values.items() if v is not None}
        await self.respond(interaction, spec.path, raw, defer=spec.defer)

    async def autocomplete(
        self,
        interaction: discord.Interaction,
        spec: CommandSpec,
        option: OptionSpec,
        current: str,
    ) -> list[app_commands.Choice[Any]]:
        core = self.core
        cog = await core.cog(spec.cog)
        method = getattr(cog, option.autocomplete or "", None)
        if method is None:
            return []
        actor = await self.actor(interaction)
        room = room_of(interaction)
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

    # --- answering ---------------------------------------------------------------------------

    async def respond(
        self,
        interaction: discord.Interaction,
        path: str,
        raw: dict[str, Any],
        *,
        defer: bool,
    ) -> None:
        """Run the invocation; acknowledge within Discord's 3 s (defer when it may be slow)."""
        self.inflight += 1
        if self.inflight > self.settings.defer_when_busy:
            self.busy.set()
        try:
            deferred = False
            # Under a burst the database queue, not the handler, sets the pace: acknowledge
            # first rather than risk Discord's 3-second deadline.
            if defer or self.busy.is_set():
                deferred = await self._defer(interaction)
            task = asyncio.ensure_future(self._invoke(interaction, path, raw))
            if not deferred:
                busy = asyncio.ensure_future(self.busy.wait())
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
            self.inflight -= 1
            if self.inflight <= self.settings.defer_when_busy:
                self.busy.clear()

    async def _invoke(
        self, interaction: discord.Interaction, path: str, raw: dict[str, Any]
    ) -> Reply:
        # Inside the deadline-watched task: a DM's member look-up may take a REST call.
        actor = await self.actor(interaction)
        return await self.core.invoke(actor, room_of(interaction), path, raw)

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

    async def answer_expired(self, interaction: discord.Interaction) -> None:
        """Unknown, outdated or malformed: the core's translated "this button has expired"."""
        if interaction.response.is_done():
            return
        try:
            # No command has an empty path: the core answers "this button has expired".
            await self.respond(interaction, "", {}, defer=False)
        except Exception:
            log.warning("Discord: could not send the expired answer", exc_info=True)

    async def answer_raw(self, data: dict[str, Any]) -> None:
        """An interaction discord.py could not even read: answer "expired" over plain HTTP."""
        iid, token = data.get("id"), data.get("token")
        if not isinstance(iid, str | int) or not isinstance(token, str) or data.get("type") == 4:
            return
        locale = data.get("locale")
        t = self.core.i18n.translator(locale if isinstance(locale, str) else None)
        text = t(
            "Ce bouton a expiré ou cette commande n'existe plus. "
            "Tapez {prefix}help pour voir les commandes.",
            prefix=self.core.text_prefix(PLATFORM),
        )
        payload = {"type": 4, "data": {"content": text, "flags": 64}}
        try:
            await compat.interaction_callback(self.client, iid, token, payload)
        except NETWORK_ERRORS:
            log.info("Discord: could not answer a malformed interaction")

    # --- components and modals ---------------------------------------------------------------

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Components and modal submits: decoded from their custom_id alone."""
        if interaction.type not in (
            discord.InteractionType.component,
            discord.InteractionType.modal_submit,
        ):
            return
        try:
            if self.other_guilds.is_foreign(interaction):
                await self.other_guilds.refuse(interaction)
                return
            await self._handle_component(interaction)
        except Exception:
            log.warning("Discord: unreadable component interaction")
            log.debug("Unreadable component", exc_info=True)
            if not interaction.response.is_done():
                await self.answer_expired(interaction)

    async def _handle_component(self, interaction: discord.Interaction) -> None:
        data = raw_data(interaction)
        decoded = custom_ids.decode(data.get("custom_id"))
        modal = interaction.type is discord.InteractionType.modal_submit
        if decoded is None or (decoded.kind == "f") != modal:
            await self.answer_expired(interaction)
            return
        raw: dict[str, Any] = dict(decoded.args)
        if decoded.kind == "s":
            values = data.get("values")
            if not isinstance(values, list) or len(values) != 1 or not isinstance(values[0], str):
                await self.answer_expired(interaction)
                return
            try:
                raw = custom_ids.decode_args(values[0])
            except ValueError:
                await self.answer_expired(interaction)
                return
        elif decoded.kind == "m":
            await self._open_modal(interaction, decoded)
            return
        elif decoded.kind == "f":
            assert decoded.prompt is not None
            typed = find_text_value(data.get("components"), decoded.prompt)
            if typed is None:
                await self.answer_expired(interaction)
                return
            raw[decoded.prompt] = typed
        await self.respond(interaction, decoded.path, raw, defer=False)

    async def _open_modal(
        self, interaction: discord.Interaction, decoded: custom_ids.Decoded
    ) -> None:
        """A button whose action has a ``prompt``: ask for that option in a modal."""
        spec = self.core.catalogue.get(decoded.path)
        option = spec.option(decoded.prompt) if spec and decoded.prompt else None
        if spec is None or option is None:
            await self.answer_expired(interaction)
            return
        actor = await self.actor(interaction)
        member = await self.core.members.resolve(actor.ref)
        t = await self.core.translator(
            member=member, room=room_of(interaction), hint=actor.locale_hint
        )
        modal_id = custom_ids.encode_parts("f", decoded.path, decoded.args, decoded.prompt)
        if modal_id is None:
            await self.answer_expired(interaction)
            return
        title = interaction.message and button_label(interaction.message, interaction.data)
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
