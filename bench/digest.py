"""Monthly digest benchmark: build and queue one edition for N subscribers, then deliver it.

Legs, through the real core, outbox and cogs (café, library, onboarding, digest):
1. build + queue — ``DigestService.queue`` for N subscribers: the edition's common content
                   prepared once, every subscriber's facts read in one pass, each copy
                   personalised in memory, one outbox row each (goal < 60 s for 10,000);
                   baseline: a bare executemany INSERT of N outbox rows, same database, same run.
2. delivery      — the real sender loop delivers every queued row into a recording adapter that
                   enforces ``--limit`` sends/s (beyond it: "rate limited, retry after X"), each
                   copy rendered at send time in the member's language; total time against the
                   bound N / limit (goal ≤ 1.10×), duplicates and lost (goal 0 / 0).

    .venv/bin/python bench/digest.py [--members 10000] [--limit 200] [--pg URL]
"""

from __future__ import annotations

import argparse
import asyncio
import random
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
from bench.reminders import PLATFORM, RecordingAdapter, fresh_url  # noqa: E402
from bot.app import build_core  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.core.core import Core  # noqa: E402
from bot.core.digest import Edition  # noqa: E402
from bot.core.refs import RoomRef  # noqa: E402
from bot.core.text import fold_key  # noqa: E402
from bot.scheduling import SystemClock  # noqa: E402
from bot.storage.db import Database  # noqa: E402
from bot.storage.models import Member  # noqa: E402
from cogs.digest.models import DigestSubscription  # noqa: E402
from cogs.onboarding.models import (  # noqa: E402
    OnboardingInterest,
    OnboardingProfile,
    OnboardingReachTag,
)
from cogs.resource.models import Resource, ResourceBookmark, ResourceTag  # noqa: E402

COGS = ["cafe", "resource", "onboarding", "digest"]
TAGS = [f"thème {i}" for i in range(40)]
NEWCOMERS = 200
RESOURCES = 300


async def make_core(url: str, adapter: RecordingAdapter, *, scheduler: bool = False) -> Core:
    settings = load_settings(
        None,
        cogs={"onboarding": {"welcome_room": f"{PLATFORM}:welcome"}},
    )
    settings.database.url = url
    settings.cogs.enabled = COGS
    core = build_core(
        settings, Database(url), SystemClock(), cogs=COGS, adapters=[adapter], scheduler=scheduler
    )
    if core.scheduler is not None:
        core.scheduler.start()
    await core.start()
    return core


async def bulk(core: Core, model: type, rows: list[dict[str, object]]) -> None:
    async with core.db.session() as s:
        for start in range(0, len(rows), 5000):
            await s.exec(insert(model), params=rows[start : start + 5000])  # type: ignore[call-overload]


async def seed(core: Core, members: int) -> list[int]:
    """N subscribed members with identities, interests and needs (the last ``NEWCOMERS`` of
    them new this month, in the directory, with offers); resources, saves and three cafés."""
    rng = random.Random(7)
    now = datetime.now(UTC)
    old = now - timedelta(days=400)
    await bulk(
        core,
        Member,
        [
            {
                "display_name": f"m{i}",
                "locale": "en" if i % 3 == 0 else None,
                "created_at": now - timedelta(days=3) if i >= members - NEWCOMERS else old,
                "last_seen_at": now,
            }
            for i in range(members)
        ],
    )
    ids = await member_ids_with_identities(core, PLATFORM, now)
    interests, reach = [], []
    for m in ids:
        for tag in rng.sample(TAGS, 3):
            interests.append({"member_id": m, "key": fold_key(tag), "label": tag})
        for tag in rng.sample(TAGS, 2):
            reach.append({"member_id": m, "kind": "need", "key": fold_key(tag), "label": tag})
    for m in ids[-NEWCOMERS:]:
        for tag in rng.sample(TAGS, 3):
            reach.append({"member_id": m, "kind": "offer", "key": fold_key(tag), "label": tag})
    await bulk(core, OnboardingInterest, interests)
    await bulk(core, OnboardingReachTag, reach)
    await bulk(
        core,
        OnboardingProfile,
        [{"member_id": m, "visible": True, "updated_at": now} for m in ids[-NEWCOMERS:]],
    )
    await bulk(
        core,
        DigestSubscription,
        [{"member_id": m, "enabled": True, "updated_at": now} for m in ids],
    )
    await bulk(
        core,
        Resource,
        [
            {
                "url": f"https://r.example/{i}",
                "url_key": f"r.example/{i}",
                "title": f"Ressource {i}",
                "summary": "",
                "status": "published",
                "origin": "chat",
                "created_at": now - timedelta(days=rng.randint(1, 20)),
                "updated_at": now,
                "search_text": "",
            }
            for i in range(RESOURCES)
        ],
    )
    async with core.db.session() as s:
        resources = [r[0] for r in await s.exec(text("SELECT id FROM resource_item"))]  # type: ignore[call-overload]
    await bulk(
        core,
        ResourceTag,
        [
            {"resource_id": r, "key": fold_key(tag), "label": tag}
            for r in resources
            for tag in rng.sample(TAGS, 2)
        ],
    )
    await bulk(
        core,
        ResourceBookmark,
        [
            {"member_id": m, "resource_id": rng.choice(resources), "created_at": now}
            for m in ids[:2000]
        ],
    )
    service = core.cogs["cafe"].service  # type: ignore[attr-defined]
    await service.create_series(
        creator=ids[0],
        room=RoomRef(PLATFORM, "general"),
        title="Café du bench",
        schedule="monthly first thursday 10:00",
        timezone="Europe/Paris",
        reminders="15m",
    )
    return ids


