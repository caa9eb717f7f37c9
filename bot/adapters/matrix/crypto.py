"""End-to-end encryption: device keys kept up to date, members' devices known before a send,
room keys asked for, and the one warning per encrypted room when encryption is off."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from nio import MegolmEvent

from bot.core.reply import Reply, Tone

if TYPE_CHECKING:
    from bot.adapters.matrix.session import Session
    from bot.core.i18n import Translator

log = logging.getLogger(__name__)


def unreadable_notice(t: Translator) -> Reply:
    """What the bot says once in an encrypted room it cannot read."""
    return Reply(
        text=t(
            "Ce salon est chiffré et je ne peux pas lire ses messages : le bot tourne sans "
            "le module de chiffrement. Un administrateur peut l'installer (extra « e2e »)."
        ),
        tone=Tone.WARNING,
    )


class Crypto:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._keys_lock = asyncio.Lock()  # one device-key query at a time, finished before sends

    @property
    def enabled(self) -> bool:
        return self.session.encryption

    async def maintenance(self) -> None:
        """Upload, query and claim keys as nio asks, then send pending to-device messages."""
        client = self.session.c
        if not self.enabled or client.olm is None:
            return
        async with self._keys_lock:
            if client.should_upload_keys:
                await client.keys_upload()
            if client.should_query_keys:
                await client.keys_query()
            if client.should_claim_keys:
                await client.keys_claim(client.get_users_for_key_claiming())
            await client.send_to_device_messages()

    async def before_send(self, room_id: str) -> None:
        """Know every member's devices before encrypting: a room key shared before a new
        member's devices are known would leave that member unable to read the message. (nio
        queries them itself only for rooms whose member list it has not fetched yet, and not
        while another query is under way.)"""
        client = self.session.c
        room = client.rooms.get(room_id)
        if client.olm is None or room is None or not room.encrypted:
            return
        async with self._keys_lock:
            if not room.members_synced:
                await client.joined_members(room_id)
            if client.should_query_keys:
                await client.keys_query()

    async def undecryptable(self, room_id: str, event: MegolmEvent) -> None:
        """An event we could not decrypt (encryption on): ask its sender's devices for the key."""
        log.warning("Matrix: could not decrypt %s in %s", event.event_id, room_id)
        try:
            await self.session.c.request_room_key(event)
        except Exception:
            log.debug("Room key request failed", exc_info=True)

    def first_unreadable(self, room_id: str) -> bool:
        """Record that ``room_id`` is encrypted while encryption is off; True the first time
        only (the state file remembers the rooms already warned)."""
        state = self.session.state
        if room_id in state.warned_encrypted:
            return False
        state.warned_encrypted.append(room_id)
        self.session.save()
        log.warning(
            "Matrix: room %s is encrypted and encryption is off (install the e2e extra: "
            "pip install 'passerelle[e2e]'); the bot cannot read it",
            room_id,
        )
        return True
