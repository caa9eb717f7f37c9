"""Dashboard pages for ``bench/web.py``: a community of ``members`` members (onboarding flows
and profiles, a tenth listed in the directory), ``resources`` resources (one in fifty waiting
for approval) and a few open polls, then each page's p95 over real HTTP against a bare query
of the same numbers in the same run.

Hook for more pages: add ``(label, path)`` to :data:`PAGES` (e.g. the Cafés page,
``("cafés page", "/cafes")``); each is timed with the same moderator session.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from aiohttp import ClientSession
from sqlalchemy import func, insert, text
from sqlmodel import select

from bot.core.core import Core
from bot.core.dashboard import web_logins
from bot.storage.models import Member
from bot.web.auth import COOKIE

#: The pages timed, as a moderator: (label, path). Add a page here to have it measured.
PAGES: list[tuple[str, str]] = [
    ("overview page", "/"),
    ("members directory, filtered", "/members?region=R%C3%A9gion%203"),
    ("cafés page (1,000 dates)", "/cafes"),
    ("resources page (tags, queue, empty searches)", "/resources"),
]

CHUNK = 5000


async def seed(core: Core, members: int, resources: int, now: datetime) -> None:
    """Bulk rows straight into the tables (a benchmark's setup, not the bot's way in)."""
    from cogs.onboarding.models import OnboardingFlow, OnboardingProfile
    from cogs.poll.models import Poll

    async with core.db.session() as s:
        first = int((await s.exec(select(func.coalesce(func.max(Member.id), 0)))).one())
    for start in range(0, members, CHUNK):
        ids = range(first + start + 1, first + min(start + CHUNK, members) + 1)
        people, flows, profiles = [], [], []
        for i in ids:
            joined = now - timedelta(days=i % 700)
            people.append(
                {"id": i, "display_name": f"m{i}", "created_at": joined, "last_seen_at": joined}
            )
            done = i % 5 != 0
            flows.append(
                {
                    "member_id": i,
                    "step": "" if done else "region",
                    "joined_at": joined,
                    "started_at": joined,
                    "coc_accepted_at": joined if i % 4 else None,
                    "profile_at": joined if done else None,
                    "completed_at": joined if done else None,
                    "updated_at": joined,
                }
            )
            if done:
                profiles.append(
                    {
                        "member_id": i,
                        "region": f"Région {i % 13}",
                        "region_key": f"region {i % 13}",
                        "metier": f"Métier {i % 29}",
                        "metier_key": f"metier {i % 29}",
                        # A tenth of the members (i % 10 == 0 has no profile: i % 5 == 0).
                        "visible": i % 10 == 1,
                        "search_key": f"m{i}",
                        "updated_at": joined,
                    }
                )
        async with core.db.session() as s:
            await s.exec(insert(Member), params=people)  # type: ignore[call-overload]
            await s.exec(insert(OnboardingFlow), params=flows)  # type: ignore[call-overload]
            await s.exec(insert(OnboardingProfile), params=profiles)  # type: ignore[call-overload]
    from bench.web_cog_pages import seed_cog_pages, seed_resources  # it imports bench.web

    await seed_resources(core, resources, now)
    async with core.db.session() as s:
        for n in range(5):
            s.add(
                Poll(
                    question=f"Question {n} ?",
                    kind="single",
                    room="memory:general",
                    salt="0123456789abcdef",
                    created_at=now,
                )
            )
    if core.db.dialect == "postgresql":
        async with core.db.engine.begin() as conn:
            # Ids were given explicitly: move the sequence past them, then plan with stats.
            await conn.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('core_member', 'id'), "
                    "(SELECT max(id) FROM core_member))"
                )
            )
            await conn.execute(text("ANALYZE"))
    # The Cafés and Resources pages' data: 1,000 café dates, tags on every resource.
    await seed_cog_pages(core, now)


async def bare_numbers(core: Core, now: datetime) -> tuple[int, ...]:
    """The overview's numbers by the shortest SQL: what the page is measured against."""
    month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    async with core.db.engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM core_member),"
                    " (SELECT count(*) FROM core_member WHERE created_at >= :month),"
                    " (SELECT count(joined_at) FROM onboarding_flow),"
                    " (SELECT count(completed_at) FROM onboarding_flow),"
                    " (SELECT count(*) FROM onboarding_profile WHERE visible),"
                    " (SELECT count(*) FROM resource_item WHERE status = 'pending'),"
                    " (SELECT count(*) FROM poll_poll WHERE closed_at IS NULL)"
                ),
                {"month": month},
            )
        ).one()
    return tuple(int(x) for x in row)


async def moderator_cookie(core: Core, name: str = "mod") -> str:
    member = (await core.members.find_by_name(name))[0]
    logins = web_logins(core)
    link = await logins.issue(member.id, "/")
    opened = await logins.redeem(link.token)
    assert not isinstance(opened, str), opened
    return opened.token


Timer = Callable[[int, Callable[[], Awaitable[int]], int], Awaitable[tuple[float, float, float]]]


async def measure_pages(
    core: Core, base: str, session: ClientSession, requests: int, timed: Timer
) -> list[tuple[str, tuple[float, float, float]]]:
    """Each page of :data:`PAGES` as a moderator, and the bare query, in the same run."""
    cookie = await moderator_cookie(core)
    now = core.clock.now()

    def page(path: str) -> Callable[[], Awaitable[int]]:
        async def call() -> int:
            async with session.get(base + path, cookies={COOKIE: cookie}) as resp:
                await resp.read()
                return resp.status

        return call

    async def bare() -> int:
        await bare_numbers(core, now)
        return 200

    from bench.web_cog_pages import bare_queries

    rows: list[tuple[str, Any]] = [
        ("bare query of the overview's numbers", await timed(requests, bare, 200))
    ]
    rows += [(label, await timed(requests, call, 200)) for label, call in bare_queries(core)]
    for label, path in PAGES:
        rows.append((label, await timed(requests, page(path), 200)))
    return rows
