"""Cogs loaded after the platforms connect (``passerelle run``): what needs no cog is answered
at once, what needs one waits for it, and nothing is lost or answered by a half-started cog."""

from __future__ import annotations

import asyncio

import pytest

import bot.app
from bot.adapters.memory import MemoryAdapter
from bot.app import build_core, load_deferred_cogs, start_core
from bot.config import load_settings
from bot.core.core import Core
from bot.core.events import LinksShared
from bot.core.refs import MemberRef, RoomRef
from bot.core.reply import Tone
from bot.scheduling import FakeClock
from bot.storage.db import Database

COGS = ["poll", "resource"]


async def _deferred_core(db_url: str) -> tuple[Core, MemoryAdapter, Database]:
    """A core whose cogs are known from the index only (written by a first, eager build)."""
    settings = load_settings(None)
    settings.database.url = db_url
    settings.bot.french_typography = False
    db = Database(db_url)
    build_core(settings, db, FakeClock(), cogs=COGS, defer_cogs=True)  # writes the index
    adapter = MemoryAdapter()
    core = build_core(settings, db, FakeClock(), cogs=COGS, adapters=[adapter], defer_cogs=True)
    assert set(core.deferred) == set(COGS)
    await core.start()
    await adapter.start(core)
    return core, adapter, db


async def _still_waiting(task: asyncio.Task[object]) -> bool:
    """Still not done well after its database reads (it waits for the cogs)."""
    await asyncio.sleep(0.5)
    return not task.done()


async def test_help_is_answered_before_the_cogs_and_their_commands_wait(
    index_name: str, db_url: str
) -> None:
    core, adapter, db = await _deferred_core(db_url)
    try:
        help_reply = await adapter.say("alice", "!help poll")
        assert help_reply is not None and "poll create" in help_reply.text
        assert "poll" not in core.cogs  # answered from the index alone
        waiting = asyncio.create_task(adapter.say("alice", "!poll list"))
        links = asyncio.create_task(
            core.events.emit(
                LinksShared(MemberRef("memory", "alice"), RoomRef("memory", "general"), ("x",))
            )
        )
        assert await _still_waiting(waiting) and await _still_waiting(links)
        await load_deferred_cogs(core)
        reply = await waiting
        await links
        assert reply is not None and reply.tone is not Tone.ERROR
        assert "poll create" in reply.text  # "no poll here yet: create one with poll create"
        assert not core.deferred and {"poll", "resource"} <= set(core.cogs)
    finally:
        await core.stop()
        await db.dispose()


async def test_start_core_loads_the_cogs_after_a_busy_connection_and_during_the_others(
    index_name: str, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings(None)
    settings.database.url = db_url
    db = Database(db_url)
    build_core(settings, db, FakeClock(), cogs=COGS, defer_cogs=True)
    order: list[str] = []

    class Gateway(MemoryAdapter):
        answers_once_connected = True  # like Discord's: answers as soon as it is up

        async def start(self, core: Core) -> None:
            order.append(f"gateway connects, cogs loaded: {sorted(set(core.cogs) & set(COGS))}")
            await super().start(core)

    class Homeserver(MemoryAdapter):
        async def start(self, core: Core) -> None:
            order.append("homeserver connects")
            await asyncio.sleep(1)  # waiting on the network: the cogs import meanwhile
            order.append("homeserver connected")
            await super().start(core)

    real = bot.app.load_cog

    def load(core: Core, name: str) -> object:
        order.append(f"load {name}")
        return real(core, name)

    monkeypatch.setattr(bot.app, "load_cog", load)
    adapters = [Homeserver("matrix"), Gateway("discord")]
    core = build_core(settings, db, FakeClock(), cogs=COGS, adapters=adapters, defer_cogs=True)
    await start_core(core)
    try:
        assert order == [
            "gateway connects, cogs loaded: []",
            "homeserver connects",
            "load poll",
            "load resource",
            "homeserver connected",
        ]
        assert not core.deferred
    finally:
        await core.stop()
        await db.dispose()


async def test_a_cog_that_fails_to_load_releases_what_waits_for_it(
    index_name: str, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    core, adapter, db = await _deferred_core(db_url)
    real = bot.app.load_cog

    def broken(core: Core, name: str) -> object:
        if name == "resource":
            raise RuntimeError("resource setup failed")
        return real(core, name)

    monkeypatch.setattr(bot.app, "load_cog", broken)
    try:
        waiting = asyncio.create_task(adapter.say("alice", "!resource list"))
        assert await _still_waiting(waiting)
        with pytest.raises(RuntimeError, match="resource setup failed"):
            await load_deferred_cogs(core)
        reply = await asyncio.wait_for(waiting, 10)  # an answer, not a hang
        assert reply is not None and reply.tone is Tone.ERROR
        assert "quelque chose s'est mal passé" in reply.text
    finally:
        await core.stop()
        await db.dispose()
