"""Command-to-reply latency on Matrix against a local Synapse, against a floor bot, and the
bot's share of it.

    .venv/bin/python bench/matrix_roundtrip.py [--members 20] [--commands 200] [--start-runs 3]

Starts a private Synapse on 127.0.0.1 (the test suite's fixture, venv cached in .cache/), a bot
(core + MatrixAdapter on SQLite, outbox sender running) and N member accounts, every member
syncing all along like a real client. An observer client times when each reply appears.

Floor, same run, same room: a do-nothing matrix-nio bot (bench/floor_bots.py, its own
account) that answers every ``!`` message with ``pong`` as a reply; it runs first, alone, then
Passerelle runs the same legs (bench/matrix_floor.py):

- latency with 1 member (20 commands one after the other) and with 5 members (each 10, the next
  once its reply is seen, all five at once): p50 / p99, Passerelle ÷ floor (goals ≤ 1.3× and
  ≤ 1.1×);
- a burst of 30 commands from 5 members sent at once: the last reply, answered count;
- reminders to the room (the outbox for Passerelle, a timer for the floor): lateness seen by
  the observer (goal: max ≤ the floor's + 50 ms).

Then, Passerelle alone with ``--members`` members: the plain-message baseline (one homeserver
round trip, no bot) and the bot's share — from the sync response carrying the command to the
reply being ready (core dispatch, database, rendering), measured inside the adapter. Last, start
→ first answer and idle RSS of `passerelle run` and of the floor bot as processes
(bench/footprint.py's legs), against the goals (< 0.8 s; RSS ≤ floor + 20 MiB).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nio import AsyncClient  # noqa: E402

from bench._common import BenchCog  # noqa: E402
from bench.floor_bots import echo_bot  # noqa: E402
from bench.footprint import Leg, MatrixWorld, floor_matrix, matrix_config, passerelle  # noqa: E402
from bench.matrix_floor import (  # noqa: E402
    BURST_MEMBERS,
    MS,
    Figures,
    Observer,
    compare,
    keep_syncing,
    legs,
    member_loop,
    pct,
)
from bot.adapters.matrix import MatrixAdapter  # noqa: E402
from bot.app import build_core, ensure_schema, start_core  # noqa: E402
from bot.config import MatrixSection, load_settings  # noqa: E402
from bot.core.refs import RoomRef  # noqa: E402
from bot.core.reply import Reply  # noqa: E402
from bot.scheduling import SystemClock  # noqa: E402
from bot.storage.db import Database  # noqa: E402
from fakes.synapse import Synapse  # noqa: E402


async def main(members: int, commands: int, start_runs: int) -> None:
    logging.basicConfig(level=logging.WARNING)
    work = Path(tempfile.mkdtemp(prefix="passerelle-bench-"))
    synapse = Synapse(work / "synapse")
    synapse.start()
    try:
        await run(synapse, work, max(members, BURST_MEMBERS), commands, start_runs)
    finally:
        synapse.stop()
        shutil.rmtree(work, ignore_errors=True)


def client_for(synapse: Synapse, user: object) -> AsyncClient:
    client = AsyncClient(synapse.url, user.user_id)  # type: ignore[attr-defined]
    client.restore_login(user.user_id, user.device_id, user.access_token)  # type: ignore[attr-defined]
    return client


async def run(synapse: Synapse, work: Path, members: int, commands: int, start_runs: int) -> None:
    bot_user = synapse.register("bot")
    floor_user = synapse.register("floor")
    owner_user = synapse.register("owner")
    owner = client_for(synapse, owner_user)
    invite = [bot_user.user_id, floor_user.user_id]
    room_id = (await owner.room_create(name="Bench", invite=invite)).room_id
    clients = []
    for i in range(members):
        user = synapse.register(f"member{i}")
        client = client_for(synapse, user)
        await owner.room_invite(room_id, user.user_id)
        await client.join(room_id)
        clients.append(client)
    await owner.sync(timeout=0, full_state=True)
    observer = Observer(owner)
    background = [asyncio.create_task(observer.run())]
    background += [asyncio.create_task(keep_syncing(c)) for c in clients]

    # The floor: a bare nio bot, alone in the room.
    floor_client = client_for(synapse, floor_user)
    floor_ready = asyncio.Event()
    floor_task = asyncio.create_task(echo_bot(floor_client, floor_ready))
    await asyncio.wait_for(floor_ready.wait(), 60)
    timers: list[asyncio.Task[None]] = []

    async def floor_remind(text: str, due: datetime) -> None:
        async def later() -> None:
            await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
            content = {"msgtype": "m.text", "body": text}
            await floor_client.room_send(room_id, "m.room.message", content)

        timers.append(asyncio.create_task(later()))

    floor = await legs(Figures("floor"), clients, room_id, observer, floor_remind)
    floor_task.cancel()
    await asyncio.gather(floor_task, *timers, return_exceptions=True)
    await floor_client.close()

    db_url = f"sqlite+aiosqlite:///{work / 'bot.db'}"
    settings = load_settings(None)
    settings.database.url = db_url
    settings.matrix = MatrixSection(
        enabled=True,
        homeserver=synapse.url,
        user_id=bot_user.user_id,
        access_token=bot_user.access_token,
        device_id=bot_user.device_id,
        store_path=str(work / "bot-store"),
        rooms=[room_id],
        encryption=False,
    )
    db = Database(db_url)
    await ensure_schema(db, auto_migrate=True)
    adapter = MatrixAdapter(settings.matrix)
    core = build_core(
        settings, db, SystemClock(), cogs=[BenchCog], adapters=[adapter], scheduler=True
    )
    await start_core(core)
    room = RoomRef("matrix", room_id)

    async def outbox_remind(text: str, due: datetime) -> None:
        await core.outbox.enqueue(f"bench:{text}", due, reply=Reply(text=text), room=room)

    bot = await legs(Figures("passerelle"), clients, room_id, observer, outbox_remind)
    compare(floor, bot)
    print()
    await bot_share(adapter, clients, room_id, observer, commands)

    await adapter.stop()
    await core.stop()
    if core.scheduler is not None:
        core.scheduler.shutdown()
    await db.dispose()
    for task in background:
        task.cancel()
    await asyncio.gather(*background, return_exceptions=True)
    for client in clients:
        await client.close()
    if start_runs:
        print()
        await start_and_rss(synapse, work, owner, room_id, bot_user, floor_user, start_runs)
    await owner.close()


async def bot_share(
    adapter: MatrixAdapter,
    clients: list[AsyncClient],
    room_id: str,
    observer: Observer,
    commands: int,
) -> None:
    """The earlier legs of this benchmark, kept: all members, plain-message baseline, the
    bot's share of the latency measured inside the adapter."""
    members = len(clients)
    per_member = max(1, commands // members)
    idle_base = await member_loop(clients[0], room_id, 20, observer, command=False)
    adapter.timings = []
    idle = await member_loop(clients[0], room_id, 20, observer, command=True)
    idle_inside = [t.handled_at - t.synced_at for t in adapter.timings]
    base = await asyncio.gather(
        *(member_loop(c, room_id, per_member, observer, command=False) for c in clients)
    )
    baseline = [x for xs in base for x in xs]
    adapter.timings = []
    started = time.perf_counter()
    results = await asyncio.gather(
        *(member_loop(c, room_id, per_member, observer, command=True) for c in clients)
    )
    elapsed = time.perf_counter() - started
    latencies = [x for xs in results for x in xs]
    inside = [t.handled_at - t.synced_at for t in adapter.timings]
    reply_send = [t.sent_at - t.handled_at for t in adapter.timings]

    print(f"Matrix round trip: {len(latencies)} commands from {members} members ")
    print(f"  (each member waits for its reply before the next; {elapsed:.1f} s in all,")
    print(f"  {len(latencies) / elapsed:.1f} commands/s)")
    print(
        f"  command → reply seen   p50 {pct(latencies, 50) * MS:7.1f} ms   "
        f"p99 {pct(latencies, 99) * MS:7.1f} ms"
    )
    print(
        f"  baseline message seen  p50 {pct(baseline, 50) * MS:7.1f} ms   "
        f"p99 {pct(baseline, 99) * MS:7.1f} ms   (plain message, no bot)"
    )
    print(
        f"  inside the bot         p50 {pct(inside, 50) * MS:7.1f} ms   "
        f"p99 {pct(inside, 99) * MS:7.1f} ms   (sync received → reply ready)"
    )
    print(
        f"  reply send (HTTP)      p50 {pct(reply_send, 50) * MS:7.1f} ms   "
        f"p99 {pct(reply_send, 99) * MS:7.1f} ms"
    )
    print(
        f"  one member alone (20): command p50 {pct(idle, 50) * MS:.1f} ms, plain message p50 "
        f"{pct(idle_base, 50) * MS:.1f} ms, inside the bot p50 {pct(idle_inside, 50) * MS:.1f} ms"
    )
    share = statistics.fmean(inside) / statistics.fmean(latencies)
    print(f"  bot's share of the command latency: {share * 100:.0f} % (homeserver: the rest)")
    print(f"  ratio command p50 / baseline p50: {pct(latencies, 50) / pct(baseline, 50):.2f}")


async def start_and_rss(
    synapse: Synapse,
    work: Path,
    owner: AsyncClient,
    room_id: str,
    bot_user: object,
    floor_user: object,
    runs: int,
) -> None:
    """`passerelle run` and the floor bot as processes: start → first answer, idle RSS (a
    new member, who has not synced the benchmark's thousand events, sends the commands)."""
    starter_user = synapse.register("starter")
    starter = client_for(synapse, starter_user)
    await owner.room_invite(room_id, starter_user.user_id)
    await starter.join(room_id)
    world = MatrixWorld(synapse, bot_user, starter, room_id)
    floor = floor_matrix(MatrixWorld(synapse, floor_user, starter, room_id))
    config = matrix_config(work, world)
    floor_leg = await Leg("floor", floor, "ready", world.probe("!ping")).run(runs, 3.0, work)
    bot_leg = Leg("passerelle", passerelle(config, None), "Passerelle ready")
    bot_leg.probe = world.probe("!timezone Mars/Olympus")
    await bot_leg.run(runs, 3.0, work)
    med = statistics.median
    f_first, b_first = med(floor_leg.firsts), med(bot_leg.firsts)
    f_rss, b_rss = med(floor_leg.rsses), med(bot_leg.rsses)
    print(f"Start and footprint as processes (median of {runs}; RSS after 3 s idle):")
    print(
        f"  start → first answer: floor bot {f_first:.2f} s, Passerelle {b_first:.2f} s "
        f"({b_first / f_first:.2f}×; goal < 0.8 s)"
    )
    print(
        f"  idle RSS: floor bot {f_rss:.1f} MB, Passerelle {b_rss:.1f} MB "
        f"({b_rss - f_rss:+.1f} MB; goal ≤ +20 MiB)"
    )
    await starter.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--commands", type=int, default=200)
    parser.add_argument(
        "--start-runs", type=int, default=3, help="process starts per bot (0: skip that leg)"
    )
    args = parser.parse_args()
    asyncio.run(main(args.members, args.commands, args.start_runs))
