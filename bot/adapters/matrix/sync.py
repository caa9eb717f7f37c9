"""The sync loop, driven by hand rather than with ``sync_forever``: events are handled in order,
gaps in a ``limited`` timeline are filled with ``/messages`` (nio's default drops bursts of
commands), each event is handled once (seen event ids), and the first sync after a start only
catches up state (no old command answered)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Protocol

import aiohttp
from nio import (
    MatrixRoom,
    MessageDirection,
    RoomMemberEvent,
    RoomMessagesError,
    SyncError,
    SyncResponse,
    UnknownEvent,
)

if TYPE_CHECKING:
    from bot.adapters.matrix.crypto import Crypto
    from bot.adapters.matrix.session import Session

log = logging.getLogger(__name__)

SEEN_EVENTS = 5000
# Sync retries while the homeserver is away: 1, 2, 4 s, then every 4 s — a command sent once
# it is back is answered within seconds, not after a backoff grown to half a minute.
RETRY_FIRST = 1.0
RETRY_MAX = 4.0
DM_FIRST_MESSAGES_WINDOW = 600.0  # seconds: messages in a new DM written before the bot joined


class SyncHandler(Protocol):
    """What the adapter does with what a sync brings."""

    async def on_invites(self, resp: SyncResponse) -> None: ...

    async def on_left(self, room_id: str) -> None: ...

    def on_state(self, room_id: str, events: list[Any]) -> None: ...

    async def on_unreadable(self, room_id: str) -> None: ...

    async def on_event(
        self, room_id: str, room: MatrixRoom | None, event: Any, synced_at: float
    ) -> None: ...

    async def on_unknown(self, room_id: str, event: UnknownEvent) -> None: ...

    def on_reconnected(self) -> None: ...


class SeenEvents:
    """The last ``size`` event ids handled: an event arriving twice (a gap filled, a sync
    repeated) is handled once."""

    def __init__(self, size: int = SEEN_EVENTS) -> None:
        self.size = size
        self._ids: OrderedDict[str, None] = OrderedDict()

    def first_time(self, event: Any) -> bool:
        event_id = getattr(event, "event_id", None)
        if not event_id:
            return True
        if event_id in self._ids:
            return False
        self._ids[event_id] = None
        while len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return True


def after_own_join(events: list[Any], user_id: str) -> list[Any]:
    """The events after the bot's own join (the history before it is not for it to answer)."""
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if (
            isinstance(event, RoomMemberEvent)
            and event.state_key == user_id
            and event.membership == "join"
        ):
            return events[index + 1 :]
    return []


def recent(events: list[Any], now: float, window: float = DM_FIRST_MESSAGES_WINDOW) -> list[Any]:
    """The events sent within ``window`` seconds of ``now`` (epoch seconds)."""
    oldest = (now - window) * 1000
    return [e for e in events if getattr(e, "server_timestamp", 0) >= oldest]


