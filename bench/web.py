"""Web benchmark: a calendar feed request answered 304 (goal p95 < 5 ms), against a bare
aiohttp handler answering 304 in the same run, both over real HTTP on loopback; then the
dashboard's pages (goal p95 < 100 ms) with ``--members`` members and ``--resources``
resources, against a bare query of the overview's numbers (``bench/web_pages.py``, where
more pages are added to ``PAGES``).

The feed is a member's private feed (one statement: the token, the member's language and their
cafés; the ETag computed from the rows) for a member registered to ``--cafes`` cafés among
a community with ``--series`` weekly series; the file itself is not built on a 304. Also
printed: the same feed answered 200 (the body built) and the community feed's 304.

    .venv/bin/python bench/web.py [--requests 2000] [--members 50000] [--resources 100000]
                                  [--pg postgresql+asyncpg://…/postgres]

``--pg``: a server the benchmark may create a database on (``bench_web``, dropped at the end);
the database in the URL itself is only used to connect.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiohttp import ClientSession, web  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.web_pages import measure_pages, seed  # noqa: E402
from bot.adapters.memory import MemoryAdapter  # noqa: E402
from bot.app import build_core, ensure_schema, start_core  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.core.refs import Role  # noqa: E402
from bot.scheduling import FakeClock  # noqa: E402
from bot.storage.db import Database, normalize_url  # noqa: E402
from bot.web import WebServer  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def timed(
    requests: int, call: Callable[[], Awaitable[int]], expect: int
) -> tuple[float, float, float]:
    for _ in range(min(50, requests)):  # warm up (connections, caches)
        assert await call() == expect
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        status = await call()
        times.append((time.perf_counter() - start) * 1000)
        assert status == expect, status
    return statistics.median(times), pct(times, 0.95), pct(times, 0.99)


async def bare_server() -> tuple[web.AppRunner, int]:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=304, headers={"ETag": 'W/"bare"'})

    app = web.Application()
    app.router.add_get("/feeds/{name}.ics", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, int(runner.addresses[0][1])


BENCH_DB = "bench_web"


async def _admin(base: str, statement: str) -> None:
    admin = Database(base)
    try:
        async with admin.engine.execution_options(isolation_level="AUTOCOMMIT").connect() as c:
            await c.execute(text(statement))
    finally:
        await admin.dispose()


@contextlib.asynccontextmanager
async def database_url(pg: str | None, tmp: str):  # type: ignore[no-untyped-def]
    """A fresh database: a SQLite file, or ``bench_web`` on the PostgreSQL server (dropped)."""
    if pg is None:
        yield f"sqlite+aiosqlite:///{tmp}/bench.db"
        return
    await _admin(pg, f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    await _admin(pg, f'CREATE DATABASE "{BENCH_DB}"')
    try:
        yield (
            make_url(normalize_url(pg))
            .set(database=BENCH_DB)
            .render_as_string(hide_password=False)
        )
    finally:
        await _admin(pg, f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


async def measure(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with database_url(args.pg, tmp) as url:
            await run(args, url)


async def run(args: argparse.Namespace, url: str) -> None:
    requests, series, cafes = args.requests, args.series, args.cafes
    cogs = ["cafe", "onboarding", "poll", "resource"]
    settings = load_settings(None, web={"port": 0}, cogs={"enabled": cogs})
    settings.database.url = url
    db = Database(url)
    await ensure_schema(db, auto_migrate=True)
    clock = FakeClock(datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
    adapter = MemoryAdapter()
    core = build_core(settings, db, clock, adapters=[adapter])
    await start_core(core)
    adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR)
    for n in range(series):
        await adapter.say(
            "mod",
            f'!cafe create title:"Café {n}" schedule:"weekly monday 1{n % 10}:00" '
            "timezone:Europe/Paris link:https://visio.example.org/x",
        )
    joined = 0
    for occ in range(1, series * 4):
        if joined >= cafes:
            break
        reply = await adapter.invoke("alice", "cafe join", occurrence=occ)
        joined += "inscrit" in reply.text
    reply = await adapter.invoke("alice", "me calendar")
    found = re.search(r"(/feeds/[\w-]+\.ics)", reply.text)
    assert found, reply.text
    path = found.group(1)
    started = time.perf_counter()
    await seed(core, args.members, args.resources, clock.now())
    seeded = time.perf_counter() - started
    server = WebServer(core)
    assert await server.start()
    bare, bare_port = await bare_server()
    base = f"http://127.0.0.1:{server.port}"
    async with ClientSession() as session:
        async with session.get(base + path) as resp:
            etag = resp.headers["ETag"]
            size = len(await resp.read())
        async with session.get(base + "/feeds/community.ics") as resp:
            community_etag = resp.headers["ETag"]

        def get(url: str, tag: str | None) -> Callable[[], Awaitable[int]]:
            headers = {"If-None-Match": tag} if tag else {}

            async def call() -> int:
                async with session.get(url, headers=headers) as resp:
                    await resp.read()
                    return resp.status

            return call

        rows = [
            (
                "bare aiohttp handler, 304 (baseline)",
                await timed(requests, get(f"http://127.0.0.1:{bare_port}/feeds/x.ics", "x"), 304),
            ),
            (
                f"member feed ({joined} cafés), 304",
                await timed(requests, get(base + path, etag), 304),
            ),
            (
                "community feed, 304",
                await timed(requests, get(base + "/feeds/community.ics", community_etag), 304),
            ),
            (
                f"member feed, 200 ({size:,} bytes built)",
                await timed(max(requests // 10, 50), get(base + path, None), 200),
            ),
        ]
        page_requests = max(requests // 10, 100)
        rows += await measure_pages(core, base, session, page_requests, timed)
    await server.stop()
    await bare.cleanup()
    await core.stop()
    await db.dispose()
    print(
        f"database: {core.db.dialect}; {series} weekly series; {args.members:,} members, "
        f"{args.resources:,} resources (seeded in {seeded:.1f} s); {requests} feed requests "
        f"each, {page_requests} per page"
    )
    print("| request | p50 | p95 | p99 |")
    print("|---|---|---|---|")
    for name, (p50, p95, p99) in rows:
        print(f"| {name} | {p50:.2f} ms | {p95:.2f} ms | {p99:.2f} ms |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--series", type=int, default=20)
    parser.add_argument("--cafes", type=int, default=10)
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--resources", type=int, default=100_000)
    parser.add_argument("--pg", help="a PostgreSQL server URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    asyncio.run(measure(args))


if __name__ == "__main__":
    main()
