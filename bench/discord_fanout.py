"""Discord adapter benchmark, against the fake Discord on 127.0.0.1 (unmodified discord.py).

1. Reminder fan-out: N outbox DMs (default 2,000 members) through the DiscordAdapter while the
   fake server enforces Discord's global limit (50 requests/s, 429 + retry_after beyond it).
   Each first DM costs two requests (open the DM channel, post the message), so the bound is
   ``requests / 50`` seconds. Goal: total time ≤ 1.10 × the bound, zero duplicates, zero lost.
2. Interaction latency: 200 members vote at once (``poll vote`` slash command, real poll cog);
   INTERACTION_CREATE sent → interaction callback received, p50 / p99; baseline in the same
   run: the same burst on an unknown button (adapter + core's "expired" path, no cog work).

    .venv/bin/python bench/discord_fanout.py [--members 2000] [--rate 50] [--users 200]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import BenchCog, deliver_all  # noqa: E402
from bot.app import build_core, ensure_schema, start_core  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.core.core import Core  # noqa: E402
from bot.core.refs import (  # noqa: E402
    Actor,
    MemberRef,
    RoomRef,
)
from bot.scheduling import SystemClock  # noqa: E402
from bot.storage.db import Database  # noqa: E402
from fakes.discord import FakeDiscord  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def start_bot(
    fake: FakeDiscord, workdir: Path, concurrency: int, url: str | None, global_rate: float
):
    from bot.adapters.discord import DiscordAdapter

    url = url or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    settings = load_settings(
        None,
        discord={
            "enabled": True,
            "token": "bench",
            "guild_id": str(fake.guild_id),
            "api_base": fake.api_base,
            "gateway_url": fake.gateway_url,
            "guild_ready_timeout": 0.05,
            "sync_state": str(workdir / "state.json"),
            "global_rate": global_rate,
        },
        outbox={"concurrency": concurrency, "batch_size": 500},
    )
    settings.database.url = url
    db = Database(url)
    await ensure_schema(db, auto_migrate=True)
    adapter = DiscordAdapter(settings.discord)
    core = build_core(settings, db, SystemClock(), cogs=[BenchCog, "poll"], adapters=[adapter])
    await start_core(core)
    return core, adapter, db


async def fanout(fake: FakeDiscord, core: Core, members: int, rate: float) -> dict[str, float]:
    uids = [uid for uid, m in fake.members.items() if m["user"]["username"].startswith("m")]
    uids = uids[:members]
    items = []
    for uid in uids:
        member = await core.members.resolve(MemberRef("discord", str(uid), str(uid)))
        items.append(
            dict(
                key=f"cafe:1:15m:{member.id}",
                due_at=core.clock.now(),
                kind="bench.dm",
                data={"what": "café de jeudi"},
                member_id=member.id,
            )
        )
    await core.outbox.enqueue_many(items)
    before = len(fake.requests)
    fake.rate_limit = rate
    started = time.perf_counter()
    await deliver_all(core)
    elapsed = time.perf_counter() - started
    fake.rate_limit = None
    requests = len(fake.requests) - before
    counts = Counter(uid for uid in uids for _ in fake.dms(uid))
    duplicates = sum(c - 1 for c in counts.values() if c > 1)
    lost = sum(1 for uid in uids if not fake.dms(uid))
    bound = requests / rate
    return {
        "members": len(uids),
        "requests": requests,
        "seconds": elapsed,
        "bound": bound,
        "ratio": elapsed / bound,
        "duplicates": duplicates,
        "lost": lost,
        "ratelimited": fake.ratelimited,
    }


async def burst(fake: FakeDiscord, users: int, *, expired: bool) -> list[float]:
    uids = list(fake.members)[:users]

    async def one(i: int, uid: int) -> float:
        if expired:
            # A button left by an older bot: answered "expired" without touching the cogs.
            iid = await fake.raw_interaction(
                uid, 3, {"custom_id": "old-bot:vote:1", "component_type": 2}
            )
        else:
            iid = await fake.command(uid, "poll vote", poll=1, choice=str(i % 8 + 1))
        await fake.answer(iid, wait=30)
        record = fake.interactions[iid]
        assert record.answered is not None, "no callback"
        return (record.answered - record.created) * 1000

    return list(await asyncio.gather(*(one(i, u) for i, u in enumerate(uids))))


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument(
        "--global-rate", type=float, default=48.0, help="adapter pacing (0: only 429s)"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    fake = FakeDiscord(member_count=0)
    for i in range(max(args.members, args.users)):
        fake.add_member(f"m{i}")
    await fake.start()
    with tempfile.TemporaryDirectory() as tmp:
        core, adapter, db = await start_bot(
            fake, Path(tmp), args.concurrency, args.database_url, args.global_rate
        )
        print(f"Database: {db.dialect}")
        try:
            await burst(fake, args.users, expired=True)  # warm-up: members created here
            base = await burst(fake, args.users, expired=True)
            opened = await fake.command(
                next(iter(fake.members)),
                "poll create",
                question="Quelle date ?",
                kind="single",
                choices="A | B | C | D | E | F | G | H",
            )
            await fake.answer(opened, wait=30)
            votes = await burst(fake, args.users, expired=False)
            tally = await core.invoke(
                Actor(MemberRef("discord", str(next(iter(fake.members))))),
                RoomRef("discord", str(fake.channel_id)),
                "poll results",
                {"poll": 1},
            )
            # (French typography: a narrow no-break space before the colon)
            plain = tally.text.replace("\u202f", " ").replace("\u00a0", " ")
            assert f"Participation : {args.users} " in plain, tally.text
            print(f"Interaction → callback, {args.users} concurrent users:")
            print(
                f"  poll vote       p50 {statistics.median(votes):7.1f} ms"
                f"   p99 {pct(votes, 0.99):7.1f} ms"
            )
            print(
                f"  expired button  p50 {statistics.median(base):7.1f} ms"
                f"   p99 {pct(base, 0.99):7.1f} ms   (baseline)"
            )
            print(
                f"  ratio p50 {statistics.median(votes) / statistics.median(base):.2f}×"
                f"   p99 {pct(votes, 0.99) / pct(base, 0.99):.2f}×"
            )
            result = await fanout(fake, core, args.members, args.rate)
            print(
                f"Fan-out: {result['members']} DMs, {result['requests']} requests at "
                f"{args.rate:g}/s (outbox concurrency {args.concurrency}, "
                f"adapter pacing {args.global_rate:g}/s)"
            )
            print(
                f"  {result['seconds']:.1f} s vs bound {result['bound']:.1f} s → "
                f"{result['ratio']:.3f}× (goal ≤ 1.10×); duplicates {result['duplicates']}, "
                f"lost {result['lost']}, 429s {result['ratelimited']}"
            )
        finally:
            await adapter.stop()
            await core.stop()
            await db.dispose()
            await fake.stop()


if __name__ == "__main__":
    asyncio.run(main())