class Sync:
    def __init__(self, session: Session, crypto: Crypto, handler: SyncHandler) -> None:
        self.session = session
        self.crypto = crypto
        self.handler = handler
        self.seen = SeenEvents()
        self.connected = False  # the last sync succeeded (what /healthz reports)
        self.reconnects = 0  # syncs that succeeded again after failing
        self._ever_synced = False
        self.filter = {
            "room": {
                "timeline": {"limit": session.settings.timeline_limit},
                "state": {"lazy_load_members": False},
            }
        }
        self._task: asyncio.Task[None] | None = None
        self._room_seen = asyncio.Condition()

    @property
    def running(self) -> bool:
        return self._task is not None

    def start(self) -> None:
        """Start the sync loop (from the saved sync token)."""
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="matrix-sync")

    async def stop(self) -> None:
        """Stop the loop; the next ``start`` goes on from where it stopped."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        self.connected = False

    def _synced(self) -> None:
        """A sync succeeded: connected again (counted when it had failed since the last)."""
        if not self.connected and self._ever_synced:
            self.reconnects += 1
            self.handler.on_reconnected()
        self.connected = self._ever_synced = True

    async def first_sync(self, catch_up_until: float | None = None) -> None:
        """Catch up on state only: invites and leaves are handled, timelines are ignored (no
        old command is answered again), except native poll votes, which are idempotent.

        ``catch_up_until`` (epoch seconds; a takeover from an owner that died): the events
        sent after the saved sync token and before then are handled as usual — the dead owner
        may not have answered them, and claims drop those it did."""
        client, state = self.session.c, self.session.state
        had_token = bool(state.sync_token)
        since = state.sync_token
        resp: Any = None
        for attempt in range(6):
            resp = await client.sync(
                timeout=0,
                sync_filter=self.filter,
                since=state.sync_token if had_token else None,
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
        self._synced()
        await self.crypto.maintenance()
        for room_id in resp.rooms.leave:
            await self.handler.on_left(room_id)
        await self.handler.on_invites(resp)
        until_ms = catch_up_until * 1000 if had_token and catch_up_until is not None else None
        for room_id, info in resp.rooms.join.items():
            events = list(info.timeline.events)
            if until_ms is not None and info.timeline.limited and info.timeline.prev_batch:
                events = await self.fill_gap(room_id, info.timeline.prev_batch, since) + events
            self.handler.on_state(room_id, [*info.state, *events])
            room = client.rooms.get(room_id)
            for event in events:
                if not self.seen.first_time(event):
                    continue
                if until_ms is not None and getattr(event, "server_timestamp", 0) < until_ms:
                    if getattr(event, "sender", None) != self.session.user_id:
                        await self.handler.on_event(room_id, room, event, time.perf_counter())
                elif had_token and isinstance(event, UnknownEvent):
                    await self.handler.on_unknown(room_id, event)
            await self._check_readable(room_id)
        state.sync_token = resp.next_batch
        self.session.save()

    async def _check_readable(self, room_id: str) -> None:
        room = self.session.c.rooms.get(room_id)
        if room is not None and room.encrypted and not self.session.encryption:
            await self.handler.on_unreadable(room_id)

    async def _loop(self) -> None:
        client, state = self.session.c, self.session.state
        backoff = RETRY_FIRST
        timeout_ms = int(self.session.settings.sync_timeout.total_seconds() * 1000)
        while True:
            try:
                since = state.sync_token
                known = set(client.rooms)
                resp = await client.sync(
                    timeout=timeout_ms, sync_filter=self.filter, since=since or None
                )
                synced_at = time.perf_counter()
                if isinstance(resp, SyncError):
                    wait = (resp.retry_after_ms or 0) / 1000 or backoff
                    log.warning("Matrix sync failed (%s); retrying in %.1fs", resp, wait)
                    self.connected = False
                    await asyncio.sleep(wait)
                    backoff = min(backoff * 2, RETRY_MAX)
                    continue
                backoff = RETRY_FIRST
                self._synced()
                await self._handle(resp, since, synced_at, known)
                state.sync_token = resp.next_batch
                self.session.save()
            except asyncio.CancelledError:
                raise
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                # The homeserver is away (restarting, network): one line per attempt, and
                # never more than RETRY_MAX between attempts, so members are answered within
                # seconds of its return rather than after a backoff grown to a minute.
                log.warning(
                    "Matrix: homeserver unreachable (%s); retrying in %.0fs",
                    type(exc).__name__ if not str(exc) else exc,
                    backoff,
                )
                self.connected = False
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, RETRY_MAX)
            except Exception:
                log.exception("Matrix sync loop error; retrying in %.0fs", backoff)
                self.connected = False
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, RETRY_MAX)

    async def _handle(
        self, resp: SyncResponse, since: str, synced_at: float, known: set[str]
    ) -> None:
        client, state = self.session.c, self.session.state
        await self.crypto.maintenance()
        await self.handler.on_invites(resp)
        for room_id in resp.rooms.leave:
            await self.handler.on_left(room_id)
        async with self._room_seen:
            self._room_seen.notify_all()
        for room_id, info in resp.rooms.join.items():
            events = list(info.timeline.events)
            if info.timeline.limited and info.timeline.prev_batch and since:
                events = await self.fill_gap(room_id, info.timeline.prev_batch, since) + events
            self.handler.on_state(room_id, [*info.state, *events])
            if room_id not in known:
                # Newly joined: the history before our arrival is not for us to answer, except
                # in a new DM, where a client such as Element sends the first message together
                # with the invite: recent messages there were written to the bot.
                if room_id in state.direct_rooms.values():
                    events = recent(events, time.time())
                else:
                    events = after_own_join(events, self.session.user_id)
            room = client.rooms.get(room_id)
            await self._check_readable(room_id)
            for event in events:
                if not self.seen.first_time(event):
                    continue
                if getattr(event, "sender", None) == self.session.user_id:
                    continue
                await self.handler.on_event(room_id, room, event, synced_at)

    async def fill_gap(self, room_id: str, prev_batch: str, since: str) -> list[Any]:
        """The events a ``limited`` timeline left out, oldest first."""
        client = self.session.c
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

    async def wait_rooms(
        self, room_ids: set[str], wait_s: float, member: str | None = None
    ) -> bool:
        """Wait until every room is synced (and ``member`` is in them, joined or invited)."""
        client, state = self.session.c, self.session.state

        def ready() -> bool:
            rooms = [client.rooms.get(r) for r in room_ids]
            return all(
                r is not None
                and (member is None or member in r.users or member in r.invited_users)
                for r in rooms
            )

        if self._task is None:  # not looping yet: one quick sync
            if not room_ids <= set(client.rooms):
                resp = await client.sync(
                    timeout=0, sync_filter=self.filter, since=state.sync_token
                )
                if isinstance(resp, SyncResponse):
                    for rid, info in resp.rooms.join.items():
                        self.handler.on_state(rid, [*info.state, *info.timeline.events])
                        for event in info.timeline.events:
                            self.seen.first_time(event)
                        if rid in room_ids:
                            await self._check_readable(rid)
                    state.sync_token = resp.next_batch
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
