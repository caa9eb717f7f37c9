"""``[discord] shard_count``: processes share the shards of one bot (the fake Discord with the
real discord.py). Each shard is owned once, through its lease ``discord:shard:<i>``; every
interaction — in the community (its shard) or in a DM (shard 0) — is answered once; the outbox
sends from every process that owns a shard; a spare process takes over the shard of a process
killed with SIGKILL, within ``failover_seconds``."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.adapters.discord.shards import shard_of
from bot.app import build_core
from bot.config import load_settings
from bot.core.refs import RoomRef
from bot.scheduling import SystemClock
from bot.storage.db import Database
from cogs.cafe.models import CafeSeries
from fakes.discord import FakeDiscord
from tests.e2e.discord.conftest import Bot
from tests.e2e.processes import (
    Process,
    discord_process_config,
    each_reminder_posted_once,
    queue_reminders,
    until,
)

pytestmark = pytest.mark.e2e

FAILOVER = 2.0
SHARDS = 2


def write_config(fake: FakeDiscord, db_url: str, tmp: Path, name: str, per_process: int) -> Path:
    extra = f"shard_count = {SHARDS}\nshards_per_process = {per_process}"
    return discord_process_config(fake, db_url, tmp, name, FAILOVER, extra)


def callbacks(fake: FakeDiscord, iid: int) -> int:
    """How many times the interaction was answered (each answer is one callback POST)."""
    prefix = f"/api/v10/interactions/{iid}/"
    return sum(
        1 for method, path, _ in fake.requests if method == "POST" and path.startswith(prefix)
    )


def owned_shards(process: Process) -> str:
    """What the ready line says this process owns ("0", "1", "none"…)."""
    ready = r"Passerelle ready: platforms discord \([^)]*shards ([^)]*) of 2\)"
    found = re.search(ready, process.text())
    assert found is not None, process.text()
    return found.group(1)


async def test_two_processes_share_the_shards_and_a_spare_takes_over_after_sigkill(
    db_url: str, tmp_path: Path
) -> None:
    fake = await FakeDiscord().start()
    mod = fake.add_member("mod", roles=[fake.moderator_role])
    community = shard_of(fake.guild_id, SHARDS)
    # Another server, on the shard the community is not on: only that shard's owner sees it.
    elsewhere = fake.add_other_guild("Ailleurs", admins=[mod], shard=(1 - community, SHARDS))
    db = Database(db_url)
    settings = load_settings(None)
    settings.database.url = db_url
    queue = build_core(settings, db, SystemClock(), cogs=[])  # queues reminders, sends nothing
    first = Process("first", write_config(fake, db_url, tmp_path, "first", 1), tmp_path)
    second: Process | None = None
    spare: Process | None = None
    try:
        await first.wait_log("Passerelle ready")
        second = Process("second", write_config(fake, db_url, tmp_path, "second", 1), tmp_path)
        await second.wait_log("Passerelle ready")
        # Free shards are taken from 0 up; each process holds one and waits for none.
        assert owned_shards(first) == "0" and owned_shards(second) == "1"
        summary = "this process owns shard(s) 0 of 2 (at most 1 here); waits for shard(s) none"
        assert summary in first.text()
        assert "standby for" not in first.text() + second.text()
        assert sorted(fake.shards_identified) == [(0, SHARDS), (1, SHARDS)]
        assert fake.open_shards() == [(0, SHARDS), (1, SHARDS)]
        by_shard = {0: first, 1: second}
        owner, dm_owner = by_shard[community], by_shard[0]
        # Only the owner of the other server's shard saw it (and left it: not the community).

        async def left() -> bool:
            return fake.left_guilds == [elsewhere]

        await until(left, 10, "leaving the other server")
        assert f"left server {elsewhere}" in by_shard[1 - community].text()
        assert str(elsewhere) not in owner.text()
        # The community's slash commands are synced once, by its shard's owner.
        assert len(fake.sync_requests) == 1 and "Discord: synced" in owner.text()

        async def cafes() -> int:
            async with db.session() as s:
                return int((await s.exec(select(func.count()).select_from(CafeSeries))).one())

        iid = await fake.command(mod, "cafe create", title="Relève", schedule="2027-02-01 18:00")
        assert (await fake.answer(iid)).kind == "message"
        assert await cafes() == 1
        # A DM comes on shard 0: its owner reads the moderator's roles over REST when the
        # community's shard is another process's.
        dm = await fake.command(
            mod, "cafe create", dm=True, title="Privé", schedule="2027-02-02 18:00"
        )
        assert (await fake.answer(dm)).kind == "message"
        assert await cafes() == 2
        if dm_owner is not owner:
            assert ("GET", f"/api/v10/guilds/{fake.guild_id}", 200) in fake.requests

        await queue_reminders(queue, "shards-test", 10, RoomRef("discord", str(fake.channel_id)))

        # A third process is the spare: both shards are owned, it waits for either.
        spare = Process("spare", write_config(fake, db_url, tmp_path, "spare", 1), tmp_path)
        await spare.wait_log("Passerelle ready")
        assert owned_shards(spare) == "none"
        assert "standby for discord:shard:0, discord:shard:1" in spare.text()
        assert "Passerelle standby: Discord shard 1 (of 2) is owned by" in spare.text()

        before = [await fake.command(mod, "cafe list") for _ in range(3)]
        for command in before:
            assert (await fake.answer(command)).kind == "message"
        owner.kill()
        killed_at = time.monotonic()
        took_over = await spare.wait_log(f"took over shard {community} of 2", FAILOVER + 15)
        failover = took_over - killed_at
        assert failover <= FAILOVER + 1.0, failover
        after = [await fake.command(mod, "cafe list") for _ in range(3)]
        for command in after:
            assert (await fake.answer(command)).kind == "message"
        # The survivor holds as many shards as it may: it never took the dead one's.
        survivor = by_shard[1 - community]
        assert "took over" not in survivor.text()
        assert fake.open_shards() == [(0, SHARDS), (1, SHARDS)]

        await each_reminder_posted_once(fake, 10)
        # Each interaction was answered by exactly one process, once.
        for command in [iid, dm, *before, *after]:
            assert callbacks(fake, command) == 1, command
        assert await cafes() == 2
        print(f"Discord shard failover after SIGKILL: {failover:.2f} s (failover {FAILOVER})")
    finally:
        for process in (first, second, spare):
            if process is not None:
                process.stop()
        await queue.db.dispose()
        await fake.stop()


async def test_one_process_owns_every_shard_without_a_cap(db_url: str, tmp_path: Path) -> None:
    """``shards_per_process = 0``: one process connects every shard, answers the community
    on its shard and DMs on shard 0, and syncs the commands once."""
    fake = await FakeDiscord().start()
    mod = fake.add_member("mod", roles=[fake.moderator_role])
    bot = await Bot(fake, db_url, tmp_path / "commands.json", shard_count=SHARDS).start()
    try:
        assert sorted(bot.adapter.connections) == [0, 1]
        assert fake.shards_identified == [(0, SHARDS), (1, SHARDS)]
        assert bot.adapter.shard_detail() == "shards 0, 1 of 2"
        assert bot.adapter.synced and len(fake.sync_requests) == 1
        in_community = await fake.command(mod, "modo purge")
        in_dm = await fake.command(mod, "modo purge", dm=True)
        for iid in (in_community, in_dm):
            answer = await fake.answer(iid)
            assert answer.text == "Votes vidés" and callbacks(fake, iid) == 1
        # Roles came from the cache of the community's shard, not from REST.
        assert ("GET", f"/api/v10/guilds/{fake.guild_id}", 200) not in fake.requests
        assert bot.core is not None and bot.core.ownership.standby_for() == []
    finally:
        await bot.stop()
        await fake.stop()
