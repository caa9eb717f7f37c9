"""Command-to-reply latency on Matrix against a local Synapse, and the bot's share of it.

    .venv/bin/python bench/matrix_roundtrip.py [--members 20] [--commands 200]

Starts a private Synapse on 127.0.0.1 (the test suite's fixture, venv cached in .cache/), a bot
(core + MatrixAdapter on SQLite) and N member accounts. Each member types its commands one
after the other (the next once the reply is seen), all members at once. An observer client
times when each reply appears.

Baseline, same run: a plain message's send-to-seen time (one homeserver round trip, no bot).
The bot's share: from the sync response carrying the command to the reply being ready (core
dispatch, database, rendering), measured inside the adapter.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nio import AsyncClient, SyncResponse  # noqa: E402

from bench._common import BenchCog  # noqa: E402
from bot.adapters.matrix import MatrixAdapter  # noqa: E402
from bot.app import build_core, ensure_schema, start_core  # noqa: E402
from bot.config import MatrixSection, load_settings  # noqa: E402
from bot.scheduling import SystemClock  # noqa: E402
from bot.storage.db import Database  # noqa: E402
from fakes.synapse import Synapse  # noqa: E402


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Observer:
    """Records when each event (and each reply, by the event it answers) becomes visible."""

    FILTER = {"room": {"timeline": {"limit": 1000}}}

    def __init__(self, client: AsyncClient) -> None:
        self.client = client
        self.seen: dict[str, float] = {}
        self.replies: dict[str, float] = {}
        self.changed = asyncio.Condition()

    async def run(self) -> None:
        while True:
            # A large timeline limit: with the default (10), bursts come back `limited`.
            resp = await self.client.sync(timeout=5000, sync_filter=self.FILTER)
            now = time.perf_counter()
            if not isinstance(resp, SyncResponse):
                continue
            async with self.changed:
                for info in resp.rooms.join.values():
                    for event in info.timeline.events:
                        self.seen[event.event_id] = now
                        relates = event.source.get("content", {}).get("m.relates_to") or {}
                        target = (relates.get("m.in_reply_to") or {}).get("event_id")
                        if target:
                            self.replies[target] = now
                self.changed.notify_all()

    async def wait(self, table: dict[str, float], key: str) -> float:
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(lambda: key in table), 60)
            return table[key]


async def member_loop(
    client: AsyncClient, room_id: str, count: int, observer: Observer, *, command: bool
) -> list[float]:
    latencies = []
    for i in range(count):
        body = "!bench ping" if command else f"bonjour {i}"
        started = time.perf_counter()
        resp = await client.room_send(
            room_id, "m.room.message", {"msgtype": "m.text", "body": body}
        )
        table = observer.replies if command else observer.seen
        seen = await observer.wait(table, resp.event_id)
        latencies.append(seen - started)
    return latencies


async def main(members: int, commands: int) -> None:
    logging.basicConfig(level=logging.WARNING)
    work = Path(tempfile.mkdtemp(prefix="passerelle-bench-"))
    synapse = Synapse(work / "synapse")
    synapse.start()
    try:
        await run(synapse, work, members, commands)
    finally:
        synapse.stop()
        shutil.rmtree(work, ignore_errors=True)


async def run(synapse: Synapse, work: Path, members: int, commands: int) -> None:
    bot_user = synapse.register("bot")
    owner_user = synapse.register("owner")
    owner = AsyncClient(synapse.url, owner_user.user_id)
    owner.restore_login(owner_user.user_id, owner_user.device_id, owner_user.access_token)
    room_id = (await owner.room_create(name="Bench", invite=[bot_user.user_id])).room_id
    clients = []
    for i in range(members):
        user = synapse.register(f"member{i}")
        client = AsyncClient(synapse.url, user.user_id)
        client.restore_login(user.user_id, user.device_id, user.access_token)
        await owner.room_invite(room_id, user.user_id)
        await client.join(room_id)
        clients.append(client)
    await owner.sync(timeout=0, full_state=True)
    observer = Observer(owner)
    observing = asyncio.create_task(observer.run())

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
    core = build_core(settings, db, SystemClock(), cogs=[BenchCog], adapters=[adapter])
    await start_core(core)
    per_member = max(1, commands // members)

    # Warm-up (member rows, first queries), not measured.
    await member_loop(clients[0], room_id, 3, observer, command=True)

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

    ms = 1000
    print(f"Matrix round trip: {len(latencies)} commands from {members} members ")
    print(f"  (each member waits for its reply before the next; {elapsed:.1f} s in all,")
    print(f"  {len(latencies) / elapsed:.1f} commands/s)")
    print(
        f"  command → reply seen   p50 {pct(latencies, 50) * ms:7.1f} ms   "
        f"p99 {pct(latencies, 99) * ms:7.1f} ms"
    )
    print(
        f"  baseline message seen  p50 {pct(baseline, 50) * ms:7.1f} ms   "
        f"p99 {pct(baseline, 99) * ms:7.1f} ms   (plain message, no bot)"
    )
    print(
        f"  inside the bot         p50 {pct(inside, 50) * ms:7.1f} ms   "
        f"p99 {pct(inside, 99) * ms:7.1f} ms   (sync received → reply ready)"
    )
    print(
        f"  reply send (HTTP)      p50 {pct(reply_send, 50) * ms:7.1f} ms   "
        f"p99 {pct(reply_send, 99) * ms:7.1f} ms"
    )
    print(
        f"  one member alone (20): command p50 {pct(idle, 50) * ms:.1f} ms, plain message p50 "
        f"{pct(idle_base, 50) * ms:.1f} ms, inside the bot p50 {pct(idle_inside, 50) * ms:.1f} ms"
    )
    share = statistics.fmean(inside) / statistics.fmean(latencies)
    print(f"  bot's share of the command latency: {share * 100:.0f} % (homeserver: the rest)")
    print(f"  ratio command p50 / baseline p50: {pct(latencies, 50) / pct(baseline, 50):.2f}")

    await adapter.stop()
    await core.stop()
    await db.dispose()
    observing.cancel()
    for client in [owner, *clients]:
        await client.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--commands", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(main(args.members, args.commands))
