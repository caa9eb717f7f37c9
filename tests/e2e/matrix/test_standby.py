"""Two ``passerelle run`` processes on one database and one Matrix account (a real Synapse):
one owns the account, the other stands by and takes over after a SIGKILL of the owner —
no command answered twice or left unanswered, no reminder lost or doubled."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections import Counter
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
from fakes.synapse import Synapse
from tests.e2e.matrix.conftest import Member, World
from tests.e2e.processes import Process, process_config, queue_reminders, until

pytestmark = pytest.mark.e2e

#: A command answered in the room as a reply to it (an error: private answers go by DM and
#: the room's 📩 hint shows only once in a while, so they cannot be told apart).
PROBE = "!cafe join 424242"

FAILOVER = 2.0  # [core] failover_seconds for both processes


def write_config(world: World, synapse: Synapse, db_url: str, name: str) -> Path:
    bot = world.bot_user
    matrix = f"""
[matrix]
enabled = true
homeserver = "{synapse.url}"
user_id = "{bot.user_id}"
access_token = "{bot.access_token}"
device_id = "{bot.device_id}"
store_path = "{world.tmp / f"store-{name}"}"
rooms = ["{world.room_id}"]
encryption = false
sync_timeout = "2s"
"""
    return process_config(world.tmp / f"{name}.toml", db_url, FAILOVER, matrix)


def replies_to(member: Member, bot_id: str) -> Counter[str]:
    """How many times the bot answered each event: a reply in the room (``m.in_reply_to``)
    or a private answer, which the room shows as a 📩 reaction on the command."""
    counts: Counter[str] = Counter()
    for _, event in member.events:
        if getattr(event, "sender", None) != bot_id:
            continue
        relates = event.source.get("content", {}).get("m.relates_to") or {}
        target = (relates.get("m.in_reply_to") or {}).get("event_id")
        if relates.get("rel_type") == "m.annotation":
            target = relates.get("event_id")
        if target:
            counts[target] += 1
    return counts


def bodies(member: Member, bot_id: str, room_id: str) -> list[str]:
    return [
        str(getattr(event, "body", ""))
        for rid, event in member.events
        if rid == room_id and getattr(event, "sender", None) == bot_id
    ]


async def test_the_standby_takes_over_after_sigkill_and_answers_everything_once(
    synapse: Synapse, db_url: str, tmp_path: Path
) -> None:
    world = World(synapse, db_url, tmp_path)
    owner = await world.member(world.owner)
    created = await owner.client.room_create(name="Relève", invite=[world.bot_user.user_id])
    world.room_id = created.room_id
    bot_id = world.bot_user.user_id
    db = Database(db_url)
    settings = load_settings(None)
    settings.database.url = db_url
    queue = build_core(settings, db, SystemClock(), cogs=[])  # queues reminders, sends nothing
    first = Process("first", write_config(world, synapse, db_url, "first"), tmp_path)
    second: Process | None = None
    try:
        await first.wait_log("Passerelle ready")
        second = Process("second", write_config(world, synapse, db_url, "second"), tmp_path)
        await second.wait_log("Passerelle standby: the Matrix account")
        await second.wait_log("Passerelle ready")  # the ready line, once its cogs are loaded
        assert "standby for matrix:" in second.text() and "standby" not in first.text()
        # The first start wrote the cog index if the code had changed: the second used it.
        assert "Cogs cafe loaded after the platforms connected" in second.text()

        # One `!cafe create` while both run: one café.
        await owner.say(world.room_id, '!cafe create title:Relève schedule:"2027-02-01 18:00"')

        async def cafes() -> int:
            async with db.session() as s:
                return int((await s.exec(select(func.count()).select_from(CafeSeries))).one())

        async def has_cafe() -> bool:
            return await cafes() > 0

        await until(has_cafe, 20, "the café")

        # Reminders due before, across and after the switch.
        await queue_reminders(queue, "standby-test", 12, RoomRef("matrix", world.room_id))
        before = [await owner.say(world.room_id, PROBE) for _ in range(3)]
        await owner.wait_for(lambda rid, e: all(replies_to(owner, bot_id)[b] for b in before))
        await asyncio.sleep(1.0)
        first.kill()
        killed_at = time.monotonic()
        # Typed while nobody answers: the new owner answers them once it has taken over.
        during = [await owner.say(world.room_id, PROBE) for _ in range(3)]
        took_over = await second.wait_log("took over from", wait_s=FAILOVER + 15)
        failover = took_over - killed_at
        assert failover <= FAILOVER + 1.0, failover  # + login and first sync on a busy host
        after = [await owner.say(world.room_id, PROBE) for _ in range(3)]
        commands = [*before, *during, *after]
        await owner.wait_for(
            lambda rid, e: all(replies_to(owner, bot_id)[c] for c in commands), wait_s=30
        )

        async def all_reminders() -> bool:
            seen = bodies(owner, bot_id, world.room_id)
            return all(any(f"rappel {i}" == b for b in seen) for i in range(12))

        await until(all_reminders, 30, "every reminder")
        await asyncio.sleep(2.0)  # time for a duplicate to show
        counts = replies_to(owner, bot_id)
        assert {c: counts[c] for c in commands} == dict.fromkeys(commands, 1)
        reminders = Counter(
            b for b in bodies(owner, bot_id, world.room_id) if b.startswith("rappel")
        )
        assert reminders == Counter(f"rappel {i}" for i in range(12))
        assert await cafes() == 1
        # The new owner went on from the saved state: the owner's DM room was reused.
        dms = {rid for rid, e in owner.events if rid != world.room_id and e.sender == bot_id}
        assert len(dms) == 1, dms
        print(f"failover after SIGKILL: {failover:.2f} s (failover_seconds {FAILOVER})")
    finally:
        first.stop()
        if second is not None:
            second.stop()
        await queue.db.dispose()
        await world.close()


async def test_an_owner_paused_past_its_lease_stops_and_stands_by(
    synapse: Synapse, db_url: str, tmp_path: Path
) -> None:
    """SIGSTOP past expiry: the standby takes over; woken up, the old owner answers nothing
    more, says so and stands by — then takes the account back when the new owner stops."""
    world = World(synapse, db_url, tmp_path)
    owner = await world.member(world.owner)
    created = await owner.client.room_create(name="Pause", invite=[world.bot_user.user_id])
    world.room_id = created.room_id
    bot_id = world.bot_user.user_id
    first = Process("first", write_config(world, synapse, db_url, "first"), tmp_path)
    second: Process | None = None
    try:
        await first.wait_log("Passerelle ready")
        second = Process("second", write_config(world, synapse, db_url, "second"), tmp_path)
        await second.wait_log("Passerelle standby: the Matrix account")
        for _ in range(5):
            first.proc.send_signal(signal.SIGSTOP)
            try:
                await second.wait_log("took over from", wait_s=FAILOVER + 3)
                break
            except AssertionError:
                # Paused inside a SQLite write transaction (a lease renewal, a claim): SQLite
                # has one writer, so nobody writes until it resumes. Let it finish; again.
                first.proc.send_signal(signal.SIGCONT)
                await asyncio.sleep(0.3)
        else:
            raise AssertionError("the standby never took over")
        during = [await owner.say(world.room_id, PROBE) for _ in range(3)]
        first.proc.send_signal(signal.SIGCONT)
        await first.wait_log("Lease matrix:", wait_s=FAILOVER + 5)
        assert "stands by" in first.text()
        after = [await owner.say(world.room_id, PROBE) for _ in range(3)]
        commands = [*during, *after]
        await owner.wait_for(
            lambda rid, e: all(replies_to(owner, bot_id)[c] for c in commands), wait_s=30
        )
        # A clean stop hands the account back at once to the process that stood by.
        second.stop()
        # (its first login is in the log already: wait for the second one)
        taken_back = await first.wait_log("Matrix: logged in as", wait_s=10, count=2)
        last = await owner.say(world.room_id, PROBE)
        commands.append(last)
        await owner.wait_for(lambda rid, e: replies_to(owner, bot_id)[last] > 0, wait_s=20)
        await asyncio.sleep(2.0)  # time for a duplicate to show
        counts = replies_to(owner, bot_id)
        assert {c: counts[c] for c in commands} == dict.fromkeys(commands, 1)
        assert taken_back
    finally:
        with contextlib.suppress(ProcessLookupError):
            first.proc.send_signal(signal.SIGCONT)
        first.stop()
        if second is not None:
            second.stop()
        await world.close()
