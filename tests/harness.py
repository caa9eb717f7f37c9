"""Test harness: a core on a real database, the in-memory adapter and a fake clock."""

from __future__ import annotations

from typing import Any

from bot.adapters.memory import MemoryAdapter
from bot.app import load_cog
from bot.config import Settings, load_settings
from bot.core.builtins import Builtins
from bot.core.core import Core
from bot.core.outbox import DeliveryReport
from bot.core.reply import Reply
from bot.scheduling import FakeClock
from bot.storage.db import Database


class Harness:
    """``h.say("alice", "!poll create …")`` types as alice; ``h.deliver()`` runs the outbox."""

    def __init__(self, core: Core, adapter: MemoryAdapter, clock: FakeClock, db: Database):
        self.core = core
        self.adapter = adapter
        self.clock = clock
        self.db = db

    async def say(self, name: str, text: str, **kwargs: Any) -> Reply | None:
        return await self.adapter.say(name, text, **kwargs)

    async def invoke(self, name: str, path: str, **raw: Any) -> Reply:
        return await self.adapter.invoke(name, path, **raw)

    async def deliver(self) -> DeliveryReport:
        return await self.core.outbox.deliver_due()

    async def settle(self) -> DeliveryReport:
        """Finish background work (live updates…) and deliver what is due."""
        await self.core.drain()
        return await self.deliver()


async def make_harness(
    db_url: str,
    *,
    cogs: list[str] | None = None,
    settings: Settings | None = None,
    platform: str = "memory",
    clock: FakeClock | None = None,
    **overrides: Any,
) -> Harness:
    """A started core with the builtins and ``cogs`` (default: none) on ``db_url``."""
    settings = settings or load_settings(None, **overrides)
    settings.database.url = db_url
    db = Database(db_url)
    clock = clock or FakeClock()
    core = Core(settings, db, clock)
    core.add_cog(Builtins(core))
    for name in cogs or []:
        load_cog(core, name)
    adapter = MemoryAdapter(platform)
    core.add_adapter(adapter)
    await core.start()
    await adapter.start(core)
    return Harness(core, adapter, clock, db)
