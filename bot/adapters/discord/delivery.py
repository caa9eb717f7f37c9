"""Outgoing REST calls: room messages, edits, DMs and roles, paced under the global limit.

Every send carries the outbox key's nonce (``enforce_nonce``): a resend after a crash returns
the first message instead of showing a second one. Error 50007 (DMs closed) becomes
``DirectMessagesRefused`` so the outbox falls back to a room.
"""

from __future__ import annotations

import hashlib

import aiohttp
import discord

from bot.adapters.discord import compat
from bot.adapters.discord.render import message_kwargs
from bot.adapters.discord.state import MemberMemory
from bot.core.errors import (
    DirectMessagesRefused,
    PermanentDeliveryError,
    RateLimited,
    TransientDeliveryError,
)
from bot.core.pacing import Pacer
from bot.core.refs import MemberRef, MessageRef, RoomRef
from bot.core.reply import Reply

PLATFORM = "discord"
MAX_NONCE = 25
DM_REFUSED = 50007
# What a REST call may raise besides discord.py's own errors (network, timeouts).
NETWORK_ERRORS = (TimeoutError, discord.HTTPException, aiohttp.ClientError, OSError)


def nonce_for(key: str) -> str:
    """Discord's message nonce (≤ 25 chars) for an outbox key: a resend is not shown twice."""
    return hashlib.sha256(key.encode()).hexdigest()[:MAX_NONCE]


def delivery_error(exc: BaseException) -> Exception:
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


class Delivery:
    """Sends, edits, DMs and role grants through one client, paced, errors made neutral."""

    def __init__(self, client: discord.Client, pacer: Pacer, memory: MemberMemory) -> None:
        self.client = client
        self.pacer = pacer
        self.memory = memory

    async def send(self, room: RoomRef, reply: Reply, key: str | None) -> MessageRef:
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
        except NETWORK_ERRORS as exc:
            raise delivery_error(exc) from exc
        return MessageRef(PLATFORM, str(message.channel.id), str(message.id))

    async def edit(self, message: MessageRef, reply: Reply) -> None:
        channel = self.client.get_partial_messageable(int(message.room_id))
        await self.pacer.wait()
        try:
            await channel.get_partial_message(int(message.id)).edit(
                **message_kwargs(reply, edit=True)
            )
        except NETWORK_ERRORS as exc:
            raise delivery_error(exc) from exc

    async def send_direct(self, member: MemberRef, reply: Reply, key: str | None) -> MessageRef:
        """Through the member's DM channel, opened once and remembered."""
        user_id = int(member.id)
        channel_id = self.memory.dm_channels.get(user_id)
        if channel_id is None:
            await self.pacer.wait()
            try:
                dm = await self.client.create_dm(discord.Object(user_id))
            except NETWORK_ERRORS as exc:
                raise delivery_error(exc) from exc
            channel_id = self.memory.dm_channels[user_id] = dm.id
        channel = self.client.get_partial_messageable(channel_id, type=discord.ChannelType.private)
        return await self._post(channel, reply, key)

    async def add_role(self, guild_id: int, user_id: int, role_id: int) -> None:
        await self.pacer.wait()
        try:
            await compat.add_role(self.client, guild_id, user_id, role_id)
        except (discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            raise delivery_error(exc) from exc
