"""Composition root: settings → database → scheduler → core → cogs → adapters."""

from __future__ import annotations

import asyncio
import importlib
import logging
from typing import Any

from bot.config import Settings
from bot.core.builtins import Builtins
from bot.core.cog import Cog
from bot.core.core import Core
from bot.core.ports import Adapter
from bot.scheduling import Clock, Scheduler, SystemClock
from bot.storage import migrate
from bot.storage.db import Database

log = logging.getLogger(__name__)


def load_cog(core: Core, name: str) -> Cog:
    """Import ``cogs.<name>`` and call its ``setup(core)`` (no import-time side effects)."""
    module = importlib.import_module(f"cogs.{name}")
    cog = module.setup(core)
    core.add_cog(cog)
    return cog


def platform_adapters(settings: Settings) -> list[Adapter]:
    """The adapters enabled in config; each SDK is imported only when its adapter is on."""
    adapters: list[Adapter] = []
    if settings.discord.enabled:
        module: Any = importlib.import_module("bot.adapters.discord")
        adapters.append(module.DiscordAdapter(settings.discord))
    if settings.matrix.enabled:
        module = importlib.import_module("bot.adapters.matrix")
        adapters.append(module.MatrixAdapter(settings.matrix))
    return adapters


class App:
    def __init__(
        self,
        settings: Settings,
        adapters: list[Adapter],
        *,
        clock: Clock | None = None,
        scheduler: bool = True,
    ) -> None:
        self.settings = settings
        self.adapters = adapters
        self.clock = clock or SystemClock()
        self.use_scheduler = scheduler
        self.db = Database(settings.database.url, echo=settings.database.echo)
        self.core: Core | None = None
        self.scheduler: Scheduler | None = None

    async def start(self) -> Core:
        auto = self.settings.database.auto_migrate
        if auto is None:
            auto = self.db.is_sqlite
        if auto:
            await migrate.upgrade(self.db)
        elif await migrate.current_revision(self.db) != migrate.head_revision():
            raise RuntimeError(
                "The database schema is not up to date: run `passerelle db upgrade` first."
            )
        core = Core(self.settings, self.db, self.clock)
        self.core = core
        if self.use_scheduler:
            self.scheduler = Scheduler(
                self.clock, self._wake, self.settings.outbox.poll_interval.total_seconds()
            )
            core.scheduler = self.scheduler
        core.add_cog(Builtins(core))
        for name in self.settings.cogs.enabled_names():
            load_cog(core, name)
        for adapter in self.adapters:
            core.add_adapter(adapter)
        await core.start()
        if self.scheduler is not None:
            self.scheduler.start()
            core.outbox.start()
        for adapter in self.adapters:
            await adapter.start(core)
        return core

    async def _wake(self) -> None:
        if self.core is not None:
            self.core.outbox.wake()

    async def stop(self) -> None:
        for adapter in self.adapters:
            try:
                await adapter.stop()
            except Exception:
                log.exception("Adapter %s did not stop cleanly", adapter.platform)
        if self.core is not None:
            await self.core.stop()
        if self.scheduler is not None:
            self.scheduler.shutdown()
        await self.db.dispose()

    async def run_until_stopped(self, stop: asyncio.Event) -> None:
        await self.start()
        try:
            await stop.wait()
        finally:
            await self.stop()
