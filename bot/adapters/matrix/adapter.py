"""The Matrix adapter: matrix-nio client, text commands, replies, DMs, native polls (MSC3381).

Sync is driven by hand rather than with ``sync_forever`` so that events are handled in order,
gaps in a ``limited`` timeline are filled with ``/messages`` (nio's default drops bursts of
commands), and the first sync after a start only catches up state (no old command answered).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import time
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nio import (
    AsyncClient,
    AsyncClientConfig,
    InviteMemberEvent,
    JoinError,
    LoginResponse,
    MatrixRoom,
    MegolmEvent,
    MessageDirection,
    RoomCreateError,
    RoomCreateEvent,
    RoomEncryptionEvent,
    RoomMemberEvent,
    RoomMessagesError,
    RoomMessageText,
    RoomPreset,
    RoomRedactError,
    RoomResolveAliasResponse,
    RoomSendResponse,
    SyncError,
    SyncResponse,
    UnknownEvent,
    UploadResponse,
    WhoamiResponse,
)
from nio.api import Api
from nio.crypto import ENCRYPTION_ENABLED

from bot.adapters.matrix import content as mx
from bot.adapters.matrix.state import PollRecord, StateFile
from bot.core.errors import (
    DeliveryError,
    DirectMessagesRefused,
    PermanentDeliveryError,
    RateLimited,
    TransientDeliveryError,
)
from bot.core.events import MemberJoined, MemberLeft
from bot.core.ports import Capability
from bot.core.refs import Actor, MemberRef, MessageRef, Role, RoomRef
from bot.core.reply import NativePoll, Reply, Tone

if TYPE_CHECKING:
    from bot.config import MatrixSection
    from bot.core.core import Core

log = logging.getLogger(__name__)

PLATFORM = "matrix"
SEEN_EVENTS = 5000
INTERACTIVE_RATE_BUDGET = 120.0  # seconds a command reply keeps retrying before the outbox
OUTBOX_RATE_BUDGET = 10.0  # beyond this an outbox send gives the row back (RateLimited)
DM_FIRST_MESSAGES_WINDOW = 600.0  # seconds: messages in a new DM written before the bot joined


@dataclass(slots=True)
class Timing:
    """Where a command's time went (benchmark hook): all ``time.perf_counter()`` values."""

    event_id: str
    synced_at: float  # the sync response carrying the command was received
    handled_at: float  # the core produced the reply
    sent_at: float  # the homeserver accepted the reply


