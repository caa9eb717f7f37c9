"""Messages the bot keeps up to date (live poll results), with coalesced edits.

Discord forbids many edits of messages older than an hour, and every platform rate-limits
edits: at most one edit per key every ``min_interval`` seconds; the newest content wins.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from sqlmodel import select

from bot.core.refs import MessageRef, RoomRef
from bot.core.reply import Reply
from bot.storage.models import LiveMessage

if TYPE_CHECKING:
    from bot.core.core import Core

log = logging.getLogger(__name__)

Build = Callable[[], Awaitable[Reply | None]]


class LiveMessages:
    def __init__(self, core: Core, min_interval: float = 5.0) -> None:
        self.core = core
        self.min_interval = min_interval
        self._last: dict[str, float] = {}
        self._pending: dict[str, tuple[RoomRef, Build]] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}

    async def exists(self, key: str) -> bool:
        """Whether a live message was ever posted for ``key``."""
        async with self.core.db.session() as session:
            row = await session.exec(select(LiveMessage.id).where(LiveMessage.key == key))
            return row.first() is not None

    async def publish(self, key: str, room: RoomRef, reply: Reply) -> MessageRef | None:
        """Send the message for ``key`` the first time, edit it afterwards."""
        adapter = self.core.adapters.get(room.platform)
        if adapter is None:
            return None
        if reply.locale is None:  # a room post: written in the room's language
            reply.stamp(await self.core.translator(room=room, public=True))
        async with self.core.db.session() as session:
            row = (await session.exec(select(LiveMessage).where(LiveMessage.key == key))).first()
        if row is not None:
            ref = MessageRef(row.platform, row.room_id, row.message_id)
            try:
                await adapter.edit(ref, reply)
                return ref
            except Exception:
                log.info("Live message %s could not be edited; sending a new one", key)
        ref = await adapter.send(room, reply)
        await self.remember(key, ref)
        return ref

    async def remember(self, key: str, ref: MessageRef) -> None:
        """Note that ``ref`` is the message of ``key``: later updates edit it. The outbox calls
        this for a room post queued with ``data["live_key"]``."""
        async with self.core.db.session() as session:
            row = (await session.exec(select(LiveMessage).where(LiveMessage.key == key))).first()
            row = row or LiveMessage(
                key=key,
                platform=ref.platform,
                room_id=ref.room_id,
                message_id=ref.id,
                updated_at=self.core.clock.now(),
            )
            row.platform, row.message_id, row.room_id = ref.platform, ref.id, ref.room_id
            row.updated_at = self.core.clock.now()
            session.add(row)

    def update(self, key: str, room: RoomRef, build: Build) -> None:
        """Ask for a refresh; coalesced so that edits happen at most every ``min_interval``."""
        loop = asyncio.get_running_loop()
        self._pending[key] = (room, build)
        if key in self._timers:
            return
        wait = max(0.0, self._last.get(key, -1e9) + self.min_interval - loop.time())
        self._timers[key] = loop.call_later(
            wait, lambda: self.core.spawn(self._fire(key), name=f"live-{key}")
        )

    async def _fire(self, key: str) -> None:
        self._timers.pop(key, None)
        pending = self._pending.pop(key, None)
        if pending is None:
            return
        room, build = pending
        self._last[key] = asyncio.get_running_loop().time()
        try:
            reply = await build()
            if reply is not None:
                await self.publish(key, room, reply)
        except Exception:
            log.exception("Live message %s could not be refreshed", key)

    def stop(self) -> None:
        """Cancel scheduled refreshes (shutdown): nothing may fire once storage is gone."""
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        self._pending.clear()

    async def flush(self) -> None:
        """Run every pending refresh now (shutdown, console end of input)."""
        for key in list(self._pending):
            timer = self._timers.pop(key, None)
            if timer:
                timer.cancel()
            await self._fire(key)
