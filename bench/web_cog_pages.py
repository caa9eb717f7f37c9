"""Dashboard benchmark: the Cafés page with ``--occurrences`` café dates (registrations,
waitlists, check-ins) and the Resources page with ``--resources`` tagged resources (one in
fifty waiting for approval), p95 server time over real HTTP as a moderator (goal < 100 ms),
each against a bare query of the same numbers in the same run.

    .venv/bin/python bench/web_cog_pages.py [--requests 200] [--occurrences 1000]
                                            [--resources 100000] [--pg postgresql+asyncpg://…]

The bare queries: for cafés, the figures of the page's 50 dates and the registrations per
month over twelve months; for resources, the published tags with their counts and the
waiting list — the numbers the pages show, by the shortest SQL.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiohttp import ClientSession  # noqa: E402
from sqlalchemy import func, insert, text  # noqa: E402
from sqlmodel import col, select  # noqa: E402

import bench.web as web_bench  # noqa: E402
from bench.web import database_url, timed  # noqa: E402
from bot.adapters.memory import MemoryAdapter  # noqa: E402
from bot.app import build_core, ensure_schema, start_core  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.core.core import Core  # noqa: E402
from bot.core.dashboard import web_logins  # noqa: E402
from bot.core.refs import Role  # noqa: E402
from bot.scheduling import FakeClock  # noqa: E402
from bot.storage.db import Database  # noqa: E402
from bot.storage.models import Member  # noqa: E402
from bot.web import WebServer  # noqa: E402
from bot.web.auth import COOKIE  # noqa: E402

CHUNK = 5000
SERIES = 10
PEOPLE = 2000
TAGS = 300  # distinct tags; each resource has three


async def seed(core: Core, occurrences: int, resources: int, now: datetime) -> None:
    """Standalone: people and resources, then what the two pages show (bulk rows straight
    into the tables: a benchmark's setup, not the bot's way in)."""
    people = [
        {"id": 1000 + i, "display_name": f"p{i}", "created_at": now, "last_seen_at": now}
        for i in range(PEOPLE)
    ]
    async with core.db.session() as s:
        await s.exec(insert(Member), params=people)  # type: ignore[call-overload]
    await seed_resources(core, resources, now)
    await seed_cog_pages(core, now, occurrences)


async def seed_resources(core: Core, resources: int, now: datetime) -> None:
    """``resources`` links, one in fifty waiting for approval (both pages' benchmarks)."""
    from cogs.resource.models import Resource

    for start in range(0, resources, CHUNK):
        rows = [
            {
                "url": f"https://r.example/{n}",
                "url_key": f"r.example/{n}",
                "title": f"Ressource {n}",
                "summary": "",
                "status": "pending" if n % 50 == 0 else "published",
                "origin": "import",
                "created_at": now - timedelta(minutes=n),
                "updated_at": now - timedelta(minutes=n),
                "search_text": f"ressource {n}",
            }
            for n in range(start, min(start + CHUNK, resources))
        ]
        async with core.db.session() as s:
            await s.exec(insert(Resource), params=rows)  # type: ignore[call-overload]


async def seed_cog_pages(core: Core, now: datetime, occurrences: int = 1000) -> None:
    """What the Cafés and Resources pages show, on a community already seeded (members,
    resources): ``occurrences`` café dates over two years (15 seats asked each, 12 given,
    7 in 10 checked in), and three tags (among 300) on every resource."""
    from cogs.cafe.models import CafeOccurrence, CafeRegistration, CafeSeries
    from cogs.resource.models import Resource, ResourceTag

    async with core.db.session() as s:
        members = list(
            (await s.exec(select(Member.id).order_by(col(Member.id)).limit(PEOPLE))).all()
        )
        first_series = int((await s.exec(select(func.coalesce(func.max(CafeSeries.id), 0)))).one())
        first_occ = int(
            (await s.exec(select(func.coalesce(func.max(CafeOccurrence.id), 0)))).one()
        )
    series = [
        {
            "id": first_series + n + 1,
            "title": f"Café bench {n}",
            "rule": "FREQ=WEEKLY",
            "local_start": "2025-01-06T10:00:00",
            "timezone": "Europe/Paris",
            "room": "memory:general",
            "created_at": now,
        }
        for n in range(SERIES)
    ]
    occ, regs = [], []
    for n in range(occurrences):
        # Spread over the past two years and a few weeks ahead.
        starts = now - timedelta(days=730) + timedelta(days=760 * n / occurrences)
        occ_id = first_occ + n + 1
        occ.append(
            {
                "id": occ_id,
                "series_id": first_series + n % SERIES + 1,
                "recurrence_id": starts.strftime("%Y-%m-%dT%H:%M:%S"),
                "starts_at": starts,
                "capacity": 12,
            }
        )
        for k in range(15):
            status = "registered" if k < 12 else "waitlisted"
            checked = starts if starts < now and status == "registered" and k % 10 < 7 else None
            regs.append(
                {
                    "occurrence_id": occ_id,
                    "member_id": members[(n * 15 + k) % len(members)],
                    "status": status,
                    "created_at": starts - timedelta(days=3),
                    "checked_in_at": checked,
                }
            )
    async with core.db.session() as s:
        await s.exec(insert(CafeSeries), params=series)  # type: ignore[call-overload]
        await s.exec(insert(CafeOccurrence), params=occ)  # type: ignore[call-overload]
    for start in range(0, len(regs), CHUNK):
        async with core.db.session() as s:
            chunk = regs[start : start + CHUNK]
            await s.exec(insert(CafeRegistration), params=chunk)  # type: ignore[call-overload]
    async with core.db.session() as s:
        ids = list((await s.exec(select(Resource.id).order_by(col(Resource.id)))).all())
    for start in range(0, len(ids), CHUNK):
        tags = [
            {"resource_id": rid, "key": f"tag {t}", "label": f"Tag {t}"}
            for rid in ids[start : start + CHUNK]
            for t in {rid % TAGS, (rid * 7) % TAGS, (rid * 13 + 1) % TAGS}
        ]
        async with core.db.session() as s:
            await s.exec(insert(ResourceTag), params=tags)  # type: ignore[call-overload]
    if core.db.dialect == "postgresql":
        async with core.db.engine.begin() as conn:
            for table in ("cafe_series", "cafe_occurrence"):
                await conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
            await conn.execute(text("ANALYZE"))


def bare_queries(core: Core) -> list[tuple[str, Callable[[], Awaitable[int]]]]:
    """The two pages' numbers by the shortest SQL, as timed calls."""

    async def cafes() -> int:
        return await bare_cafes(core, core.clock.now())

    async def resources() -> int:
        return await bare_resources(core)

    return [
        ("bare query of the cafés page's numbers", cafes),
        ("bare query of the resources page's numbers", resources),
    ]


async def bare_cafes(core: Core, now: datetime) -> int:
    async with core.db.engine.connect() as conn:
        ids = (
            await conn.execute(
                text("SELECT id FROM cafe_occurrence ORDER BY starts_at DESC, id DESC LIMIT 51")
            )
        ).scalars()
        page = list(ids)[:50]
        await conn.execute(
            text(
                "SELECT occurrence_id, status, count(*), count(checked_in_at) "
                "FROM cafe_registration WHERE occurrence_id IN ("
                + ",".join(str(i) for i in page)
                + ") GROUP BY occurrence_id, status"
            )
        )
        await conn.execute(
            text(
                "SELECT o.id, o.starts_at, r.status, count(*), count(r.checked_in_at) "
                "FROM cafe_occurrence o JOIN cafe_registration r ON r.occurrence_id = o.id "
                "WHERE o.starts_at >= :start AND o.starts_at < :now "
                "GROUP BY o.id, o.starts_at, r.status"
            ),
            {"start": now - timedelta(days=366), "now": now},
        )
    return 200


async def bare_resources(core: Core) -> int:
    async with core.db.engine.connect() as conn:
        await conn.execute(
            text(
                "SELECT t.key, t.label, count(*) FROM resource_tag t "
                "JOIN resource_item r ON r.id = t.resource_id WHERE r.status = 'published' "
                "GROUP BY t.key, t.label"
            )
        )
        await conn.execute(
            text(
                "SELECT * FROM resource_item WHERE status = 'pending' "
                "ORDER BY created_at, id LIMIT 25"
            )
        )
    return 200


async def run(requests: int, occurrences: int, resources: int, url: str) -> None:
    settings = load_settings(None, web={"port": 0}, cogs={"enabled": ["cafe", "poll", "resource"]})
    settings.database.url = url
    db = Database(url)
    await ensure_schema(db, auto_migrate=True)
    clock = FakeClock(datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
    adapter = MemoryAdapter()
    core = build_core(settings, db, clock, adapters=[adapter])
    await start_core(core)
    adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR)
    await adapter.say("mod", "!help")  # the moderator is a member
    await seed(core, occurrences, resources, clock.now())
    member = (await core.members.find_by_name("mod"))[0]
    logins = web_logins(core)
    opened = await logins.redeem((await logins.issue(member.id, "/")).token)
    assert not isinstance(opened, str), opened
    server = WebServer(core)
    assert await server.start()
    base = f"http://127.0.0.1:{server.port}"
    async with ClientSession(cookies={COOKIE: opened.token}) as session:

        def page(path: str) -> Callable[[], Awaitable[int]]:
            async def call() -> int:
                async with session.get(base + path) as resp:
                    await resp.read()
                    return resp.status

            return call

        bare_cafes_call, bare_resources_call = (call for _, call in bare_queries(core))
        rows = [
            (f"bare query, cafés' numbers ({occurrences} dates)", bare_cafes_call),
            ("cafés page /cafes", page("/cafes")),
            ("cafés chart /cafes/chart.png", page("/cafes/chart.png")),
            (f"bare query, resources' numbers ({resources:,} resources)", bare_resources_call),
            ("resources page /resources", page("/resources")),
        ]
        results = [(name, await timed(requests, call, 200)) for name, call in rows]
    await server.stop()
    await core.stop()
    await db.dispose()
    print(f"database: {core.db.dialect}; {requests} requests each")
    print("| request | p50 | p95 | p99 |")
    print("|---|---|---|---|")
    for name, (p50, p95, p99) in results:
        print(f"| {name} | {p50:.1f} ms | {p95:.1f} ms | {p99:.1f} ms |")


async def measure(requests: int, occurrences: int, resources: int, pg: str | None) -> None:
    web_bench.BENCH_DB = "bench_web_cog_pages"  # not bench/web.py's: both may run at once
    with tempfile.TemporaryDirectory() as tmp:
        async with database_url(pg, tmp) as url:
            await run(requests, occurrences, resources, url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--occurrences", type=int, default=1000)
    parser.add_argument("--resources", type=int, default=100_000)
    parser.add_argument("--pg", help="a PostgreSQL server URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    asyncio.run(measure(args.requests, args.occurrences, args.resources, args.pg))


if __name__ == "__main__":
    main()
