"""Onboarding benchmark: a wave of joins, welcome DMs under a platform rate limit, and the
directory search on a large community.

1. Join wave: N members (default 5,000) join at once. Each join resolves the member and emits
   ``MemberJoined``; the onboarding cog queues a welcome DM and two nudges through the outbox.
   The outbox sender runs at the same time and delivers into a recording adapter that enforces
   a platform limit (default 50 sends/s, sliding one-second window, like Discord's DM bucket).
   Checked: every member got exactly one welcome DM, no send window exceeded the limit, 2×N
   nudges are pending. Figures: joins/s, time to deliver all vs. the bound N / rate.
   Baseline in the same run: resolving N other members without the onboarding cog's work.
2. Directory: M members (default 50,000, ~70 % visible, 3 interests each) inserted directly;
   ``members find`` with random filters through the full dispatch path, p50/p95.
   Baseline in the same run: a primary-key member read (``core.members.get``).

    .venv/bin/python bench/onboarding.py [--members 5000] [--rate 50] [--directory 50000]
                                         [--db postgresql+asyncpg://…]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, text  # noqa: E402
from sqlmodel import select  # noqa: E402

from bot.adapters.memory import MemoryAdapter  # noqa: E402
from bot.app import build_core, ensure_schema, start_core  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.core.core import Core  # noqa: E402
from bot.core.events import MemberJoined  # noqa: E402
from bot.core.refs import MemberRef  # noqa: E402
from bot.core.text import fold_key  # noqa: E402
from bot.scheduling import SystemClock  # noqa: E402
from bot.storage.db import Database  # noqa: E402
from bot.storage.models import Member, OutboxMessage  # noqa: E402
from cogs.onboarding.models import OnboardingInterest, OnboardingProfile  # noqa: E402

REGIONS = ["Bretagne", "Île-de-France", "Occitanie", "Québec", "Belgique", "Grand Est", "Corse"]
METIERS = ["Médiation", "Programmation", "Production", "Communication", "Technique"]
TAGS = [
    "médiation",
    "jeune public",
    "numérique",
    "radio",
    "danse",
    "lecture publique",
    "théâtre",
    "festival",
    "accessibilité",
    "écologie",
    "patrimoine",
    "musique",
]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class RecordingAdapter(MemoryAdapter):
    """The in-memory adapter enforcing ``rate`` sends per second (sliding one-second window),
    recording send times. ``wait``: a send waits for a free slot, as discord.py does with its
    rate-limit buckets; ``reject``: it raises RateLimited and the outbox retries the row."""

    def __init__(self, rate: float, mode: str = "wait") -> None:
        super().__init__("bench")
        self.mode = mode
        self.rate = rate
        self.rate_limit = rate if mode == "reject" else None
        self.times: list[float] = []
        self._slots: list[float] = []

    async def _slot(self) -> None:
        while True:
            now = time.monotonic()
            self._slots = [t for t in self._slots if now - t < 1.0]
            if len(self._slots) < self.rate:
                self._slots.append(now)
                self.times.append(now)  # the limiter's own clock: what the limit is about
                return
            await asyncio.sleep(1.0 - (now - self._slots[0]) + 0.0005)

    async def send_direct(self, member: MemberRef, reply: Any, *, key: str | None = None) -> Any:
        if self.mode == "wait" and (key is None or key not in self._by_key):
            await self._slot()
        return await super().send_direct(member, reply, key=key)

    def _check_limits(self) -> None:
        super()._check_limits()
        if self.mode == "reject":
            self.times.append(self._window[-1])


def max_in_window(times: list[float], window: float = 1.0) -> int:
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


async def fresh_db(url: str | None, tmp: str, name: str) -> Database:
    if url is None:
        db = Database(f"sqlite+aiosqlite:///{tmp}/{name}.db")
    else:
        db = Database(url)
        async with db.engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    await ensure_schema(db, auto_migrate=True)
    return db


async def make_core(
    db: Database, rate: float | None, mode: str = "wait"
) -> tuple[Core, RecordingAdapter]:
    settings = load_settings(None, cogs={"onboarding": {"nudges": ["2d", "7d"]}})
    settings.database.url = db.url
    adapter = RecordingAdapter(rate or 1e9, mode)
    core = build_core(settings, db, SystemClock(), cogs=["onboarding"], adapters=[adapter])
    await start_core(core)
    return core, adapter


async def join_wave(
    url: str | None, tmp: str, members: int, rate: float, concurrency: int, mode: str
) -> None:
    db = await fresh_db(url, tmp, "wave")
    core, adapter = await make_core(db, rate, mode)
    try:
        # Baseline: resolving as many other members, nothing else.
        t0 = time.perf_counter()
        for start in range(0, members, concurrency):
            await asyncio.gather(
                *(
                    core.members.resolve(MemberRef("bench", f"base{i}", f"base{i}"))
                    for i in range(start, min(members, start + concurrency))
                )
            )
        baseline = time.perf_counter() - t0

        async def join(i: int) -> None:
            ref = MemberRef("bench", f"new{i}", f"new{i}")
            member = await core.members.resolve(ref)
            await core.events.emit(MemberJoined(member.id, ref))

        t0 = time.perf_counter()
        core.outbox.start()  # the bot's own sender: woken when rows come due, no polling
        for start in range(0, members, concurrency):
            await asyncio.gather(
                *(join(i) for i in range(start, min(members, start + concurrency)))
            )
        joined = time.perf_counter() - t0
        while sum(1 for s in adapter.sent if s.kind == "dm") < members:
            await asyncio.sleep(0.05)
            if time.perf_counter() - t0 > members / rate * 5 + 120:
                break
        delivered = time.perf_counter() - t0

        async def stamped() -> int:
            async with db.session() as s:
                return (
                    await s.exec(
                        select(func.count()).where(
                            OutboxMessage.status == "sent",
                            OutboxMessage.key.contains(":dm"),  # type: ignore[attr-defined]
                        )
                    )
                ).one()

        # Let the sender stamp its last rows before stopping it (a send done but not yet
        # stamped would be sent again after the lease, deduplicated by its key).
        for _ in range(300):
            if await stamped() >= members:
                break
            await asyncio.sleep(0.1)
        await core.outbox.stop()

        dms = [s for s in adapter.sent if s.kind == "dm"]
        per_member = Counter(s.member.id for s in dms if s.member)
        keys = Counter(s.key for s in dms)
        async with db.session() as s:
            status = dict(
                (
                    await s.exec(
                        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
                    )
                ).all()
            )
            nudges = (
                await s.exec(
                    select(func.count()).where(
                        OutboxMessage.status == "pending",
                        OutboxMessage.key.contains(":nudge:"),  # type: ignore[attr-defined]
                    )
                )
            ).one()
        bound = members / rate
        print(
            f"join wave: {members} members ({concurrency} joins at a time), "
            f"platform limit {rate:g} sends/s ({mode})"
        )
        print(f"  baseline (resolve only): {baseline:.1f} s = {members / baseline:,.0f} members/s")
        print(
            f"  joins with onboarding:   {joined:.1f} s = {members / joined:,.0f} joins/s "
            f"(x{joined / baseline:.2f} the baseline)"
        )
        print(
            f"  all welcome DMs delivered after {delivered:.1f} s; rate-limit bound "
            f"{bound:.1f} s (ratio {delivered / bound:.2f})"
        )
        print(f"  max sends in any 1 s window: {max_in_window(adapter.times)} (limit {rate:g})")
        print(
            f"  members with exactly one welcome DM: "
            f"{sum(1 for c in per_member.values() if c == 1)}/{members}; "
            f"lost {members - len(per_member)}, doubled {sum(1 for c in keys.values() if c > 1)}"
        )
        print(f"  nudges pending: {nudges} (expected {2 * members}); outbox rows: {status}")
    finally:
        await core.stop()
        await db.dispose()


async def directory(url: str | None, tmp: str, size: int, queries: int) -> None:
    db = await fresh_db(url, tmp, "directory")
    core, adapter = await make_core(db, None)
    rng = random.Random(42)
    try:
        now = core.clock.now()
        t0 = time.perf_counter()
        async with db.engine.begin() as conn:
            for start in range(0, size, 2000):
                chunk = range(start, min(size, start + 2000))
                await conn.execute(
                    insert(Member),
                    [
                        {"display_name": f"Membre {i}", "created_at": now, "last_seen_at": now}
                        for i in chunk
                    ],
                )
        async with db.session() as s:
            ids = list(await s.exec(select(Member.id).order_by(Member.id)))
        profiles, interests = [], []
        for n, member_id in enumerate(ids):
            region, metier = rng.choice(REGIONS), rng.choice(METIERS)
            tags = rng.sample(TAGS, 3)
            profiles.append(
                {
                    "member_id": member_id,
                    "organisation": f"Structure {n % 900}",
                    "metier": metier,
                    "metier_key": fold_key(metier),
                    "region": region,
                    "region_key": fold_key(region),
                    "visible": rng.random() < 0.7,
                    "welcome": False,
                    "search_key": " ".join(
                        fold_key(x)
                        for x in (f"Membre {n}", f"Structure {n % 900}", metier, region, *tags)
                    ),
                    "updated_at": now,
                }
            )
            interests += [{"member_id": member_id, "key": fold_key(t), "label": t} for t in tags]
        async with db.engine.begin() as conn:
            for start in range(0, len(profiles), 2000):
                await conn.execute(insert(OnboardingProfile), profiles[start : start + 2000])
            for start in range(0, len(interests), 2000):
                await conn.execute(insert(OnboardingInterest), interests[start : start + 2000])
        if db.dialect == "postgresql":
            async with db.engine.begin() as conn:
                await conn.execute(text("ANALYZE"))
        loaded = time.perf_counter() - t0

        actor = adapter.actor("searcher")
        await core.members.resolve(actor.ref)

        def random_filters() -> dict[str, Any]:
            kind = rng.randrange(5)
            if kind == 0:
                return {"region": rng.choice(REGIONS).lower()}
            if kind == 1:
                return {"interest": rng.choice(TAGS).upper()}
            if kind == 2:
                return {"region": rng.choice(REGIONS), "metier": rng.choice(METIERS)}
            if kind == 3:
                return {"query": f"structure {rng.randrange(900)}"}
            return {"interest": rng.choice(TAGS), "region": rng.choice(REGIONS)}

        for _ in range(10):  # warm up
            await core.invoke(actor, adapter.room, "members find", random_filters())
            await core.members.get(rng.choice(ids))
        find_times, base_times = [], []
        for _ in range(queries):
            filters = random_filters()
            t1 = time.perf_counter()
            reply = await core.invoke(actor, adapter.room, "members find", filters)
            find_times.append(time.perf_counter() - t1)
            assert reply.tone != "error", reply.text
            t1 = time.perf_counter()
            await core.members.get(rng.choice(ids))
            base_times.append(time.perf_counter() - t1)
        p50, p95 = pct(find_times, 0.5) * 1000, pct(find_times, 0.95) * 1000
        b50, b95 = pct(base_times, 0.5) * 1000, pct(base_times, 0.95) * 1000
        print(f"directory: {size:,} members loaded in {loaded:.1f} s; {queries} random searches")
        print(f"  members find (full dispatch): p50 {p50:.1f} ms, p95 {p95:.1f} ms")
        print(
            f"  baseline (member read by id): p50 {b50:.2f} ms, p95 {b95:.2f} ms "
            f"(find p95 = x{p95 / b95:.0f})"
        )
    finally:
        await core.stop()
        await db.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--directory", type=int, default=50000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--db", default=None, help="PostgreSQL URL (its schema is wiped!)")
    parser.add_argument("--skip-wave", action="store_true")
    parser.add_argument(
        "--limit-mode",
        choices=["wait", "reject"],
        default="wait",
        help="over the limit, a send waits for a slot (discord.py) or is rejected (429)",
    )
    parser.add_argument(
        "--concurrency", type=int, default=None, help="joins at a time (SQLite 1, PostgreSQL 20)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        backend = "PostgreSQL" if args.db else "SQLite"
        print(f"backend: {backend}")
        if not args.skip_wave:
            concurrency = args.concurrency or (20 if args.db else 1)
            await join_wave(args.db, tmp, args.members, args.rate, concurrency, args.limit_mode)
        if args.directory:
            await directory(args.db, tmp, args.directory, args.queries)


if __name__ == "__main__":
    asyncio.run(main())
