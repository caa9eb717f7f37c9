"""Two ``passerelle run`` processes on one database and one Discord bot (the fake Discord with
the real discord.py): one holds the gateway connection, the other stands by and takes over
after a SIGKILL of the owner — every command answered once, every reminder sent once."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.app import build_core
from bot.config import load_settings
from bot.core.refs import RoomRef
from bot.scheduling import SystemClock
from bot.storage.db import Database
from cogs.cafe.models import CafeSeries
from fakes.discord import FakeDiscord
from tests.e2e.processes import (
    Process,
    discord_process_config,
    each_reminder_posted_once,
    queue_reminders,
)

pytestmark = pytest.mark.e2e

FAILOVER = 2.0


def write_config(fake: FakeDiscord, db_url: str, tmp: Path, name: str) -> Path:
    return discord_process_config(fake, db_url, tmp, name, FAILOVER)


async def test_the_standby_takes_the_gateway_over_after_sigkill(
    db_url: str, tmp_path: Path
) -> None:
    fake = await FakeDiscord().start()
    mod = fake.add_member("mod", roles=[fake.moderator_role])
    db = Database(db_url)
    settings = load_settings(None)
    settings.database.url = db_url
    queue = build_core(settings, db, SystemClock(), cogs=[])  # queues reminders, sends nothing
    first = Process("first", write_config(fake, db_url, tmp_path, "first"), tmp_path)
    second: Process | None = None
    try:
        await first.wait_log("Passerelle ready")
        second = Process("second", write_config(fake, db_url, tmp_path, "second"), tmp_path)
        await second.wait_log("Passerelle standby: the Discord gateway connection")
        await second.wait_log("Passerelle ready")  # the ready line, once its cogs are loaded
        assert "standby for discord:gateway" in second.text()
        assert len(fake._sockets) == 1  # only the owner is connected

        iid = await fake.command(mod, "cafe create", title="Relève", schedule="2027-02-01 18:00")
        assert (await fake.answer(iid)).kind == "message"

        async def cafes() -> int:
            async with db.session() as s:
                return int((await s.exec(select(func.count()).select_from(CafeSeries))).one())

        assert await cafes() == 1
        await queue_reminders(queue, "standby-test", 10, RoomRef("discord", str(fake.channel_id)))
        before = [await fake.command(mod, "cafe list") for _ in range(3)]
        for command in before:
            assert (await fake.answer(command)).kind == "message"
        first.kill()
        killed_at = time.monotonic()
        took_over = await second.wait_log("took over the gateway connection", FAILOVER + 15)
        failover = took_over - killed_at
        assert failover <= FAILOVER + 1.0, failover
        after = [await fake.command(mod, "cafe list") for _ in range(3)]
        for command in after:
            assert (await fake.answer(command)).kind == "message"

        await each_reminder_posted_once(fake, 10)
        # Each interaction was answered by exactly one process (one callback each).
        for command in [iid, *before, *after]:
            assert fake.interactions[command].callback is not None
        assert await cafes() == 1
        print(f"Discord failover after SIGKILL: {failover:.2f} s (failover_seconds {FAILOVER})")
    finally:
        first.stop()
        if second is not None:
            second.stop()
        await queue.db.dispose()
        await fake.stop()
