"""Live café benchmark: the seeds' café (seed 002) — 71 participants, a 7-activity programme run
with ``cafe start`` / ``cafe next`` / ``cafe end`` — on SQLite and PostgreSQL.

For each database, in the same run:
- the session: every activity opened by the host's ``cafe next``; its 71 answers arrive spread
  over ``--window`` seconds (concurrent commands through the core's dispatch, as button clicks
  and typed answers arrive); answer → acknowledgement latency p50 / p99 over all 497 answers,
  every answer recorded;
- rate against the bare vote path: each member changes their answer once more, interleaved one
  for one with the same change on a twin poll outside any café (``poll create``, same kind and
  options) — the café's extra work (presence, participation against those present) as a ratio
  of the bare path's rate (goal ≥ 0.5);
- ``cafe end`` and the posts it queues (the last results, the closing post), delivered;
- the report of that session — 107 ideas on the idea board, 46 distinct words in the word cloud
  — built with its pictures, HTML page and CSV zip (goal < 2 s).

    .venv/bin/python bench/session.py [--members 71] [--window 10] [--postgres URL]

PostgreSQL runs when ``--postgres`` or ``PASSERELLE_TEST_DATABASE_URL`` gives a server URL
(a scratch database is created and dropped).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bot.adapters.memory import MemoryAdapter  # noqa: E402
from bot.app import build_core, ensure_schema, start_core  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.core.refs import Actor, MemberRef, Role, RoomRef  # noqa: E402
from bot.core.reply import Tone  # noqa: E402
from bot.scheduling import FakeClock  # noqa: E402
from bot.storage.db import Database, normalize_url  # noqa: E402

# Monday 4 January 2027; the café is Thursday 7 January at 10:00 Paris (09:00 UTC).
MONDAY = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
THURSDAY = datetime(2027, 1, 7, 9, 0, tzinfo=UTC)
WORDS = [f"mot{i}" for i in range(46)]
CATEGORIES = ("Besoins", "Apports", "Idées")

# The seeds' café: a quiz challenge, two questionnaires, a word cloud, an idea board in three
# categories, a rating with comments (and a ranking to try every choice kind).
PROGRAMME: list[dict[str, Any]] = [
    {"kind": "quiz", "question": "En quelle année le réseau est-il né ?", "answer": "2022"},
    {"kind": "single", "question": "Votre métier ?", "choices": "Théâtre | Lecture | Musique"},
    {
        "kind": "multiple",
        "question": "Quels dispositifs connaissez-vous ?",
        "choices": "Région | État | Europe | Mécénat | Fondations",
    },
    {"kind": "wordcloud", "question": "Un mot pour ce café ?"},
    {
        "kind": "board",
        "question": "Ce dont vous avez besoin, ce que vous apportez",
        "categories": " | ".join(CATEGORIES),
    },
    {"kind": "rating", "question": "Votre note pour ce café ?"},
    {"kind": "ranking", "question": "Vos priorités ?", "choices": "Veille | Réseau | Outils"},
]


def answers(kind: str, i: int, members: int) -> list[dict[str, Any]]:
    """Member ``i``'s answers in the session: one each, and on the idea board a second idea
    for half of them (107 ideas from 71 people) and a support for someone else's idea."""
    first = answer(kind, i)
    if kind != "board":
        return [first]
    extra = [{"text": f"Idée n° {i}bis : une ressource partagée", "category": CATEGORIES[0]}]
    support = [{"choice": str(1 + (i + 1) % members)}]
    return [first, *(extra if i < members * 36 // 71 else []), *support]


def answer(kind: str, i: int, again: bool = False) -> dict[str, Any]:
    """Member ``i``'s answer to an activity of ``kind`` (``again``: a changed answer)."""
    shift = 1 if again else 0
    if kind == "quiz":
        return {"text": "2022" if (i + shift) % 3 else "2021"}
    if kind == "single":
        return {"choice": str(1 + (i + shift) % 3)}
    if kind == "multiple":
        return {"choice": f"{1 + (i + shift) % 5}|{1 + (i + 2) % 5}"}
    if kind == "wordcloud":
        return {"text": WORDS[(i + shift) % len(WORDS)]}
    if kind == "board":
        return {
            "text": f"Idée n° {i}{'b' if again else ''} : un atelier commun",
            "category": CATEGORIES[i % 3],
        }
    if kind == "rating":
        return {"choice": str(1 + (i + shift) % 5), "comment": f"Commentaire {i}"}
    return {"choice": "1|2|3" if (i + shift) % 2 else "3|2|1"}  # ranking


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(url: str, label: str, members: int, window: float) -> None:
    db = Database(url)
    await ensure_schema(db, auto_migrate=True)
    settings = load_settings(None, cogs={"poll": {"ballot_secret": "bench-secret-0123456789"}})
    settings.database.url = url
    adapter = MemoryAdapter("bench")
    adapter.population = 840  # the network's room; participation must count those present
    clock = FakeClock(MONDAY)
    core = build_core(settings, db, clock, cogs=["cafe", "poll"], adapters=[adapter])
    await start_core(core)
    room = RoomRef("bench", "general")
    moderator = frozenset({Role.MEMBER, Role.MODERATOR})
    host = Actor(MemberRef("bench", "host", "Animatrice"), moderator)
    people = [
        Actor(MemberRef("bench", f"m{i}", f"Membre {i}"), frozenset({Role.MEMBER}))
        for i in range(members)
    ]
    for actor in (host, *people):
        await core.members.resolve(actor.ref)

    async def say(actor: Actor, path: str, **options: Any) -> Any:
        return await core.invoke(actor, room, path, options)

    await say(
        host,
        "cafe create",
        title="Café TMNlab",
        schedule="monthly first thursday 10:00",
        timezone="Europe/Paris",
    )
    cafe = core.cogs["cafe"]
    occ = (await cafe.service.upcoming())[0].id  # type: ignore[attr-defined]
    twins: list[int] = []
    for item in PROGRAMME:
        await say(host, "cafe programme add", occurrence=occ, **item)
        await say(host, "poll create", **item)
    twins = [p.id for p in await _polls(core, room)][: len(PROGRAMME)]
    for actor in people:
        await say(actor, "cafe join", occurrence=occ)
    clock.set(THURSDAY - timedelta(minutes=5))
    await say(host, "cafe start", occurrence=occ)
    print(f"{label}: {members} participants, {len(PROGRAMME)} activities")

    latencies: list[float] = []
    refused: list[str] = []
    café_polls: list[int] = []
    recorded = 0
    for position, item in enumerate(PROGRAMME, start=1):
        await say(host, "cafe next", occurrence=occ)
        poll_id = await _session_poll(cafe, occ, position)
        café_polls.append(poll_id)

        async def one(i: int, poll_id: int = poll_id, kind: str = item["kind"]) -> None:
            await asyncio.sleep(window * i / members)  # arrivals spread over the window
            for options in answers(kind, i, members):
                t0 = time.perf_counter()
                reply = await say(people[i], "poll vote", poll=poll_id, **options)
                latencies.append(time.perf_counter() - t0)
                if reply.tone in (Tone.ERROR, Tone.WARNING):
                    refused.append(f"{kind}: {reply.text[:80]}")

        await asyncio.gather(*(one(i) for i in range(members)))
        await core.drain()
        count, _ = await core.activities.provider(item["kind"]).participants(poll_id)
        recorded += count
    print(
        f"  answers → acknowledgement  p50 {pct(latencies, 0.5) * 1e3:7.2f} ms  "
        f"p99 {pct(latencies, 0.99) * 1e3:7.2f} ms  max {max(latencies) * 1e3:7.2f} ms  "
        f"({len(latencies)} answers, {recorded} participations recorded)"
    )
    for reason in sorted(set(refused)):
        print(f"  not accepted: {refused.count(reason)} × {reason}")

    # Changed answers, interleaved one for one: the twin poll outside the café, then the café.
    bare_lat: list[float] = []
    café_lat: list[float] = []
    last = len(PROGRAMME)
    kind = PROGRAMME[last - 1]["kind"]
    for i in range(members):
        twin = say(people[i], "poll vote", poll=twins[last - 1], **answer(kind, i))
        mine = say(people[i], "poll vote", poll=café_polls[last - 1], **answer(kind, i, True))
        # Alternate which goes first, so neither always finds the caches warm.
        for coro, into in ((twin, bare_lat), (mine, café_lat))[:: 1 if i % 2 else -1]:
            t0 = time.perf_counter()
            await coro
            into.append(time.perf_counter() - t0)
        await core.drain()  # live refreshes of both polls, outside the timings
    bare_rate = members / sum(bare_lat)
    café_rate = members / sum(café_lat)
    print(
        f"  vote path outside a café   {bare_rate:7.0f}/s   in the café {café_rate:7.0f}/s   "
        f"ratio {café_rate / bare_rate:4.2f} (goal ≥ 0.5)"
    )

    t0 = time.perf_counter()
    await say(host, "cafe end", occurrence=occ)
    await core.drain()
    for _ in range(4):
        if not (await core.outbox.deliver_due()).sent:
            break
    print(f"  cafe end + its posts delivered: {(time.perf_counter() - t0) * 1e3:7.1f} ms")
    await report(core, occ)
    await core.stop()
    await db.dispose()


async def report(core: Any, occ: int) -> None:
    """The moderators' report of the session as ``cafe report`` gives it: data, the pictures,
    the chat message, the self-contained HTML page and the zip of CSV files."""
    from cogs.cafe import report_csv, report_html, report_render

    reports = core.cogs["cafe"].reports
    t = core.i18n.translator("fr")

    async def build() -> tuple[Any, Any, bytes, bytes]:
        data = await reports.for_reader(occ, 0, t, moderator=True)
        message = report_render.message(t, data)
        return data, message, report_html.page(t, data), report_csv.zip_bytes(t, data)

    await build()  # warm-up (fonts, caches)
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        data, message, page, archive = await build()
        times.append(time.perf_counter() - t0)
    ideas = sum(len(r.rows) for r in data.activities if r.kind == "board")
    words = sum(len(r.rows) for r in data.activities if r.kind == "wordcloud")
    print(
        f"  report ({data.attendance.present} present, {ideas} ideas, {words} words, "
        f"{len(message.attachments)} pictures, HTML {len(page) // 1024} KiB, zip "
        f"{len(archive) // 1024} KiB): best {min(times):.2f} s, worst {max(times):.2f} s "
        "(goal < 2 s)"
    )


async def _polls(core: Any, room: RoomRef) -> list[Any]:
    from sqlmodel import select

    from cogs.poll.models import Poll

    async with core.db.session() as s:
        return list(await s.exec(select(Poll).order_by(Poll.id)))  # type: ignore[arg-type]


async def _session_poll(cafe: Any, occ: int, position: int) -> int:
    import json

    from cogs.cafe.models import CafeSession

    async with cafe.core.db.session() as s:
        row = await s.get(CafeSession, occ)
    return int(json.loads(row.polls)[str(position)])


async def postgres_run(base: str, members: int, window: float) -> None:
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
        await run(url, "PostgreSQL", members, window)
    finally:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def main() -> None:
    logging.basicConfig(level=logging.ERROR)  # the reminders of a café in the past are skipped
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=71)
    parser.add_argument("--window", type=float, default=10.0, help="seconds for all answers")
    parser.add_argument("--postgres", default=os.environ.get("PASSERELLE_TEST_DATABASE_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        await run(f"sqlite+aiosqlite:///{tmp}/bench.db", "SQLite", args.members, args.window)
    if args.postgres:
        await postgres_run(args.postgres, args.members, args.window)
    else:
        print("PostgreSQL: skipped (give --postgres URL)")


if __name__ == "__main__":
    asyncio.run(main())
