"""Direct rooms: one private room per member, created on demand, mirrored in the account's
``m.direct``; members who leave theirs get no more DMs until they write; ``me forget`` leaves
them."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from nio import MatrixRoom, RoomCreateError, RoomMemberEvent, RoomPreset
from nio.api import Api

from bot.core.errors import DirectMessagesRefused, RateLimited, TransientDeliveryError

if TYPE_CHECKING:
    from bot.adapters.matrix.session import Session

log = logging.getLogger(__name__)

# Waits until the sync has seen the rooms (and ``member`` in them, joined or invited).
WaitRooms = Callable[[set[str], float, str | None], Awaitable[bool]]


def only_us(room: MatrixRoom, bot_user_id: str, user_id: str) -> bool:
    """Nobody but the bot and ``user_id`` is joined or invited."""
    # nio's ``users`` holds joined and invited members alike.
    return set(room.users) <= {bot_user_id, user_id}


def m_direct(direct_rooms: dict[str, str]) -> dict[str, list[str]]:
    """The ``m.direct`` account data for the bot's map of user → DM room."""
    data: dict[str, list[str]] = {}
    for user, room_id in direct_rooms.items():
        data.setdefault(user, []).append(room_id)
    return data


class DirectRooms:
    def __init__(self, session: Session, wait_rooms: WaitRooms) -> None:
        self.session = session
        self.wait_rooms = wait_rooms
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._forgetting: dict[str, set[str]] = {}  # user → DM rooms to leave once answered

    def partner(self, room_id: str) -> str | None:
        """The member a room is recorded as a DM with."""
        for user, dm in self.session.state.direct_rooms.items():
            if dm == room_id:
                return user
        return None

    def is_direct(self, room_id: str) -> bool:
        """A direct chat is a room recorded as one — from ``is_direct`` on the invite, the
        bot's own DM creation or its ``m.direct`` account data — where nobody but the bot and
        that member is joined or invited. Member count proves nothing: a three-person room
        with one member gone is small, not private."""
        partner = self.partner(room_id)
        if partner is None or self.session.client is None:
            return False
        room = self.session.client.rooms.get(room_id)
        return room is not None and only_us(room, self.session.user_id, partner)

    def is_recorded(self, room_id: str) -> bool:
        return room_id in self.session.state.direct_rooms.values()

    def unrefuse(self, user: str) -> None:
        """The member wrote to the bot privately: DMs are welcome again."""
        if user in self.session.state.refused_dm:
            self.session.state.refused_dm.remove(user)

    async def invited(self, inviter: str, room_id: str) -> None:
        """The bot joined a room it was invited into with ``is_direct``."""
        self.session.state.direct_rooms[inviter] = room_id
        self.unrefuse(inviter)
        await self.put_m_direct()

    async def membership(self, room_id: str, event: RoomMemberEvent) -> bool:
        """A membership change in a member's DM room (True when it was one): leaving it means
        no more DMs until she writes; the bot leaves too."""
        user = event.state_key
        state = self.session.state
        if state.direct_rooms.get(user) != room_id:
            return False
        if event.membership in ("leave", "ban"):
            log.info("Matrix: %s left their direct room; no more DMs until they write", user)
            if user not in state.refused_dm:
                state.refused_dm.append(user)
            del state.direct_rooms[user]
            self.session.save()
            await self.put_m_direct()
            await self.session.c.room_leave(room_id)
        elif event.membership == "join":
            self.unrefuse(user)
        return True

    async def room_for(self, user_id: str) -> str:
        """The member's direct room with the bot: reused while they are in it, else created
        (``is_direct``, trusted private chat) and recorded in ``m.direct``."""
        client, state = self.session.c, self.session.state
        async with self._locks[user_id]:
            if user_id in state.refused_dm:
                raise DirectMessagesRefused()
            room_id = state.direct_rooms.get(user_id)
            if room_id is not None:
                room = client.rooms.get(room_id)
                if (
                    room is not None
                    and user_id in room.users
                    and only_us(room, self.session.user_id, user_id)
                ):
                    return room_id
                if room is not None:
                    # Gone, or someone else was let in: private words no longer go there.
                    log.info(
                        "Matrix: %s is not a DM with %s any more; creating one", room_id, user_id
                    )
            initial_state: list[dict[str, Any]] = []
            if self.session.encryption and self.session.settings.encrypt_direct_rooms:
                initial_state.append(
                    {
                        "type": "m.room.encryption",
                        "state_key": "",
                        "content": {"algorithm": "m.megolm.v1.aes-sha2"},
                    }
                )
            resp = await client.room_create(
                is_direct=True,
                preset=RoomPreset.trusted_private_chat,
                invite=[user_id],
                initial_state=initial_state,
            )
            if isinstance(resp, RoomCreateError):
                code = resp.status_code
                if code in ("M_FORBIDDEN", "M_UNKNOWN", "M_NOT_FOUND", "M_INVALID_PARAM"):
                    raise DirectMessagesRefused(f"dm_refused:{code}")
                if code == "M_LIMIT_EXCEEDED":
                    raise RateLimited((resp.retry_after_ms or 1000) / 1000)
                raise TransientDeliveryError(f"room_create: {code}")
            room_id = str(resp.room_id)
            state.direct_rooms[user_id] = room_id
            self.session.save()
            await self.put_m_direct()
            # Wait until our sync has seen the room *with its invite*: the room key of an
            # encrypted DM must be shared with the invitee's devices from the first message.
            if not await self.wait_rooms({room_id}, 15, user_id):
                raise TransientDeliveryError("direct room not synced yet")
            return room_id

    def _account_data_path(self) -> str:
        path: str = Api._build_path(["user", self.session.user_id, "account_data", "m.direct"])
        return path

    async def load(self) -> None:
        """Merge the account's ``m.direct`` (written by us or another client) into our map."""
        client = self.session.c
        response = await client.send(
            "GET",
            self._account_data_path(),
            headers={"Authorization": f"Bearer {client.access_token}"},
        )
        try:
            if response.status != 200:
                return
            data = await response.json()
        finally:
            response.release()
        direct_rooms = self.session.state.direct_rooms
        for user, rooms in (data or {}).items():
            joined = [r for r in rooms or [] if r in client.rooms]
            if joined and user not in direct_rooms:
                direct_rooms[user] = joined[-1]
        self.session.save()

    async def put_m_direct(self) -> None:
        """nio has no setter for account data: one raw PUT of the whole ``m.direct`` map."""
        client = self.session.c
        response = await client.send(
            "PUT",
            self._account_data_path(),
            json.dumps(m_direct(self.session.state.direct_rooms)),
            headers={
                "Authorization": f"Bearer {client.access_token}",
                "Content-Type": "application/json",
            },
        )
        try:
            if response.status != 200:
                log.warning("Matrix: could not update m.direct (HTTP %s)", response.status)
        finally:
            response.release()

    # --- me forget ------------------------------------------------------------------------------

    async def forget(self, user: str, *, started: bool, busy: Callable[[], bool]) -> None:
        """Drop everything the state file keeps under the member's id (their DM room, their
        refusal of DMs), write ``m.direct`` without them and leave their DM room. ``busy()``:
        her command is still being answered, so the room is left by ``finish_forget``."""
        room_id = self.session.state.direct_rooms.pop(user, None)
        self.unrefuse(user)
        self.session.save()
        if not started:
            return
        await self.put_m_direct()
        # Asked only now, after the await: a command that ended meanwhile has already run its
        # ``finish_forget``, so the room must be left here.
        if busy():
            # She asked on Matrix and her command is still being answered: the "done" reply
            # goes to her DM first, then ``finish_forget`` leaves it (and any DM the reply
            # had to open).
            self._forgetting.setdefault(user, set()).update({room_id} if room_id else set())
            return
        await self._leave({room_id} if room_id else set())
        log.info("Matrix: forgot a member's direct room and DM settings")

    async def finish_forget(self, user: str) -> None:
        """After the command of a member being forgotten: leave what the answer used."""
        rooms = self._forgetting.pop(user, None)
        if rooms is None:
            return
        again = self.session.state.direct_rooms.pop(user, None)
        self.unrefuse(user)
        if again is not None:
            rooms.add(again)
            self.session.save()
            await self.put_m_direct()
        await self._leave(rooms)
        log.info("Matrix: forgot a member's direct room and DM settings")

    async def _leave(self, rooms: set[str]) -> None:
        client = self.session.c
        for room_id in rooms:
            try:
                await client.room_leave(room_id)
                await client.room_forget(room_id)
            except Exception:  # the room may be gone already; the state no longer has it
                log.debug("Matrix: leaving the forgotten member's DM %s failed", room_id)
