"""Test harness: a core on a real database, the in-memory adapter and a fake clock.

Built by the same wiring as ``passerelle run`` (``bot.app.build_core``). Use it as
``async with await make_harness(db_url, cogs=["poll"]) as h:`` to have it stopped at the end,
and ``await h.reply("alice", "!poll …")`` when the command must answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Any

from bot.adapters.memory import MemoryAdapter
from bot.app import CogFactory, build_core, start_core
from bot.config import Settings, load_settings
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

    async def reply(self, name: str, text: str, **kwargs: Any) -> Reply:
        """Like :meth:`say` for a command: fails the test when nothing answers."""
        reply = await self.adapter.say(name, text, **kwargs)
        assert reply is not None, f"no reply to {text!r}"
        return reply

    async def invoke(self, name: str, path: str, **raw: Any) -> Reply:
        return await self.adapter.invoke(name, path, **raw)

    async def deliver(self) -> DeliveryReport:
        return await self.core.outbox.deliver_due()

    async def settle(self) -> DeliveryReport:
        """Finish background work (live updates…) and deliver what is due."""
        await self.core.drain()
        return await self.deliver()

    async def close(self) -> None:
        await self.core.stop()
        await self.db.dispose()

    async def __aenter__(self) -> Harness:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


async def make_harness(
    db_url: str,
    *,
    cogs: Sequence[str | CogFactory] | None = None,
    settings: Settings | None = None,
    platform: str = "memory",
    clock: FakeClock | None = None,
    typography: bool = False,
    **overrides: Any,
) -> Harness:
    """A started core with the builtins and ``cogs`` (default: none) on ``db_url``.

    French typography (U+202F before ``: ; ! ?``) is off unless ``typography=True``: tests
    compare French with plain spaces; the typography and transcript tests turn it on."""
    settings = settings or load_settings(None, **overrides)
    settings.database.url = db_url
    settings.bot.french_typography = typography
    db = Database(db_url)
    clock = clock or FakeClock()
    adapter = MemoryAdapter(platform)
    core = build_core(settings, db, clock, cogs=cogs or [], adapters=[adapter])
    await start_core(core)
    return Harness(core, adapter, clock, db)
