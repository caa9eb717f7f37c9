"""A running bot (core + DiscordAdapter on the unmodified discord.py) against the fake Discord."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_core, start_core
from bot.config import load_settings
from bot.core.core import Core
from bot.scheduling import FakeClock
from bot.storage.db import Database
from bot.storage.registry import cog_packages
from fakes.discord import FakeDiscord
from tests.e2e.discord.demo_cog import Demo, ModDemo

pytestmark = pytest.mark.e2e
# The core's answer to an unexpected exception: no command, valid or malformed, may end there.
INTERNAL_ERROR = "quelque chose s'est mal passé"


class Bot:
    """One bot process: start it, stop it, start it again on the same database."""

    def __init__(self, fake: FakeDiscord, db_url: str, state: Path, **discord: Any) -> None:
        self.fake = fake
        self.db_url = db_url
        self.state = state
        self.discord = discord
        self.clock = FakeClock()
        self.core: Core | None = None
        self.adapter: Any = None
        self.db: Database | None = None

    async def start(self, *, extra_cogs: bool = True, cogs: list[Any] | None = None) -> Bot:
        from bot.adapters.discord import DiscordAdapter

        settings = load_settings(
            None,
            discord={
                "enabled": True,
                "token": "fake-token",
                "guild_id": str(self.fake.guild_id),
                "api_base": self.fake.api_base,
                "gateway_url": self.fake.gateway_url,
                "guild_ready_timeout": 0.05,
                "sync_state": str(self.state),
                "defer_after": 1.0,
                "roles": {"moderator": [str(self.fake.moderator_role)]},
                **self.discord,
            },
        )
        settings.database.url = self.db_url
        settings.bot.french_typography = False  # the assertions compare plain spaces
        self.db = Database(self.db_url)
        adapter = DiscordAdapter(settings.discord)
        core = build_core(
            settings,
            self.db,
            self.clock,
            cogs=cogs if cogs is not None else [Demo, ModDemo] if extra_cogs else [],
            adapters=[adapter],
        )
        await start_core(core)
        self.core, self.adapter = core, adapter
        return self

    async def stop(self) -> None:
        if self.core is not None:
            # finish background work (live edits) so no task is cancelled inside a transaction
            await self.core.drain()
        if self.adapter is not None:
            await self.adapter.stop()
        if self.core is not None:
            await self.core.stop()
        if self.db is not None:
            await self.db.dispose()
        self.fake.identified.clear()


async def start_with_every_cog(running: Bot) -> Bot:
    """Start ``running`` with every cog shipped in cogs/ loaded before the adapter publishes
    the catalogue."""
    import bot.core.core as core_module
    from bot.app import load_cog

    add_adapter = core_module.Core.add_adapter

    def add_adapter_with_cogs(self: Any, adapter: Any) -> None:
        for name in cog_packages():
            if name not in self.cogs:
                load_cog(self, name)
        add_adapter(self, adapter)

    core_module.Core.add_adapter = add_adapter_with_cogs  # type: ignore[method-assign]
    try:
        return await running.start()
    finally:
        core_module.Core.add_adapter = add_adapter  # type: ignore[method-assign]


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = await FakeDiscord().start()
    yield server
    await server.stop()


@pytest.fixture
async def bot(fake: FakeDiscord, db_url: str, tmp_path: Path) -> AsyncIterator[Bot]:
    running = await Bot(fake, db_url, tmp_path / "discord-commands.json").start()
    yield running
    await running.stop()


@pytest.fixture
async def full_bot(fake: FakeDiscord, db_url: str, tmp_path: Path) -> AsyncIterator[Bot]:
    """The bot with every cog shipped in cogs/ plus the demo cogs."""
    running = Bot(fake, db_url, tmp_path / "state.json")
    await start_with_every_cog(running)
    yield running
    await running.stop()
