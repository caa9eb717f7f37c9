"""Reminder fan-out benchmark: one café reminder to N registered members through the outbox.

Legs, all through the real core outbox and the café service:
1. created/s   — ``CafeService.schedule_reminders`` for N members (outbox rows inserted);
                 baseline: a bare executemany INSERT of the same rows, same database.
2. claimed/s   — the outbox claims, renders and sends every row into a recording adapter;
                 baseline: the same number of ``send_direct`` calls with no database.
3. rate-limited — a recording adapter that enforces 50 sends/s like Discord's global limit
                 (beyond it, it answers "rate limited, retry after X"); the real sender loop
                 runs; total time against the bound N/50; duplicates and lost rows counted.
4. lateness    — reminders due at spread times (50/s for 20 s) with the real sender loop
                 running: sent time − due time, p50/p99.

    .venv/bin/python bench/reminders.py [--members 10000] [--limited 2000] [--pg URL]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from bench._common import bare_outbox_insert, member_ids_with_identities  # noqa: E402
from bot.app import build_core, ensure_schema  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.core.core import Core  # noqa: E402
from bot.core.errors import RateLimited  # noqa: E402
from bot.core.ports import Capability  # noqa: E402
from bot.core.refs import MemberRef, MessageRef, Role, RoomRef  # noqa: E402
from bot.core.reply import Reply  # noqa: E402
from bot.scheduling import SystemClock  # noqa: E402
from bot.storage.db import Database  # noqa: E402
from bot.storage.models import Member, OutboxMessage  # noqa: E402
from cogs.cafe.models import CafeRegistration  # noqa: E402

PLATFORM = "bench"


class RecordingAdapter:
    """Records every successful send with its wall time; no dedupe, so a duplicate shows.

    ``limit``: sends per second, enforced like Discord's global bucket (a 1-second window);
    beyond it, ``RateLimited(retry_after)``.
    """

    platform = PLATFORM
    capabilities = Capability.NONE

    def __init__(self, limit: float | None = None) -> None:
        self.limit = limit
        self.sent: list[tuple[str, float]] = []
        self.refused = 0
        self._window: list[float] = []

    async def start(self, core: Core) -> None:
        pass

    async def stop(self) -> None:
        pass

    def _check(self) -> None:
        if self.limit is None:
            return
        now = time.monotonic()
        while self._window and now - self._window[0] >= 1.0:
            self._window.pop(0)
        if len(self._window) >= self.limit:
            self.refused += 1
            raise RateLimited(retry_after=1.0 - (now - self._window[0]))
        self._window.append(now)

    async def send(self, room: RoomRef, reply: Reply, *, key: str | None = None) -> MessageRef:
        self._check()
        self.sent.append((key or "", time.time()))
        return MessageRef(PLATFORM, room.id, str(len(self.sent)))

    async def edit(self, message: MessageRef, reply: Reply) -> None:
        pass

    async def send_direct(
        self, member: MemberRef, reply: Reply, *, key: str | None = None
    ) -> MessageRef:
        self._check()
        self.sent.append((key or "", time.time()))
        return MessageRef(PLATFORM, "@" + member.id, str(len(self.sent)))

    async def grant_role(self, member: MemberRef, role: Role) -> None:
        pass

    def mention(self, member: MemberRef) -> str:
        return "@" + member.id

    async def room_population(self, room: RoomRef) -> int | None:
        return None


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def make_core(url: str, adapter: RecordingAdapter, *, scheduler: bool = False) -> Core:
    settings = load_settings(None)
    settings.database.url = url
    settings.cogs.enabled = ["cafe"]
    db = Database(url)
    core = build_core(
        settings, db, SystemClock(), cogs=["cafe"], adapters=[adapter], scheduler=scheduler
    )
    if core.scheduler is not None:
        core.scheduler.start()  # the legs start the outbox sender themselves
    await core.start()
    return core


async def seed(core: Core, members: int) -> tuple[list[int], int]:
    """N members with an identity, one café occurrence 1 h from now, all registered."""
    now = datetime.now(UTC)
    async with core.db.session() as s:
        await s.exec(  # type: ignore[call-overload]
            insert(Member),
            params=[
                {"display_name": f"m{i}", "created_at": now, "last_seen_at": now}
                for i in range(members)
            ],
        )
    ids = await member_ids_with_identities(core, PLATFORM, now)
    service = core.cogs["cafe"].service  # type: ignore[attr-defined]
    local = (now + timedelta(days=1)).astimezone(UTC)
    created = await service.create_series(
        creator=ids[0],
        room=RoomRef(PLATFORM, "general"),
        title="Bench",
        schedule=local.strftime("%Y-%m-%d %H:%M"),
        timezone="UTC",
        reminders="15m",
    )
    occ = created.first
    async with core.db.session() as s:
        await s.exec(  # type: ignore[call-overload]
            insert(CafeRegistration),
            params=[
                {
                    "occurrence_id": occ.id,
                    "member_id": m,
                    "status": "registered",
                    "created_at": now,
                }
                for m in ids
            ],
        )
    return ids, occ.id


async def shift_due(core: Core, when: datetime) -> None:
    """Make every pending reminder due at ``when`` (the bench cannot wait a day)."""
    async with core.db.session() as s:
        await s.exec(  # type: ignore[call-overload]
            OutboxMessage.__table__.update()  # type: ignore[attr-defined]
            .where(OutboxMessage.__table__.c.key.like("cafe:%"))  # type: ignore[attr-defined]
            .values(due_at=when, next_try_at=when)
        )


async def delete_outbox(core: Core) -> None:
    async with core.db.session() as s:
        await s.exec(text("DELETE FROM core_outbox"))  # type: ignore[call-overload]


async def leg_throughput(url: str, members: int) -> dict[str, float]:
    adapter = RecordingAdapter()
    core = await make_core(url, adapter)
    ids, occ_id = await seed(core, members)
    service = core.cogs["cafe"].service  # type: ignore[attr-defined]
    occ = (await service._load([occ_id], None))[0]

    # Baseline: a bare INSERT of the same rows.
    base_insert = await bare_outbox_insert(core, ids, "cafe.reminder", PLATFORM)
    await service.materialize()

    t0 = time.perf_counter()
    created = await service.schedule_reminders(occ, ids)
    create_time = time.perf_counter() - t0
    assert created == members, created
    due = datetime.now(UTC)
    await shift_due(core, due)

    t0 = time.perf_counter()
    report = await core.outbox.deliver_due()
    send_time = time.perf_counter() - t0
    keys = Counter(k for k, _ in adapter.sent if k.startswith("cafe:"))
    lateness = [at - due.timestamp() for k, at in adapter.sent if k.startswith("cafe:")]

    # Baseline: the adapter alone.
    bare = RecordingAdapter()
    ref = MemberRef(PLATFORM, "x", "x")
    t0 = time.perf_counter()
    for i in range(members):
        await bare.send_direct(ref, Reply(text="x"), key=str(i))
    bare_time = time.perf_counter() - t0

    await core.stop()
    await core.db.dispose()
    return {
        "created_per_s": members / create_time,
        "base_insert_per_s": members / base_insert,
        "claimed_per_s": members / send_time,
        "bare_send_per_s": members / bare_time,
        "sent": report.sent,
        "unique": len(keys),
        "duplicates": sum(n - 1 for n in keys.values() if n > 1),
        "drain_p99_s": pct(lateness, 0.99),
    }


async def sent_rows(core: Core) -> int:
    async with core.db.session() as s:
        return (
            await s.exec(  # type: ignore[call-overload]
                text("SELECT count(*) FROM core_outbox WHERE key LIKE 'cafe:%' AND status='sent'")
            )
        ).scalar_one()


async def run_sender_until(
    core: Core, adapter: RecordingAdapter, expected: int, limit_s: float
) -> float:
    """Run the real sender loop until every reminder is delivered and stamped sent."""
    core.outbox.start()
    core.outbox.wake()
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < limit_s:
        await asyncio.sleep(0.02)
        delivered = sum(1 for k, _ in adapter.sent if k.startswith("cafe:"))
        if delivered >= expected and await sent_rows(core) >= expected:
            break
    elapsed = time.perf_counter() - t0
    await core.outbox.stop()
    return elapsed


async def leg_rate_limited(url: str, members: int, limit: float) -> dict[str, float]:
    adapter = RecordingAdapter(limit=limit)
    core = await make_core(url, adapter, scheduler=True)
    ids, occ_id = await seed(core, members)
    service = core.cogs["cafe"].service  # type: ignore[attr-defined]
    occ = (await service._load([occ_id], None))[0]
    await service.schedule_reminders(occ, ids)
    await core.outbox.deliver_due()  # the announcement, before the clock starts
    adapter.sent.clear()
    adapter._window.clear()
    await shift_due(core, datetime.now(UTC))
    bound = members / limit
    elapsed = await run_sender_until(core, adapter, members, limit_s=bound * 3 + 30)
    keys = Counter(k for k, _ in adapter.sent if k.startswith("cafe:"))
    async with core.db.session() as s:
        statuses = Counter(
            r[0]
            for r in await s.exec(text("SELECT status FROM core_outbox WHERE key LIKE 'cafe:%'"))  # type: ignore[call-overload]
        )
    core.scheduler.shutdown()  # type: ignore[union-attr]
    await core.stop()
    await core.db.dispose()
    return {
        "n": members,
        "elapsed_s": elapsed,
        "bound_s": bound,
        "ratio": elapsed / bound,
        "duplicates": sum(n - 1 for n in keys.values() if n > 1),
        "lost": members - len(keys),
        "refusals": adapter.refused,
        "sent_rows": statuses.get("sent", 0),
    }


async def leg_lateness(url: str, per_second: int, seconds: int) -> dict[str, float]:
    adapter = RecordingAdapter()
    core = await make_core(url, adapter, scheduler=True)
    members = per_second * seconds
    ids, occ_id = await seed(core, members)
    service = core.cogs["cafe"].service  # type: ignore[attr-defined]
    occ = (await service._load([occ_id], None))[0]
    await service.schedule_reminders(occ, ids)
    await core.outbox.deliver_due()
    adapter.sent.clear()
    start = datetime.now(UTC) + timedelta(seconds=2)
    due_of: dict[str, float] = {}
    async with core.db.session() as s:
        keys = [
            r[0] for r in await s.exec(text("SELECT key FROM core_outbox WHERE key LIKE 'cafe:%'"))
        ]  # type: ignore[call-overload]
        for i, key in enumerate(sorted(keys)):
            due = start + timedelta(seconds=i / per_second)
            due_of[key] = due.timestamp()
            await s.exec(  # type: ignore[call-overload]
                OutboxMessage.__table__.update()  # type: ignore[attr-defined]
                .where(OutboxMessage.__table__.c.key == key)  # type: ignore[attr-defined]
                .values(due_at=due, next_try_at=due)
            )
    await run_sender_until(core, adapter, members, limit_s=seconds + 30)
    late = [at - due_of[k] for k, at in adapter.sent if k in due_of]
    early = sum(1 for x in late if x < 0)
    core.scheduler.shutdown()  # type: ignore[union-attr]
    await core.stop()
    await core.db.dispose()
    return {
        "n": members,
        "sent": len(late),
        "early": early,
        "p50_s": pct(late, 0.50),
        "p99_s": pct(late, 0.99),
        "max_s": max(late) if late else float("nan"),
        "mean_s": statistics.fmean(late) if late else float("nan"),
    }


async def fresh_url(base: str | None, tmp: str, name: str) -> str:
    if base is None:
        url = f"sqlite+aiosqlite:///{tmp}/{name}.db"
    else:
        from sqlalchemy.engine import make_url

        admin = Database(base)
        async with admin.engine.execution_options(isolation_level="AUTOCOMMIT").connect() as c:
            await c.execute(text(f'DROP DATABASE IF EXISTS "bench_{name}"'))
            await c.execute(text(f'CREATE DATABASE "bench_{name}"'))
        await admin.dispose()
        url = make_url(base).set(database=f"bench_{name}").render_as_string(hide_password=False)
    db = Database(url)
    await ensure_schema(db, auto_migrate=True)
    await db.dispose()
    return url


async def drop_databases(base: str) -> None:
    admin = Database(base)
    async with admin.engine.execution_options(isolation_level="AUTOCOMMIT").connect() as c:
        for name in "abc":
            await c.execute(text(f'DROP DATABASE IF EXISTS "bench_{name}" WITH (FORCE)'))
    await admin.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--limited", type=int, default=2_000, help="N for the 50/s leg")
    parser.add_argument("--limit", type=float, default=50.0)
    parser.add_argument("--pg", default=None, help="postgresql+asyncpg://… (default: SQLite)")
    parser.add_argument("--skip", default="", help="comma list: throughput,limited,lateness")
    args = parser.parse_args()
    skip = set(args.skip.split(","))
    backend = "PostgreSQL" if args.pg else "SQLite"
    try:
        await run_legs(args, skip, backend)
    finally:
        if args.pg:
            await drop_databases(args.pg)


async def run_legs(args: argparse.Namespace, skip: set[str], backend: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        if "throughput" not in skip:
            r = await leg_throughput(await fresh_url(args.pg, tmp, "a"), args.members)
            print(f"[{backend}] fan-out of one reminder to {args.members} members")
            print(
                f"  created: {r['created_per_s']:,.0f} rows/s "
                f"(bare INSERT baseline {r['base_insert_per_s']:,.0f}/s, "
                f"ratio {r['created_per_s'] / r['base_insert_per_s']:.2f})"
            )
            print(
                f"  claimed+rendered+sent: {r['claimed_per_s']:,.0f} rows/s "
                f"(adapter-only baseline {r['bare_send_per_s']:,.0f}/s)"
            )
            print(
                f"  sent {r['sent']}, unique {r['unique']}, duplicates {r['duplicates']}, "
                f"drain time of the whole batch p99 {r['drain_p99_s']:.2f} s"
            )
        if "limited" not in skip:
            url = await fresh_url(args.pg, tmp, "b")
            r = await leg_rate_limited(url, args.limited, args.limit)
            print(f"[{backend}] {r['n']} reminders into an adapter limited to {args.limit:g}/s")
            print(
                f"  total {r['elapsed_s']:.2f} s vs bound N/{args.limit:g} = {r['bound_s']:.2f} s"
                f" → ratio {r['ratio']:.3f} (goal ≤ 1.10)"
            )
            print(
                f"  duplicates {r['duplicates']}, lost {r['lost']}, rows stamped sent "
                f"{r['sent_rows']}, rate-limit answers {r['refusals']}"
            )
        if "lateness" not in skip:
            r = await leg_lateness(await fresh_url(args.pg, tmp, "c"), 50, 20)
            print(f"[{backend}] lateness: {r['n']} reminders due 50/s over 20 s, sender running")
            print(
                f"  p50 {r['p50_s'] * 1000:.0f} ms, p99 {r['p99_s'] * 1000:.0f} ms, "
                f"max {r['max_s'] * 1000:.0f} ms (goal p99 < 1 s); sent {r['sent']}, "
                f"early {r['early']}"
            )


if __name__ == "__main__":
    asyncio.run(main())
