"""What a sync brings, handed to the adapter's parts: invites, rooms left, room state,
messages and votes (to ``commands``), memberships (DM rooms, roles), and the encrypted events
a bot without encryption cannot read (said once per room)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from nio import (
    InviteMemberEvent,
    JoinError,
    MatrixRoom,
    MegolmEvent,
    RoomEncryptionEvent,
    RoomMemberEvent,
    RoomMessageText,
    SyncResponse,
    UnknownEvent,
)

from bot.adapters.matrix.crypto import unreadable_notice
from bot.adapters.matrix.transport import OUTBOX_RATE_BUDGET
from bot.core.errors import DeliveryError

if TYPE_CHECKING:
    from bot.adapters.matrix.adapter import MatrixAdapter

log = logging.getLogger(__name__)

PLATFORM = "matrix"


class SyncEvents:
    """The sync loop's handler (``sync.SyncHandler``) for one adapter."""

    def __init__(self, adapter: MatrixAdapter) -> None:
        self.adapter = adapter

    def on_reconnected(self) -> None:
        if self.adapter.core is not None:
            self.adapter.core.metrics.reconnected(PLATFORM)

    async def on_invites(self, resp: SyncResponse) -> None:
        client = self.adapter.session.c
        for room_id, info in resp.rooms.invite.items():
            inviter, direct = None, False
            for event in info.invite_state:
                if (
                    isinstance(event, InviteMemberEvent)
                    and event.state_key == self.adapter.user_id
                ):
                    inviter = event.sender
                    direct = bool(event.content.get("is_direct"))
            if not self.adapter.rooms.invite_allowed(inviter, room_id):
                log.info("Matrix: declining an invite to %s from %s", room_id, inviter)
                await client.room_leave(room_id)
                continue
            joined = await client.join(room_id)
            if isinstance(joined, JoinError):
                log.warning("Matrix: could not join %s: %s", room_id, joined)
                continue
            log.info("Matrix: joined %s (invited by %s)", room_id, inviter)
            if direct and inviter:
                await self.adapter.direct.invited(inviter, room_id)

    async def on_left(self, room_id: str) -> None:
        """The bot left or was removed: drop the room from nio and from our state."""
        had_dm = self.adapter.direct.is_recorded(room_id)
        if self.adapter.rooms.is_community(room_id) or had_dm:
            log.info("Matrix: the bot is no longer in %s; forgetting it", room_id)
        self.adapter.state.forget_room(room_id)
        self.adapter.session.save()
        try:
            await self.adapter.session.c.room_forget(room_id)
        except Exception:
            log.debug("room_forget %s failed", room_id, exc_info=True)
        if had_dm:
            await self.adapter.direct.put_m_direct()

    def on_state(self, room_id: str, events: list[Any]) -> None:
        self.adapter.rooms.note_state(room_id, events)

    async def on_unreadable(self, room_id: str) -> None:
        """Say once in an encrypted room that the bot cannot read it (encryption off)."""
        if not self.adapter.crypto.first_unreadable(room_id):
            return
        assert self.adapter.core is not None
        notice = unreadable_notice(self.adapter.core.i18n.translator())
        try:
            await self.adapter.deliver(
                room_id, notice, f"unreadable:{room_id}", None, OUTBOX_RATE_BUDGET
            )
        except DeliveryError as exc:
            log.warning("Matrix: could not warn %s: %s", room_id, exc.reason)

    async def on_unknown(self, room_id: str, event: UnknownEvent) -> None:
        self.adapter.commands.unknown(room_id, event)

    async def on_event(
        self, room_id: str, room: MatrixRoom | None, event: Any, synced_at: float
    ) -> None:
        if isinstance(event, RoomMessageText):
            self.adapter.commands.message(room_id, event, synced_at)
        elif isinstance(event, UnknownEvent):
            self.adapter.commands.unknown(room_id, event)
        elif isinstance(event, RoomMemberEvent):
            if event.state_key == self.adapter.user_id:
                return
            if await self.adapter.direct.membership(room_id, event):
                return
            assert self.adapter.core is not None
            await self.adapter.rooms.membership(self.adapter.core, room_id, event)
        elif isinstance(event, MegolmEvent):
            if not self.adapter.encryption:
                await self.on_unreadable(room_id)
            else:
                await self.adapter.crypto.undecryptable(room_id, event)
        elif isinstance(event, RoomEncryptionEvent) and not self.adapter.encryption:
            await self.on_unreadable(room_id)