class MatrixAdapter:
    platform = PLATFORM
    capabilities = Capability.NATIVE_POLLS | Capability.EDIT | Capability.FILES | Capability.ROLES

    def __init__(self, settings: MatrixSection) -> None:
        self.settings = settings
        self.core: Core | None = None
        self.client: AsyncClient | None = None
        self.store_dir = Path(settings.store_path)
        self.statefile = StateFile(self.store_dir)
        self.state = self.statefile.state
        self.encryption = False
        self.user_id = settings.user_id
        self.community: set[str] = set()  # resolved ids of settings.rooms
        self.ready = asyncio.Event()
        self.timings: list[Timing] | None = None  # set to [] to record (bench)
        self.rate_limited = 0  # M_LIMIT_EXCEEDED answers seen (waited out or handed back)
        self._sync_task: asyncio.Task[None] | None = None
        self._inflight: set[asyncio.Task[Any]] = set()  # commands and votes being handled
        self._creators: dict[str, set[str]] = {}  # room id → its creators (room v12 power)
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._sender_locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._dm_locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._forgetting: dict[str, set[str]] = {}  # user → DM rooms to leave once answered
        self._poll_lock = asyncio.Lock()
        self._keys_lock = asyncio.Lock()  # one device-key query at a time, finished before sends
        self._room_seen = asyncio.Condition()
        self._filter = {
            "room": {
                "timeline": {"limit": settings.timeline_limit},
                "state": {"lazy_load_members": False},
            }
        }

    # --- lifecycle ------------------------------------------------------------------------------

    async def start(self, core: Core) -> None:
        self.core = core
        s = self.settings
        if not s.homeserver:
            raise RuntimeError("[matrix] homeserver is not set")
        if not s.rooms:
            # Roles are read only in the community rooms: without them nobody could be told
            # apart from a member who made herself admin of a room of her own.
            raise RuntimeError("[matrix] rooms is not set: list the community rooms")
        self.store_dir.mkdir(parents=True, exist_ok=True)
        self.state = self.statefile.load()
        wanted = s.encryption if s.encryption is not None else ENCRYPTION_ENABLED
        if wanted and not ENCRYPTION_ENABLED:
            log.error(
                "Matrix encryption was asked for but the e2e extra is not installed "
                "(pip install 'passerelle[e2e]'): encrypted rooms will stay unreadable."
            )
        self.encryption = bool(wanted and ENCRYPTION_ENABLED)
        config = AsyncClientConfig(
            encryption_enabled=self.encryption,
            store_sync_tokens=False,
            max_limit_exceeded=0,  # rate limits are handled here, so nothing waits blindly
            max_timeouts=3,
            request_timeout=s.sync_timeout.total_seconds() + 30,
        )
        self.client = AsyncClient(
            s.homeserver.rstrip("/"),
            s.user_id,
            device_id=s.device_id or self._saved_device() or None,
            store_path=str(self.store_dir),
            config=config,
        )
        await self._login()
        await self._first_sync()
        await self._join_configured_rooms()
        await self._load_direct_rooms()
        self._sync_task = asyncio.create_task(self._sync_loop(), name="matrix-sync")
        self.ready.set()
        log.info(
            "Matrix: logged in as %s (device %s), encryption %s",
            self.user_id,
            self.client.device_id,
            "on" if self.encryption else "off",
        )

    async def stop(self) -> None:
        if self._sync_task is not None:
            self._sync_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._sync_task
            self._sync_task = None
        if self._inflight:  # let commands already being answered finish
            await asyncio.wait(set(self._inflight), timeout=10)
        self.statefile.save()
        if self.client is not None:
            await self.client.close()
        self.ready.clear()

    async def _login(self) -> None:
        client, s, state = self._c(), self.settings, self.state
        if s.access_token:
            device_id = s.device_id or self._saved_device()
            user_id = s.user_id
            if not device_id or not user_id:
                client.access_token = s.access_token
                who = await client.whoami()
                if not isinstance(who, WhoamiResponse):
                    raise RuntimeError(f"Matrix access token refused: {who}")
                device_id = device_id or who.device_id or ""
                user_id = user_id or who.user_id
            client.restore_login(user_id, device_id, s.access_token)
        elif s.password:
            if state.access_token and state.user_id == s.user_id and state.device_id:
                client.restore_login(state.user_id, state.device_id, state.access_token)
                who = await client.whoami()
                if isinstance(who, WhoamiResponse):
                    self.user_id = client.user_id
                    return
                log.info("Matrix: the saved session is no longer valid; logging in again")
            # The device id given to AsyncClient (config, then the saved one) is reused.
            resp = await client.login(s.password, device_name=s.device_name)
            if not isinstance(resp, LoginResponse):
                raise RuntimeError(f"Matrix login failed for {s.user_id}: {resp}")
            state.access_token = resp.access_token
        else:
            raise RuntimeError("[matrix] needs access_token or password")
        state.user_id = client.user_id
        state.device_id = client.device_id
        self.user_id = client.user_id
        self.statefile.save()

    def _saved_device(self) -> str:
        return self.state.device_id if self.state.user_id == self.settings.user_id else ""

    def _c(self) -> AsyncClient:
        assert self.client is not None, "the Matrix adapter is not started"
        return self.client

    # --- sync -----------------------------------------------------------------------------------

    async def _first_sync(self) -> None:
        """Catch up on state only: invites and leaves are handled, timelines are ignored (no
        old command is answered again), except native poll votes, which are idempotent."""
        client = self._c()
        had_token = bool(self.state.sync_token)
        resp: Any = None
        for attempt in range(6):
            resp = await client.sync(
                timeout=0,
                sync_filter=self._filter,
                since=self.state.sync_token if had_token else None,
                full_state=True,
            )
            if isinstance(resp, SyncResponse):
                break
            if resp.status_code == "M_LIMIT_EXCEEDED":
                await asyncio.sleep((resp.retry_after_ms or 1000 * 2**attempt) / 1000)
            elif had_token:
                log.warning("Matrix: saved sync token refused (%s); full sync", resp)
                had_token = False
            else:
                await asyncio.sleep(2**attempt)
        if not isinstance(resp, SyncResponse):
            raise RuntimeError(f"Matrix first sync failed: {resp}")
        await self._keys_maintenance()
        for room_id in resp.rooms.leave:
            await self._forget(room_id)
        await self._handle_invites(resp)
        for room_id, info in resp.rooms.join.items():
            self._note_state(room_id, [*info.state, *info.timeline.events])
            for event in info.timeline.events:
                self._mark_seen(event)
                if had_token and isinstance(event, UnknownEvent):
                    await self._handle_unknown(room_id, event)
            room = client.rooms.get(room_id)
            if room is not None and room.encrypted and not self.encryption:
                await self._warn_unreadable(room_id)
        self.state.sync_token = resp.next_batch
        self.statefile.save()

    async def _sync_loop(self) -> None:
        client = self._c()
        backoff = 1.0
        timeout_ms = int(self.settings.sync_timeout.total_seconds() * 1000)
        while True:
            try:
                since = self.state.sync_token
                known = set(client.rooms)
                resp = await client.sync(
                    timeout=timeout_ms, sync_filter=self._filter, since=since or None
                )
                synced_at = time.perf_counter()
                if isinstance(resp, SyncError):
                    wait = (resp.retry_after_ms or 0) / 1000 or backoff
                    log.warning("Matrix sync failed (%s); retrying in %.1fs", resp, wait)
                    await asyncio.sleep(wait)
                    backoff = min(backoff * 2, 60)
                    continue
                backoff = 1.0
                await self._handle_sync(resp, since, synced_at, known)
                self.state.sync_token = resp.next_batch
                self.statefile.save()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("Matrix sync loop error; retrying in %.0fs", backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 60)

    async def _keys_maintenance(self) -> None:
        client = self._c()
        if not self.encryption or client.olm is None:
            return
        async with self._keys_lock:
            if client.should_upload_keys:
                await client.keys_upload()
            if client.should_query_keys:
                await client.keys_query()
            if client.should_claim_keys:
                await client.keys_claim(client.get_users_for_key_claiming())
            await client.send_to_device_messages()

    async def _before_encrypted_send(self, room_id: str) -> None:
        """Know every member's devices before encrypting: a room key shared before a new
        member's devices are known would leave that member unable to read the message. (nio
        queries them itself only for rooms whose member list it has not fetched yet, and not
        while another query is under way.)"""
        client = self._c()
        room = client.rooms.get(room_id)
        if client.olm is None or room is None or not room.encrypted:
            return
        async with self._keys_lock:
            if not room.members_synced:
                await client.joined_members(room_id)
            if client.should_query_keys:
                await client.keys_query()

    async def _handle_sync(
        self, resp: SyncResponse, since: str, synced_at: float, known: set[str]
    ) -> None:
        client = self._c()
        await self._keys_maintenance()
        await self._handle_invites(resp)
        for room_id in resp.rooms.leave:
            await self._forget(room_id)
        async with self._room_seen:
            self._room_seen.notify_all()
        for room_id, info in resp.rooms.join.items():
            events = list(info.timeline.events)
            if info.timeline.limited and info.timeline.prev_batch and since:
                events = await self._fill_gap(room_id, info.timeline.prev_batch, since) + events
            self._note_state(room_id, [*info.state, *events])
            if room_id not in known:
                # Newly joined: the history before our arrival is not for us to answer, except
                # in a new DM, where a client such as Element sends the first message together
                # with the invite: recent messages there were written to the bot.
                if room_id in self.state.direct_rooms.values():
                    oldest = (time.time() - DM_FIRST_MESSAGES_WINDOW) * 1000
                    events = [e for e in events if getattr(e, "server_timestamp", 0) >= oldest]
                else:
                    events = self._after_own_join(events)
            room = client.rooms.get(room_id)
            if room is not None and room.encrypted and not self.encryption:
                await self._warn_unreadable(room_id)
            for event in events:
                if not self._mark_seen(event):
                    continue
                if getattr(event, "sender", None) == self.user_id:
                    continue
                await self._handle_event(room_id, room, event, synced_at)

    def _note_state(self, room_id: str, events: list[Any]) -> None:
        for event in events:
            if isinstance(event, RoomCreateEvent):
                content = event.source.get("content") or {}
                extra = content.get("additional_creators") or []
                self._creators[room_id] = {event.sender, *(u for u in extra if isinstance(u, str))}

    def _power(self, room: MatrixRoom, user_id: str) -> int:
        """The user's power level; from room version 12 on, creators outrank everyone and are
        not listed in the power levels (nio 0.26 does not know this yet)."""
        legacy = room.room_version in {str(v) for v in range(1, 12)}
        if not legacy and user_id in self._creators.get(room.room_id, set()):
            return max(self.settings.admin_power, 100)
        return room.power_levels.get_user_level(user_id)

    def _after_own_join(self, events: list[Any]) -> list[Any]:
        for index in range(len(events) - 1, -1, -1):
            event = events[index]
            if (
                isinstance(event, RoomMemberEvent)
                and event.state_key == self.user_id
                and event.membership == "join"
            ):
                return events[index + 1 :]
        return []

    async def _forget(self, room_id: str) -> None:
        """The bot left or was removed: drop the room from nio and from our state."""
        if room_id in self.community or room_id in self.state.direct_rooms.values():
            log.info("Matrix: the bot is no longer in %s; forgetting it", room_id)
        had_dm = room_id in self.state.direct_rooms.values()
        self.state.forget_room(room_id)
        self.statefile.save()
        try:
            await self._c().room_forget(room_id)
        except Exception:
            log.debug("room_forget %s failed", room_id, exc_info=True)
        if had_dm:
            await self._put_m_direct()

    async def _fill_gap(self, room_id: str, prev_batch: str, since: str) -> list[Any]:
        """The events a ``limited`` timeline left out, oldest first."""
        client = self._c()
        chunk: list[Any] = []
        token = prev_batch
        for _ in range(50):
            resp = await client.room_messages(
                room_id, start=token, end=since, direction=MessageDirection.back, limit=100
            )
            if isinstance(resp, RoomMessagesError):
                log.warning("Matrix: could not fill a timeline gap in %s: %s", room_id, resp)
                break
            chunk.extend(resp.chunk)
            if not resp.chunk or not resp.end or resp.end == token:
                break
            token = resp.end
        log.info("Matrix: filled a timeline gap in %s with %d events", room_id, len(chunk))
        chunk.reverse()
        return chunk

    def _mark_seen(self, event: Any) -> bool:
        event_id = getattr(event, "event_id", None)
        if not event_id:
            return True
        if event_id in self._seen:
            return False
        self._seen[event_id] = None
        while len(self._seen) > SEEN_EVENTS:
            self._seen.popitem(last=False)
        return True

    async def _handle_event(
        self, room_id: str, room: MatrixRoom | None, event: Any, synced_at: float
    ) -> None:
        core = self.core
        assert core is not None
        if isinstance(event, RoomMessageText):
            relates = event.source.get("content", {}).get("m.relates_to") or {}
            if relates.get("rel_type") == "m.replace":
                return  # an edited command is not run a second time
            body = mx.strip_reply_fallback(event.body or "").strip()
            if body.startswith(core.text_prefix(PLATFORM)):
                self._track(
                    core.spawn(
                        self._run_command(room_id, event, body, relates, synced_at),
                        name=f"matrix-cmd-{event.event_id}",
                    )
                )
        elif isinstance(event, UnknownEvent):
            await self._handle_unknown(room_id, event)
        elif isinstance(event, RoomMemberEvent):
            await self._handle_membership(room_id, event)
        elif isinstance(event, MegolmEvent):
            if not self.encryption:
                await self._warn_unreadable(room_id)
            else:
                log.warning("Matrix: could not decrypt %s in %s", event.event_id, room_id)
                try:
                    await self._c().request_room_key(event)
                except Exception:
                    log.debug("Room key request failed", exc_info=True)
        elif isinstance(event, RoomEncryptionEvent) and not self.encryption:
            await self._warn_unreadable(room_id)

    async def _handle_unknown(self, room_id: str, event: UnknownEvent) -> None:
        parsed = mx.parse_poll_response(event.type, event.source.get("content") or {})
        if parsed is not None and event.sender != self.user_id:
            assert self.core is not None
            self._track(
                self.core.spawn(self._run_vote(room_id, event.sender, *parsed), name="matrix-vote")
            )

    def _track(self, task: asyncio.Task[Any]) -> None:
        self._inflight.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._inflight.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("Matrix: %s failed", task.get_name(), exc_info=task.exception())

    # --- invites, members, roles ----------------------------------------------------------------

    def _invite_allowed(self, inviter: str | None, room_id: str) -> bool:
        if room_id in self.settings.rooms or room_id in self.community:
            return True
        if not inviter:
            return False
        allowed = self.settings.allowed_inviters
        if not allowed:  # default: people on the bot's own homeserver
            return inviter.split(":", 1)[-1] == self.user_id.split(":", 1)[-1]
        server = inviter.split(":", 1)[-1]
        return any(inviter == a or a.lstrip(":") == server or a == "*" for a in allowed)

    async def _handle_invites(self, resp: SyncResponse) -> None:
        client = self._c()
        for room_id, info in resp.rooms.invite.items():
            inviter, direct = None, False
            for event in info.invite_state:
                if isinstance(event, InviteMemberEvent) and event.state_key == self.user_id:
                    inviter = event.sender
                    direct = bool(event.content.get("is_direct"))
            if not self._invite_allowed(inviter, room_id):
                log.info("Matrix: declining an invite to %s from %s", room_id, inviter)
                await client.room_leave(room_id)
                continue
            joined = await client.join(room_id)
            if isinstance(joined, JoinError):
                log.warning("Matrix: could not join %s: %s", room_id, joined)
                continue
            log.info("Matrix: joined %s (invited by %s)", room_id, inviter)
            if direct and inviter:
                self.state.direct_rooms[inviter] = room_id
                self._unrefuse(inviter)
                await self._put_m_direct()

    async def _handle_membership(self, room_id: str, event: RoomMemberEvent) -> None:
        assert self.core is not None
        user = event.state_key
        if user == self.user_id:
            return
        if self.state.direct_rooms.get(user) == room_id:
            if event.membership in ("leave", "ban"):
                log.info("Matrix: %s left their direct room; no more DMs until they write", user)
                if user not in self.state.refused_dm:
                    self.state.refused_dm.append(user)
                del self.state.direct_rooms[user]
                self.statefile.save()
                await self._put_m_direct()
                await self._c().room_leave(room_id)
            elif event.membership == "join":
                self._unrefuse(user)
            return
        if not self._is_community(room_id):
            return
        was_in = event.prev_membership == "join"
        if event.membership == "join" and not was_in:
            ref = MemberRef(PLATFORM, user, event.content.get("displayname") or user)
            member = await self.core.members.resolve(ref)
            # Spawned: a listener may DM the newcomer, which waits for this sync loop.
            self.core.spawn(
                self.core.events.emit(MemberJoined(member.id, ref, RoomRef(PLATFORM, room_id)))
            )
        elif event.membership in ("leave", "ban") and was_in:
            ref = MemberRef(PLATFORM, user, (event.prev_content or {}).get("displayname") or user)
            member = await self.core.members.resolve(ref)
            self.core.spawn(
                self.core.events.emit(MemberLeft(member.id, ref, RoomRef(PLATFORM, room_id)))
            )

    def _unrefuse(self, user: str) -> None:
        if user in self.state.refused_dm:
            self.state.refused_dm.remove(user)

    def _is_community(self, room_id: str) -> bool:
        """Only the configured ``rooms`` are the community (never a room someone invited the
        bot into: its power levels are whatever its creator chose)."""
        return room_id in self.community

    def _is_direct(self, room_id: str) -> bool:
        """A direct chat is a room recorded as one — from ``is_direct`` on the invite, the
        bot's own DM creation or its ``m.direct`` account data — where nobody but the bot and
        that member is joined or invited. Member count proves nothing: a three-person room
        with one member gone is small, not private."""
        if room_id in self.community:
            return False
        partner = self._dm_partner(room_id)
        if partner is None or self.client is None:
            return False
        room = self.client.rooms.get(room_id)
        return room is not None and self._only_us(room, partner)

    def _dm_partner(self, room_id: str) -> str | None:
        for user, dm in self.state.direct_rooms.items():
            if dm == room_id:
                return user
        return None

    def _only_us(self, room: MatrixRoom, user_id: str) -> bool:
        # nio's ``users`` holds joined and invited members alike.
        return set(room.users) <= {self.user_id, user_id}

    def _community_rooms(self) -> list[MatrixRoom]:
        rooms = self._c().rooms
        return [r for rid, r in rooms.items() if self._is_community(rid)]

    def _roles(self, user_id: str, room_id: str) -> frozenset[Role]:
        """The highest power level the user has in any community room she has joined, mapped
        through ``moderator_power`` / ``admin_power``; wherever the command was typed (a DM,
        a room of her own), only the community counts. Someone in no community room is
        ``everyone``."""
        levels = [
            self._power(r, user_id)
            for r in self._community_rooms()
            if user_id in r.users and user_id not in r.invited_users
        ]
        if not levels:
            return frozenset({Role.EVERYONE})
        level = max(levels)
        roles = {Role.MEMBER}
        if level >= self.settings.moderator_power:
            roles.add(Role.MODERATOR)
        if level >= self.settings.admin_power:
            roles.add(Role.ADMIN)
        return frozenset(roles)

    def _display_name(self, user_id: str, room_id: str | None = None) -> str:
        rooms = self._c().rooms
        for room in [rooms.get(room_id)] if room_id else []:
            if room is not None and user_id in room.users:
                return room.users[user_id].display_name or user_id
        for room in rooms.values():
            if user_id in room.users:
                return room.users[user_id].display_name or user_id
        return user_id

    def actor(self, user_id: str, room_id: str) -> Actor:
        name = self._display_name(user_id, room_id)
        return Actor(MemberRef(PLATFORM, user_id, name), self._roles(user_id, room_id))

    def room_ref(self, room_id: str) -> RoomRef:
        return RoomRef(PLATFORM, room_id, self._is_direct(room_id))

    async def _join_configured_rooms(self) -> None:
        client = self._c()
        for entry in self.settings.rooms:
            room_id = entry
            if entry.startswith("#"):
                resolved = await client.room_resolve_alias(entry)
                if not isinstance(resolved, RoomResolveAliasResponse):
                    log.error("Matrix: room alias %s not found: %s", entry, resolved)
                    continue
                room_id = resolved.room_id
            self.community.add(room_id)
            if room_id not in client.rooms:
                joined = await client.join(room_id)
                if isinstance(joined, JoinError):
                    log.error("Matrix: could not join configured room %s: %s", entry, joined)
        if not self.community:
            log.error("Matrix: none of the configured rooms was found: nobody has a role")
        # Make the joined rooms' state known before the first command arrives.
        await self._wait_rooms(self.community, wait_s=10)

    async def _wait_rooms(
        self, room_ids: set[str], wait_s: float, member: str | None = None
    ) -> bool:
        """Wait until every room is synced (and ``member`` is in them, joined or invited)."""
        client = self._c()

        def ready() -> bool:
            rooms = [client.rooms.get(r) for r in room_ids]
            return all(
                r is not None
                and (member is None or member in r.users or member in r.invited_users)
                for r in rooms
            )

        if self._sync_task is None:  # not looping yet: one quick sync
            if not room_ids <= set(client.rooms):
                resp = await client.sync(
                    timeout=0, sync_filter=self._filter, since=self.state.sync_token
                )
                if isinstance(resp, SyncResponse):
                    for rid, info in resp.rooms.join.items():
                        self._note_state(rid, [*info.state, *info.timeline.events])
                        for event in info.timeline.events:
                            self._mark_seen(event)
                        if rid in room_ids:
                            room = client.rooms.get(rid)
                            if room and room.encrypted and not self.encryption:
                                await self._warn_unreadable(rid)
                    self.state.sync_token = resp.next_batch
            return ready()
        deadline = time.monotonic() + wait_s
        async with self._room_seen:
            while not ready():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                try:
                    await asyncio.wait_for(self._room_seen.wait(), left)
                except TimeoutError:
                    return False
        return True

    # --- commands and votes ---------------------------------------------------------------------

    async def _run_command(
        self,
        room_id: str,
        event: RoomMessageText,
        body: str,
        relates: dict[str, Any],
        synced_at: float,
    ) -> None:
        async with self._sender_locks[event.sender]:
            try:
                await self._command_answered(room_id, event, body, relates, synced_at)
            finally:
                await self._finish_forget(event.sender)

    async def _command_answered(
        self,
        room_id: str,
        event: RoomMessageText,
        body: str,
        relates: dict[str, Any],
        synced_at: float,
    ) -> None:
        core = self.core
        assert core is not None
        room = self.room_ref(room_id)
        actor = self.actor(event.sender, room_id)
        if room.direct:
            self._unrefuse(event.sender)
        message = MessageRef(PLATFORM, room_id, event.event_id)
        reply = await core.handle_text(actor, room, body, message=message)
        if reply is None:
            return
        handled_at = time.perf_counter()
        thread = relates.get("event_id") if relates.get("rel_type") == "m.thread" else None
        await self._answer(room, actor.ref, reply, event.event_id, thread)
        if self.timings is not None:
            self.timings.append(Timing(event.event_id, synced_at, handled_at, time.perf_counter()))

    async def _answer(
        self,
        room: RoomRef,
        member: MemberRef,
        reply: Reply,
        event_id: str,
        thread: str | None,
    ) -> None:
        """Deliver a command's reply; nothing is lost: after the retry budget it goes to the
        outbox, which keeps trying."""
        key = f"matrix-reply:{event_id}"
        relation = mx.reply_relation(event_id, thread)
        # A command that must not stay where others read it (an anonymous vote typed in a
        # room): it is redacted, and whatever the reply is, it goes by DM only.
        redact = reply.redact_source and not room.direct
        if redact:
            await self._redact_command(room, member, event_id)
        in_room = (not reply.private or room.direct) and not redact
        if (
            reply.private
            and reply.tone == Tone.ERROR
            and self.settings.errors_in_room
            and not redact
        ):
            in_room = True
        try:
            if in_room:
                await self._send_reply(room.id, reply, key, relation, INTERACTIVE_RATE_BUDGET)
                return
            try:
                await self.send_direct(member, reply, key=key)
                # Show in the room that the answer went by DM, without a message (not on a
                # redacted command: nothing should point at it any more).
                with contextlib.suppress(DeliveryError):
                    if not redact:
                        await self._room_send(
                            room.id,
                            "m.reaction",
                            mx.reaction_content(event_id, "📩"),
                            mx.tx_id(key, 999),
                            OUTBOX_RATE_BUDGET,
                        )
            except DirectMessagesRefused:
                notice = await self._dm_refused_notice(member, room)
                await self._send_reply(room.id, notice, key, relation, 30.0)
        except (RateLimited, TransientDeliveryError) as exc:
            assert self.core is not None
            log.warning("Matrix: reply to %s not sent yet (%s); the outbox takes it", key, exc)
            target = room if in_room else None
            await self.core.outbox.enqueue(
                key,
                self.core.clock.now(),
                reply=reply,
                room=target,
                member_id=None if target else (await self.core.members.resolve(member)).id,
                platform=PLATFORM,
            )
        except DeliveryError as exc:
            log.warning("Matrix: could not answer %s: %s", event_id, exc.reason)

    async def _redact_command(self, room: RoomRef, member: MemberRef, event_id: str) -> None:
        """Remove a typed command from the room, with a reason members can read."""
        assert self.core is not None
        info = await self.core.members.resolve(member)
        t = await self.core.translator(member=info, room=room)
        reason = t(
            "Retiré par le bot : cette commande se tape en message privé avec lui, pour "
            "rester anonyme."
        )
        try:
            resp = await self._c().room_redact(
                room.id, event_id, reason=reason, tx_id=mx.tx_id(f"redact:{event_id}")
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # network: the reply still goes by DM
            log.warning("Matrix: could not redact %s in %s: %s", event_id, room.id, exc)
            return
        if isinstance(resp, RoomRedactError):
            log.warning(
                "Matrix: could not redact %s in %s (%s): give the bot the power to remove "
                "messages there",
                event_id,
                room.id,
                resp.status_code,
            )

    async def can_redact(self, room: RoomRef) -> bool:
        """Whether the bot may remove members' messages in ``room``: its power level (from
        the cached room state) reaches the room's ``redact`` level and the level to send
        ``m.room.redaction`` events."""
        if self.client is None:
            return False
        matrix_room = self.client.rooms.get(room.id)
        if matrix_room is None:
            return False
        levels = matrix_room.power_levels
        mine = self._power(matrix_room, self.user_id)
        return mine >= levels.defaults.redact and mine >= (
            levels.get_message_event_required_level("m.room.redaction")
        )

    async def _dm_refused_notice(self, member: MemberRef, room: RoomRef) -> Reply:
        assert self.core is not None
        info = await self.core.members.resolve(member)
        t = await self.core.translator(member=info, room=room)
        return Reply(
            text=t(
                "{mention}, ma réponse est privée mais je ne peux pas vous écrire en message "
                "direct. Acceptez mon invitation ou écrivez-moi en privé, puis réessayez.",
                mention=self.mention(member),
            ),
            tone=Tone.WARNING,
            mentions=(member.id,),
        )

    async def _run_vote(
        self, room_id: str, sender: str, start_id: str, answers: list[str]
    ) -> None:
        core = self.core
        assert core is not None
        record = self.state.poll_by_event(start_id)
        if record is None or record.closed:
            return
        poll = NativePoll.from_json(record.poll)
        valid = {aid for aid, _ in poll.answers}
        chosen = [a for a in answers if a in valid][: max(1, poll.max_selections)]
        if not chosen:
            return
        async with self._sender_locks[sender]:
            actor = self.actor(sender, room_id)
            raw = {**poll.vote.arg_dict, poll.option: "|".join(chosen)}
            try:
                reply = await core.invoke(actor, self.room_ref(room_id), poll.vote.command, raw)
            finally:
                await self._finish_forget(sender)
        if reply.poll is not None and reply.poll.closed:
            await self._end_poll(reply.poll, reply)
        if reply.tone in (Tone.ERROR, Tone.WARNING):
            try:  # a refused native vote is explained privately: the poll shows nothing
                await self.send_direct(actor.ref, reply)
            except DeliveryError as exc:
                log.info("Matrix: could not explain a refused vote to %s: %s", sender, exc)

    # --- sending --------------------------------------------------------------------------------

    async def _room_send(
        self, room_id: str, event_type: str, content: dict[str, Any], txn: str, budget: float
    ) -> str:
        """Send one event; wait out ``M_LIMIT_EXCEEDED`` within ``budget`` seconds, then raise
        RateLimited. The same transaction id on every try: never shown twice."""
        client = self._c()
        deadline = time.monotonic() + budget
        # Every event carries ``m.mentions`` (only the people the bot mentions itself, never
        # ``room``): clients then ignore @room and names written in the body or a poll.
        content = mx.with_mentions(content)
        while True:
            try:
                if self.encryption:
                    await self._before_encrypted_send(room_id)
                resp = await client.room_send(
                    room_id, event_type, content, tx_id=txn, ignore_unverified_devices=True
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # nio's LocalProtocolError, SendRetryError, network
                raise TransientDeliveryError(f"{type(exc).__name__}: {exc}") from exc
            if isinstance(resp, RoomSendResponse):
                return resp.event_id
            code = getattr(resp, "status_code", None)
            if code in ("M_LIMIT_EXCEEDED", 429, "429"):
                self.rate_limited += 1
                wait = max((getattr(resp, "retry_after_ms", None) or 1000) / 1000, 0.05)
                if time.monotonic() + wait > deadline:
                    raise RateLimited(wait)
                log.info("Matrix: rate-limited; waiting %.2fs", wait)
                await asyncio.sleep(wait)
                continue
            if code in ("M_FORBIDDEN", "M_NOT_FOUND", "M_TOO_LARGE", "M_BAD_JSON"):
                raise PermanentDeliveryError(str(code))
            raise TransientDeliveryError(str(code or resp))

    async def _send_reply(
        self,
        room_id: str,
        reply: Reply,
        key: str | None,
        relation: dict[str, Any] | None,
        budget: float,
    ) -> str:
        """The message, then its attachments, then its native poll start or end."""
        assert self.core is not None
        prefix = self.core.text_prefix(PLATFORM)
        part = 0

        def txn() -> str:
            nonlocal part
            part += 1
            return mx.tx_id(key, part) if key else mx.tx_id(f"{time.time_ns()}-{id(reply)}", part)

        first: str | None = None
        if reply.text or reply.title or reply.fields or reply.actions or not reply.attachments:
            body = mx.message_content(reply, prefix)
            if relation:
                body["m.relates_to"] = relation
            first = await self._room_send(room_id, "m.room.message", body, txn(), budget)
        for attachment in reply.attachments:
            event_id = await self._send_attachment(room_id, attachment, txn(), budget)
            first = first or event_id
        if reply.poll is not None:
            if reply.poll.closed:
                await self._end_poll(reply.poll, reply, budget)
            else:
                await self._start_poll(room_id, reply.poll, txn(), budget)
        assert first is not None
        return first

    async def _send_attachment(
        self, room_id: str, attachment: Any, txn: str, budget: float
    ) -> str:
        client = self._c()
        room = client.rooms.get(room_id)
        encrypt = bool(self.encryption and room is not None and room.encrypted)
        data = attachment.data
        resp, keys = await client.upload(
            lambda *_: io.BytesIO(data),
            content_type=attachment.mime,
            filename=attachment.filename,
            encrypt=encrypt,
            filesize=len(data),
        )
        if not isinstance(resp, UploadResponse):
            if getattr(resp, "status_code", None) == "M_LIMIT_EXCEEDED":
                raise RateLimited((getattr(resp, "retry_after_ms", None) or 1000) / 1000)
            raise TransientDeliveryError(f"upload failed: {resp}")
        info: dict[str, Any] = {"mimetype": attachment.mime, "size": len(data)}
        msgtype = "m.file"
        if attachment.is_image:
            msgtype = "m.image"
            try:
                from PIL import Image

                with Image.open(io.BytesIO(data)) as image:
                    info["w"], info["h"] = image.size
            except Exception:
                log.debug("Could not read the picture's size", exc_info=True)
        content: dict[str, Any] = {
            "msgtype": msgtype,
            "body": attachment.description or attachment.filename,
            "filename": attachment.filename,
            "info": info,
        }
        if encrypt and keys:
            content["file"] = {"url": resp.content_uri, **keys}
        else:
            content["url"] = resp.content_uri
        return await self._room_send(room_id, "m.room.message", content, txn, budget)

    async def _start_poll(self, room_id: str, poll: NativePoll, txn: str, budget: float) -> None:
        async with self._poll_lock:
            if poll.key in self.state.polls:
                return  # already shown (a refresh of the same poll): one native poll per key
            event_id = await self._room_send(
                room_id, self.settings.poll_event_type, mx.poll_start_content(poll), txn, budget
            )
            self.state.polls[poll.key] = PollRecord(poll.key, room_id, event_id, poll.to_json())
            self.statefile.save()

    async def _end_poll(
        self, poll: NativePoll, reply: Reply, budget: float = OUTBOX_RATE_BUDGET
    ) -> None:
        async with self._poll_lock:
            record = self.state.polls.get(poll.key)
            if record is None or record.closed:
                return
            text = reply.plain_text() or poll.question
            end_type = (
                "m.poll.end"
                if self.settings.poll_event_type == "m.poll.start"
                else "org.matrix.msc3381.poll.end"
            )
            await self._room_send(
                record.room_id,
                end_type,
                mx.poll_end_content(record.event_id, text),
                mx.tx_id(f"poll-end:{poll.key}"),
                budget,
            )
            record.closed = True
            self.statefile.save()

    # --- Adapter port ---------------------------------------------------------------------------

    async def _until_started(self) -> None:
        """The outbox may wake before the adapter has logged in: wait a little, else retry."""
        if self.ready.is_set():
            return
        try:
            await asyncio.wait_for(self.ready.wait(), 30)
        except TimeoutError:
            raise TransientDeliveryError("matrix adapter not started") from None

    async def send(self, room: RoomRef, reply: Reply, *, key: str | None = None) -> MessageRef:
        await self._until_started()
        if room.direct and room.id.startswith("@"):
            return await self.send_direct(MemberRef(PLATFORM, room.id), reply, key=key)
        event_id = await self._send_reply(room.id, reply, key, None, OUTBOX_RATE_BUDGET)
        return MessageRef(PLATFORM, room.id, event_id)

    async def edit(self, message: MessageRef, reply: Reply) -> None:
        await self._until_started()
        assert self.core is not None
        new = mx.message_content(reply, self.core.text_prefix(PLATFORM))
        await self._room_send(
            message.room_id,
            "m.room.message",
            mx.edit_content(new, message.id),
            mx.tx_id(f"edit:{message.id}:{time.time_ns()}"),
            OUTBOX_RATE_BUDGET,
        )
        if reply.poll is not None and reply.poll.closed:
            await self._end_poll(reply.poll, reply)

    async def send_direct(
        self, member: MemberRef, reply: Reply, *, key: str | None = None
    ) -> MessageRef:
        await self._until_started()
        room_id = await self.direct_room(member.id)
        dm_key = f"dm:{key}" if key else None
        event_id = await self._send_reply(room_id, reply, dm_key, None, OUTBOX_RATE_BUDGET)
        return MessageRef(PLATFORM, room_id, event_id)

    async def grant_role(self, member: MemberRef, role: Role) -> None:
        level = {
            Role.MODERATOR: self.settings.moderator_power,
            Role.ADMIN: self.settings.admin_power,
        }
        if not self.settings.manage_power_levels or role not in level:
            log.info(
                "Matrix: role %s for %s not applied (power levels are managed by hand)",
                role.value,
                member.id,
            )
            return
        client = self._c()
        for room in self._community_rooms():
            current = self._power(room, member.id)
            if current >= level[role]:
                continue
            state = await client.room_get_state_event(room.room_id, "m.room.power_levels")
            content = dict(getattr(state, "content", None) or {})
            if not content:
                log.warning("Matrix: cannot read power levels of %s", room.room_id)
                continue
            users = dict(content.get("users") or {})
            users[member.id] = level[role]
            content["users"] = users
            resp = await client.room_put_state(room.room_id, "m.room.power_levels", content)
            if getattr(resp, "status_code", None):
                log.warning("Matrix: could not raise %s in %s: %s", member.id, room.room_id, resp)

    def mention(self, member: MemberRef) -> str:
        name = member.display_name or member.id
        return f"[{name}](https://matrix.to/#/{member.id})"

    async def room_population(self, room: RoomRef) -> int | None:
        matrix_room = self._c().rooms.get(room.id)
        if matrix_room is None:
            return None
        count = matrix_room.joined_count
        if self.user_id in matrix_room.users:
            count -= 1
        return max(count, 0)

    async def forget(self, member: MemberRef) -> None:
        """``me forget``: drop everything the state file keeps under the member's id (their
        DM room, their refusal of DMs), write ``m.direct`` without them and leave their DM
        room, so nothing here still ties the bot to them."""
        user = member.id
        room_id = self.state.direct_rooms.pop(user, None)
        self._unrefuse(user)
        self.statefile.save()
        if self.client is None or not self.ready.is_set():
            return
        await self._put_m_direct()
        if self._sender_locks[user].locked():
            # She asked on Matrix and her command is still being answered: the "done" reply
            # goes to her DM first, then ``_finish_forget`` leaves it (and any DM the reply
            # had to open).
            self._forgetting.setdefault(user, set()).update({room_id} if room_id else set())
            return
        await self._leave_direct_rooms({room_id} if room_id else set())
        log.info("Matrix: forgot a member's direct room and DM settings")

    async def _finish_forget(self, user: str) -> None:
        """After the command of a member being forgotten: leave what the answer used."""
        rooms = self._forgetting.pop(user, None)
        if rooms is None:
            return
        again = self.state.direct_rooms.pop(user, None)
        self._unrefuse(user)
        if again is not None:
            rooms.add(again)
            self.statefile.save()
            await self._put_m_direct()
        await self._leave_direct_rooms(rooms)
        log.info("Matrix: forgot a member's direct room and DM settings")

    async def _leave_direct_rooms(self, rooms: set[str]) -> None:
        client = self._c()
        for room_id in rooms:
            try:
                await client.room_leave(room_id)
                await client.room_forget(room_id)
            except Exception:  # the room may be gone already; the state no longer has it
                log.debug("Matrix: leaving the forgotten member's DM %s failed", room_id)

    # --- direct rooms ---------------------------------------------------------------------------

    async def direct_room(self, user_id: str) -> str:
        """The member's direct room with the bot: reused while they are in it, else created
        (``is_direct``, trusted private chat) and recorded in ``m.direct``."""
        client = self._c()
        async with self._dm_locks[user_id]:
            if user_id in self.state.refused_dm:
                raise DirectMessagesRefused()
            room_id = self.state.direct_rooms.get(user_id)
            if room_id is not None:
                room = client.rooms.get(room_id)
                if room is not None and user_id in room.users and self._only_us(room, user_id):
                    return room_id
                if room is not None:
                    # Gone, or someone else was let in: private words no longer go there.
                    log.info(
                        "Matrix: %s is not a DM with %s any more; creating one", room_id, user_id
                    )
            initial_state: list[dict[str, Any]] = []
            if self.encryption and self.settings.encrypt_direct_rooms:
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
            room_id = resp.room_id
            self.state.direct_rooms[user_id] = room_id
            self.statefile.save()
            await self._put_m_direct()
            # Wait until our sync has seen the room *with its invite*: the room key of an
            # encrypted DM must be shared with the invitee's devices from the first message.
            if not await self._wait_rooms({room_id}, wait_s=15, member=user_id):
                raise TransientDeliveryError("direct room not synced yet")
            return room_id

    async def _account_data_path(self) -> str:
        return Api._build_path(["user", self.user_id, "account_data", "m.direct"])

    async def _load_direct_rooms(self) -> None:
        """Merge the account's ``m.direct`` (written by us or another client) into our map."""
        client = self._c()
        response = await client.send(
            "GET",
            await self._account_data_path(),
            headers={"Authorization": f"Bearer {client.access_token}"},
        )
        try:
            if response.status != 200:
                return
            data = await response.json()
        finally:
            response.release()
        for user, rooms in (data or {}).items():
            joined = [r for r in rooms or [] if r in client.rooms]
            if joined and user not in self.state.direct_rooms:
                self.state.direct_rooms[user] = joined[-1]
        self.statefile.save()

    async def _put_m_direct(self) -> None:
        """nio has no setter for account data: one raw PUT of the whole ``m.direct`` map."""
        client = self._c()
        data: dict[str, list[str]] = {}
        for user, room_id in self.state.direct_rooms.items():
            data.setdefault(user, []).append(room_id)
        response = await client.send(
            "PUT",
            await self._account_data_path(),
            json.dumps(data),
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

    # --- encryption without the e2e extra -------------------------------------------------------

    async def _warn_unreadable(self, room_id: str) -> None:
        if room_id in self.state.warned_encrypted:
            return
        self.state.warned_encrypted.append(room_id)
        self.statefile.save()
        log.warning(
            "Matrix: room %s is encrypted and encryption is off (install the e2e extra: "
            "pip install 'passerelle[e2e]'); the bot cannot read it",
            room_id,
        )
        assert self.core is not None
        t = self.core.i18n.translator()
        notice = Reply(
            text=t(
                "Ce salon est chiffré et je ne peux pas lire ses messages : le bot tourne sans "
                "le module de chiffrement. Un administrateur peut l'installer (extra « e2e »)."
            ),
            tone=Tone.WARNING,
        )
        try:
            await self._send_reply(
                room_id, notice, f"unreadable:{room_id}", None, OUTBOX_RATE_BUDGET
            )
        except DeliveryError as exc:
            log.warning("Matrix: could not warn %s: %s", room_id, exc.reason)