async def statuses(core: Core) -> Counter[str]:
    async with core.db.session() as s:
        rows = await s.exec(text("SELECT status FROM core_outbox WHERE key LIKE 'digest:%'"))  # type: ignore[call-overload]
        return Counter(r[0] for r in rows)


async def run(url: str, members: int, limit: float) -> None:
    adapter = RecordingAdapter(limit=limit)
    core = await make_core(url, adapter, scheduler=True)
    ids = await seed(core, members)
    await core.outbox.deliver_due()  # what seeding queued (the café's announcement)
    adapter.sent.clear()
    adapter._window.clear()
    baseline = await bare_outbox_insert(core, ids, "digest", PLATFORM)

    service = core.cogs["digest"].service  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    edition = Edition(service.schedule.edition_id(now), now, now - timedelta(days=30))
    t = core.i18n.translator()
    t0 = time.perf_counter()
    queued = await service.queue(edition, t)
    build = time.perf_counter() - t0
    print(f"1. build + queue, {members:,} subscribers")
    print(f"   baseline bare INSERT of {members:,} outbox rows: {baseline:7.2f} s")
    print(f"   digest built and queued ({queued:,} rows): {build:7.2f} s  (goal < 60 s)")
    print(f"   ratio to the baseline: {build / baseline:5.1f}×")

    bound = queued / limit
    core.outbox.start()
    core.outbox.wake()
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < bound * 3 + 60:
        await asyncio.sleep(0.05)
        delivered = sum(1 for k, _ in adapter.sent if k.startswith("digest:"))
        if delivered >= queued and (await statuses(core)).get("sent", 0) >= queued:
            break
    elapsed = time.perf_counter() - t0
    await core.outbox.stop()
    keys = Counter(k for k, _ in adapter.sent if k.startswith("digest:"))
    final = await statuses(core)
    print(f"2. delivery of {queued:,} copies at ≤ {limit:g} sends/s (rendered at send time)")
    print(f"   total {elapsed:7.2f} s  bound {bound:7.2f} s  ratio {elapsed / bound:5.2f}×")
    print(
        f"   duplicates {sum(n - 1 for n in keys.values() if n > 1)}  "
        f"lost {queued - len(keys)}  rows sent {final.get('sent', 0):,}  "
        f"refusals {adapter.refused:,}"
    )
    core.scheduler.shutdown()  # type: ignore[union-attr]
    await core.stop()
    await core.db.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--limit", type=float, default=200.0, help="sends per second")
    parser.add_argument("--pg", default=None, help="postgresql+asyncpg://… (default: SQLite)")
    args = parser.parse_args()
    print(f"Digest benchmark on {'PostgreSQL' if args.pg else 'SQLite'}")
    with tempfile.TemporaryDirectory() as tmp:
        url = await fresh_url(args.pg, tmp, "digest")
        try:
            await run(url, args.members, args.limit)
        finally:
            if args.pg:
                admin = Database(args.pg)
                async with admin.engine.execution_options(
                    isolation_level="AUTOCOMMIT"
                ).connect() as c:
                    await c.execute(text('DROP DATABASE IF EXISTS "bench_digest" WITH (FORCE)'))
                await admin.dispose()


if __name__ == "__main__":
    asyncio.run(main())
