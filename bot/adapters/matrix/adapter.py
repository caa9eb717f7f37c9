"""The Matrix adapter: the port the core talks to, and its lifecycle.

The work is done in rooms of their own: ``session`` (login, device, store), ``sync`` (the sync
loop, gaps, seen events), ``crypto`` (E2EE), ``rooms`` (invite policy, power → roles, the
community), ``direct`` (DM rooms, ``m.direct``), ``transport`` (rate limits, uploads, txn ids),
``polls`` (native polls, MSC3381), ``events`` (what a sync brings, handed to the parts),
``commands`` (commands and votes in, replies out), ``content`` (event contents, pure) and
``state`` (what survives a restart).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from bot.adapters.matrix import content as mx
from bot.adapters.matrix.commands import Commands, Timing
from bot.adapters.matrix.crypto import Crypto
from bot.adapters.matrix.direct import DirectRooms
from bot.adapters.matrix.events import SyncEvents
from bot.adapters.matrix.polls import NativePolls
from bot.adapters.matrix.rooms import Rooms
from bot.adapters.matrix.session import Session
from bot.adapters.matrix.state import SavedState, catch_up_until
from bot.adapters.matrix.sync import Sync
from bot.adapters.matrix.transport import OUTBOX_RATE_BUDGET, Transport, TxnIds
from bot.core.errors import TransientDeliveryError
from bot.core.ports import Capability
from bot.core.refs import Actor, MemberRef, MessageRef, Role, RoomRef

if TYPE_CHECKING:
    from nio import AsyncClient

    from bot.adapters.matrix.state import AdapterState, StateFile
    from bot.config import MatrixSection
    from bot.core.core import Core
    from bot.core.leases import LeaseKeeper
    from bot.core.reply import Reply

__all__ = ["MatrixAdapter", "Timing"]

log = logging.getLogger(__name__)

PLATFORM = "matrix"


class MatrixAdapter:
    platform = PLATFORM
    #: Members are answered from the first sync on: connect before the cogs load
    #: (bot.app.start_core).
    answers_once_connected = True
    capabilities = Capability.NATIVE_POLLS | Capability.EDIT | Capability.FILES | Capability.ROLES

    def __init__(self, settings: MatrixSection) -> None:
        self.settings = settings
        self.core: Core | None = None
        self.ready = asyncio.Event()
        self.timings: list[Timing] | None = None  # set to [] to record (bench)
        self.session = Session(settings)
        self.crypto = Crypto(self.session)
        self.transport = Transport(self.session, self.crypto)
        self.polls = NativePolls(self.session, self.transport)
        self.rooms = Rooms(self.session)
        self.sync = Sync(self.session, self.crypto, SyncEvents(self))
        self.direct = DirectRooms(self.session, self.sync.wait_rooms)
        self.commands = Commands(self)
        self.lease: LeaseKeeper | None = None  # the account's lease, once started

    # --- what tests, the bench and operators read -----------------------------------------------

    @property
    def client(self) -> AsyncClient | None:
        return self.session.client

    @client.setter
    def client(self, client: AsyncClient | None) -> None:
        self.session.client = client

    @property
    def connected(self) -> bool:
        """The last sync with the homeserver succeeded (what /healthz reports)."""
        return self.sync.connected

    @property
    def user_id(self) -> str:
        return self.session.user_id

    @user_id.setter
    def user_id(self, user_id: str) -> None:
        self.session.user_id = user_id

    @property
    def state(self) -> AdapterState:
        return self.session.state

    @property
    def statefile(self) -> StateFile:
        return self.session.statefile

    @property
    def encryption(self) -> bool:
        return self.session.encryption

    @property
    def community(self) -> set[str]:
        """Resolved ids of the configured ``rooms``."""
        return self.rooms.community

    @community.setter
    def community(self, room_ids: set[str]) -> None:
        self.rooms.community = room_ids

    @property
    def rate_limited(self) -> int:
        """``M_LIMIT_EXCEEDED`` answers seen (waited out or handed back)."""
        return self.transport.rate_limited

    # --- lifecycle ------------------------------------------------------------------------------

    async def start(self, core: Core) -> None:
        """Take the account's lease and connect, or stand by until the owner stops or dies
        (then connect within ``[core] failover_seconds``)."""
        self.core = core
        s = self.settings
        if not s.homeserver:
            raise RuntimeError("[matrix] homeserver is not set")
        if not s.rooms:
            # Roles are read only in the community rooms: without them nobody could be told
            # apart from a member who made herself admin of a room of her own.
            raise RuntimeError("[matrix] rooms is not set: list the community rooms")
        account = s.user_id or s.homeserver
        own = core.ownership
        name = f"{PLATFORM}:{account}"
        self.session.saved = SavedState(
            self.session.statefile, own.states, account, name, own.holder
        )
        self.lease = own.keeper(
            name, on_gained=self._connect, on_lost=self._lost, what=f"the Matrix account {account}"
        )
        await self.lease.start()

    @property
    def owner(self) -> bool:
        """This process owns the account now (checked before each command is answered)."""
        return self.lease is None or self.lease.valid

    @property
    def can_send(self) -> bool:
        """The outbox sends through this adapter only while it owns the account."""
        return self.owner

    async def _connect(self) -> None:
        """The lease is ours: the state the last owner saved, login, the first sync (which
        answers what the last owner left unanswered before it died), then the sync loop."""
        try:
            await self._open()
        except BaseException:
            await self._lost()  # nothing half-open is left behind
            raise

    async def _open(self) -> None:
        assert self.core is not None and self.session.saved is not None
        previous = self.lease.previous if self.lease is not None else None
        await self.session.saved.load()
        client = self.session.open()
        await self.session.login()
        catch_up = catch_up_until(previous, self.core.ownership.failover_seconds, time.time())
        await self.sync.first_sync(catch_up_until=catch_up)
        await self.rooms.join_configured(self.sync.wait_rooms)
        await self.direct.load()
        self.sync.start()
        self.ready.set()
        if previous is not None:
            await self.core.outbox.release_claims(previous.holder, PLATFORM)
        log.info(
            "Matrix: logged in as %s (device %s), encryption %s%s",
            self.user_id,
            client.device_id,
            "on" if self.encryption else "off",
            f"; took over from {previous.holder}" if previous is not None else "",
        )

    async def _lost(self) -> None:
        """Another process owns the account now: stop syncing at once, write nothing."""
        self.ready.clear()
        await self.sync.stop()
        await self.session.close(save=False)

    async def stop(self) -> None:
        self.ready.clear()
        await self.sync.stop()
        await self.commands.drain(wait_s=10)
        owned = self.lease is None or self.lease.owned
        await self.session.close(save=owned)
        if self.lease is not None:
            await self.lease.stop()  # released after the last state write

    async def _until_started(self) -> None:
        """The outbox may wake before the adapter has logged in: wait a little, else retry."""
        if self.ready.is_set():
            return
        if self.lease is not None and not self.lease.owned:
            raise TransientDeliveryError("the Matrix account is owned by another process")
        try:
            await asyncio.wait_for(self.ready.wait(), 30)
        except TimeoutError:
            raise TransientDeliveryError("matrix adapter not started") from None

    # --- what a sync brings (sync.SyncHandler) --------------------------------------------------
    # --- who and where --------------------------------------------------------------------------

    def actor(self, user_id: str, room_id: str) -> Actor:
        name = self.rooms.display_name(user_id, room_id)
        return Actor(MemberRef(PLATFORM, user_id, name), self.rooms.roles(user_id))

    def room_ref(self, room_id: str) -> RoomRef:
        direct = not self.rooms.is_community(room_id) and self.direct.is_direct(room_id)
        return RoomRef(PLATFORM, room_id, direct)

    async def direct_room(self, user_id: str) -> str:
        """The member's direct room with the bot (created when needed)."""
        return await self.direct.room_for(user_id)

    async def can_redact(self, room: RoomRef) -> bool:
        """Whether the bot may remove members' messages in ``room``."""
        return self.rooms.can_redact(room.id)

    # --- the Adapter port -----------------------------------------------------------------------

    async def deliver(
        self,
        room_id: str,
        reply: Reply,
        key: str | None,
        relation: dict[str, Any] | None,
        budget: float,
    ) -> str:
        """The message, then its attachments, then its native poll start or end."""
        assert self.core is not None
        txns = TxnIds(key, reply)
        first: str | None = None
        if reply.text or reply.title or reply.fields or reply.actions or not reply.attachments:
            body = mx.message_content(reply, self.core.text_prefix(PLATFORM))
            if relation:
                body["m.relates_to"] = relation
            first = await self.transport.room_send(
                room_id, "m.room.message", body, txns.next(), budget
            )
        for attachment in reply.attachments:
            event_id = await self.transport.send_attachment(
                room_id, attachment, txns.next(), budget
            )
            first = first or event_id
        if reply.poll is not None:
            if reply.poll.closed:
                await self.polls.end(reply.poll, reply, budget)
            else:
                await self.polls.start(room_id, reply.poll, txns.next(), budget)
        assert first is not None
        return first

    async def send(self, room: RoomRef, reply: Reply, *, key: str | None = None) -> MessageRef:
        await self._until_started()
        if room.direct and room.id.startswith("@"):
            return await self.send_direct(MemberRef(PLATFORM, room.id), reply, key=key)
        event_id = await self.deliver(room.id, reply, key, None, OUTBOX_RATE_BUDGET)
        return MessageRef(PLATFORM, room.id, event_id)

    async def edit(self, message: MessageRef, reply: Reply) -> None:
        await self._until_started()
        assert self.core is not None
        new = mx.message_content(reply, self.core.text_prefix(PLATFORM))
        await self.transport.room_send(
            message.room_id,
            "m.room.message",
            mx.edit_content(new, message.id),
            mx.tx_id(f"edit:{message.id}:{time.time_ns()}"),
            OUTBOX_RATE_BUDGET,
        )
        if reply.poll is not None and reply.poll.closed:
            await self.polls.end(reply.poll, reply)

    async def send_direct(
        self, member: MemberRef, reply: Reply, *, key: str | None = None
    ) -> MessageRef:
        await self._until_started()
        room_id = await self.direct.room_for(member.id)
        dm_key = f"dm:{key}" if key else None
        event_id = await self.deliver(room_id, reply, dm_key, None, OUTBOX_RATE_BUDGET)
        return MessageRef(PLATFORM, room_id, event_id)

    async def grant_role(self, member: MemberRef, role: Role) -> None:
        await self.rooms.grant_role(member, role)

    async def roles_of(self, member: MemberRef) -> frozenset[Role]:
        """The member's roles from the community rooms' power levels now (the dashboard)."""
        return self.rooms.roles(member.id)

    def mention(self, member: MemberRef) -> str:
        name = member.display_name or member.id
        return f"[{name}](https://matrix.to/#/{member.id})"

    async def room_population(self, room: RoomRef) -> int | None:
        return self.rooms.population(room.id)

    async def forget(self, member: MemberRef) -> None:
        """``me forget``: drop everything the state file keeps under the member's id (their
        DM room, their refusal of DMs), write ``m.direct`` without them and leave their DM
        room, so nothing here still ties the bot to them."""
        await self.direct.forget(
            member.id,
            started=self.client is not None and self.ready.is_set(),
            busy=lambda: self.commands.busy(member.id),
        )
