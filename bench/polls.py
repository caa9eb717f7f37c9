"""Poll benchmark: 1,000 members vote on one poll within one second, on SQLite and PostgreSQL.

For each database, in the same run:
- bare: a loop of single-row upserts (one transaction each) into a scratch table — the floor
  cost of one durable write on that database;
- vote path, sequential: ``PollService.vote`` for 1,000 members one after the other,
  interleaved with the bare loop (one of each per member) so both see the same machine load;
- vote path, burst: 1,000 members start voting spread evenly over one second (concurrent
  tasks); every ballot must be recorded and the tally exact;
- command path, sequential: ``poll vote`` through the core's dispatch (member lookup,
  permission, language, service, reply) as a button click arrives.
Then: rendering a 12-choice bar chart (PNG), and the whole results reply.

    .venv/bin/python bench/polls.py [--members 1000] [--postgres URL]

PostgreSQL runs when ``--postgres`` or ``PASSERELLE_TEST_DATABASE_URL`` gives a server URL
(a scratch database is created and dropped).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bot.adapters.memory import MemoryAdapter  # noqa: E402
from bot.app import build_core, ensure_schema, start_core  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.core.refs import Actor, MemberRef, Role, RoomRef  # noqa: E402
from bot.scheduling import SystemClock  # noqa: E402
from bot.storage.db import Database, normalize_url  # noqa: E402
from cogs.poll import charts  # noqa: E402
from cogs.poll.service import PollDraft, Voter  # noqa: E402

CHOICES = " | ".join(f"Dispositif n° {i} — aide à l'innovation" for i in range(1, 13))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def line(name: str, count: int, total: float, latencies: list[float]) -> float:
    rate = count / total
    print(
        f"  {name:<26} {rate:8.0f}/s  p50 {pct(latencies, 0.5) * 1e3:7.2f} ms  "
        f"p99 {pct(latencies, 0.99) * 1e3:7.2f} ms  (total {total:5.2f} s)"
    )
    return rate


async def timed(coro_factory, count: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    start = time.perf_counter()
    for i in range(count):
        t0 = time.perf_counter()
        await coro_factory(i)
        latencies.append(time.perf_counter() - t0)
    return time.perf_counter() - start, latencies


async def run(url: str, label: str, members: int) -> None:
    db = Database(url)
    await ensure_schema(db, auto_migrate=True)
    settings = load_settings(None, cogs={"poll": {"ballot_secret": "bench-secret-0123456789"}})
    settings.database.url = url
    adapter = MemoryAdapter("bench")
    adapter.population = members
    core = build_core(settings, db, SystemClock(), cogs=["poll"], adapters=[adapter])
    cog = core.cogs["poll"]
    await start_core(core)
    service = cog.service  # type: ignore[attr-defined]
    room = RoomRef("bench", "general")
    ids = [
        (await core.members.resolve(MemberRef("bench", f"m{i}", f"Membre {i}"))).id
        for i in range(members * 2)
    ]
    async with db.session() as s:
        await s.exec(text("CREATE TABLE bench_upsert (k VARCHAR(64) PRIMARY KEY, v TEXT)"))  # type: ignore[call-overload]
    print(f"{label}: {members} members")

    async def bare(i: int) -> None:
        async with db.session() as s:
            await s.exec(  # type: ignore[call-overload]
                text(
                    "INSERT INTO bench_upsert (k, v) VALUES (:k, :v) "
                    "ON CONFLICT (k) DO UPDATE SET v = excluded.v"
                ),
                params={"k": f"m:{i}", "v": "[3]"},
            )

    # Warm up both paths (connections, statement caches).
    warm = await service.create(ids[0], room, PollDraft("Échauffement ?", choices="A | B"))
    for i in range(20):
        await bare(i)
        await service.vote(warm.id, Voter(ids[i]), choice="A")

    # Bare and vote path interleaved, one of each per member: both see the same machine load.
    poll = await service.create(ids[0], room, PollDraft("Quels dispositifs ?", choices=CHOICES))
    bare_lat: list[float] = []
    vote_lat: list[float] = []
    for i in range(members):
        t0 = time.perf_counter()
        await bare(i)
        t1 = time.perf_counter()
        await service.vote(poll.id, Voter(ids[i]), choice=str(1 + i % 12))
        bare_lat.append(t1 - t0)
        vote_lat.append(time.perf_counter() - t1)
    bare_rate = line("bare upsert loop", members, sum(bare_lat), bare_lat)
    seq_rate = line("vote path, sequential", members, sum(vote_lat), vote_lat)

    burst = await service.create(ids[0], room, PollDraft("Et maintenant ?", choices=CHOICES))
    burst_lat: list[float] = [0.0] * members

    async def one(i: int) -> None:
        await asyncio.sleep(i / members)  # arrivals spread over one second
        t0 = time.perf_counter()
        await service.vote(burst.id, Voter(ids[members + i]), choice=str(1 + i % 12))
        burst_lat[i] = time.perf_counter() - t0

    start = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(members)))
    burst_total = time.perf_counter() - start
    line("vote path, 1 s burst", members, burst_total, burst_lat)
    tally = await service.tally(await service.get(burst.id))
    expected = [members // 12 + (1 if i < members % 12 else 0) for i in range(12)]
    exact = tally.voters == members and [c for _, c in tally.counts] == expected
    print(f"  burst: {tally.voters} ballots recorded, tally exact: {exact}")

    cmd = await service.create(ids[0], room, PollDraft("Par commande ?", choices=CHOICES))
    actors = [
        Actor(MemberRef("bench", f"m{i}", f"Membre {i}"), frozenset({Role.MEMBER}))
        for i in range(members)
    ]
    total, lat = await timed(
        lambda i: core.invoke(
            actors[i], room, "poll vote", {"poll": cmd.id, "choice": str(1 + i % 12)}
        ),
        members,
    )
    line("command path, sequential", members, total, lat)
    print(f"  ratio vote path / bare    : {seq_rate / bare_rate:5.2f} (sequential)")
    print(f"  ratio burst / bare        : {members / burst_total / bare_rate:5.2f}")
    print("  (the burst cannot beat 1,000/s: its arrivals are spread over one second)")

    t = core.i18n.translator("fr")
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        await cog.results_reply(await service.get(poll.id), t)  # type: ignore[attr-defined]
        times.append(time.perf_counter() - t0)
    print(
        f"  results reply (tally of {members} + text + PNG): "
        f"median {statistics.median(times) * 1e3:.1f} ms"
    )
    await core.live.flush()
    await core.stop()
    await db.dispose()


def chart() -> None:
    rows = [
        (f"Dispositif n° {i} — aide à l'innovation", float(i * 7 % 23), f"{i * 7 % 23} (9 %)")
        for i in range(1, 13)
    ]
    charts.bars("Question ?", "warm-up", rows)
    times = []
    for _ in range(50):
        t0 = time.perf_counter()
        charts.bars(
            "De quels dispositifs de soutien avez-vous connaissance ?",
            "choix multiples · Participation : 50 / 71 (70 %)",
            rows,
        )
        times.append(time.perf_counter() - t0)
    print(
        f"12-choice bar chart (PNG, 800 px): median {statistics.median(times) * 1e3:.1f} ms, "
        f"max {max(times) * 1e3:.1f} ms over 50 renders (goal < 50 ms)"
    )


async def postgres_run(base: str, members: int) -> None:
    base = normalize_url(base)
    name = f"passerelle_bench_{uuid.uuid4().hex[:8]}"

    async def admin(statement: str) -> None:
        db = Database(base)
        try:
            async with db.engine.execution_options(isolation_level="AUTOCOMMIT").connect() as c:
                await c.execute(text(statement))
        finally:
            await db.dispose()

    await admin(f'CREATE DATABASE "{name}"')
    try:
        url = make_url(base).set(database=name).render_as_string(hide_password=False)
        await run(url, "PostgreSQL", members)
    finally:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--postgres", default=os.environ.get("PASSERELLE_TEST_DATABASE_URL"))
    args = parser.parse_args()
    chart()
    with tempfile.TemporaryDirectory() as tmp:
        await run(f"sqlite+aiosqlite:///{tmp}/bench.db", "SQLite", args.members)
    if args.postgres:
        await postgres_run(args.postgres, args.members)
    else:
        print("PostgreSQL: skipped (give --postgres URL)")


if __name__ == "__main__":
    asyncio.run(main())
