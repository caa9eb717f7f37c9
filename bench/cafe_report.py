"""Café report benchmark: build the report of a session like the TMNlab café of the seeds.

A live café with 71 members present and 7 activities — a quiz, two single-choice questions, a
word cloud of 46 distinct words, an idea board in 3 categories with 107 ideas, a rating with
37 votes and comments, an open question — is scripted through the console grammar (setup is
not timed). Then, timed, several times: the whole report as ``cafe report`` gives it to a
moderator — data, the 7 pictures, the chat message, the self-contained HTML page and the zip
of CSV files. Goal: < 2 s.

    .venv/bin/python bench/cafe_report.py [--runs 5]     (SQLite, a temporary file)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.adapters.memory import MemoryAdapter  # noqa: E402
from bot.app import build_core, ensure_schema, start_core  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.core.refs import Role  # noqa: E402
from bot.scheduling import FakeClock  # noqa: E402
from bot.storage.db import Database  # noqa: E402

MONDAY = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
THURSDAY = datetime(2027, 1, 7, 9, 0, tzinfo=UTC)
PRESENT = 71
PROGRAMME = (
    'quiz "A quelle date la feuille de route a-t-elle été publiée ?" answer:"26/09/2022"',
    'single "Connaissez-vous France 2030 ?" choices:"Oui | Non | Un peu"',
    'single "Votre structure a-t-elle candidaté ?" choices:"Oui | Non | En cours"',
    'wordcloud "Dans ce contexte, un mot pour définir votre rentrée ?"',
    'board "Votre rapport au (et l\'apport du) TMNlab" categories:"Veille | Réseau | Formation"',
    'rating "Donnez-nous votre avis sur ce Café !"',
    'open "Votre usage sur tmnlab.com ?"',
)


async def script(url: str) -> tuple[object, int]:
    db = Database(url)
    await ensure_schema(db, auto_migrate=True)
    settings = load_settings(None, cogs={"poll": {"ballot_secret": "bench-secret-0123456789"}})
    settings.database.url = url
    adapter = MemoryAdapter("bench")
    clock = FakeClock(MONDAY)
    core = build_core(
        settings, db, clock, cogs=["cafe", "poll", "resource"], adapters=[adapter], scheduler=False
    )
    await start_core(core)
    names = [f"membre{i:02d}" for i in range(PRESENT)]
    adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR)
    for name in names:
        adapter.set_roles(name, Role.MEMBER)

    async def say(name: str, text: str) -> None:
        await adapter.say(name, text)

    await say("mod", '!cafe create title:"Café TMNlab" schedule:"2027-01-07 10:00" '
              "timezone:Europe/Paris")  # fmt: skip
    occ = 1
    await say("mod", f'!cafe edit occurrence:{occ} host:mod topic:"Tendances de la rentrée"')
    for line in PROGRAMME:
        await say("mod", f"!cafe programme add {occ} {line}")
    for name in names:
        await say(name, f"!cafe join occurrence:{occ}")
    clock.set(THURSDAY - timedelta(minutes=5))
    await say("mod", f"!cafe start occurrence:{occ}")
    words = [f"mot{i}" for i in range(46)]
    for position in range(1, 8):
        await say("mod", "!cafe next")
        from cogs.cafe.models import CafeSession

        async with db.session() as s:
            row = await s.get(CafeSession, occ)
            assert row is not None
            poll = json.loads(row.polls)[str(position)]
        for i, name in enumerate(names):
            vote = f"!poll vote poll:{poll}"
            if position == 1:
                await say(name, f"{vote} text:{'26/09/2022' if i % 3 == 0 else '01/10/2022'}")
            elif position in (2, 3):
                await say(name, f"{vote} choice:{1 + i % 3}")
            elif position == 4:
                await say(name, f"{vote} text:{words[i % 46]}")
            elif position == 5:  # 71 ideas, 36 members post a second one: 107
                await say(name, f'{vote} text:"Idée {i} pour le lab" category:{1 + i % 3}')
                if i < 107 - PRESENT:
                    await say(name, f'{vote} text:"Autre idée {i}" category:{1 + (i + 1) % 3}')
        if position == 5:  # supports, once every idea is posted
            for i, name in enumerate(names):
                await say(name, f"!poll vote poll:{poll} choice:{1 + i % 20}")
        for i, name in enumerate(names):
            vote = f"!poll vote poll:{poll}"
            if position == 6 and i < 37:
                await say(name, f'{vote} choice:{3 + i % 3} comment:"Commentaire n° {i}"')
            elif position == 7 and i < 30:
                await say(name, f'{vote} text:"Je lis la veille chaque semaine ({i})"')
    await say("mod", "!cafe end")
    await core.drain()
    return core, occ


async def run(url: str, label: str, runs: int) -> None:
    core, occ = await script(url)
    cafe = core.cogs["cafe"]  # type: ignore[attr-defined]
    from cogs.cafe import report_csv, report_html, report_render

    t = core.i18n.translator()  # type: ignore[attr-defined]
    timings: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        report = await cafe.reports.for_reader(occ, 0, t, moderator=True)
        message = report_render.message(t, report)
        page = report_html.page(t, report)
        archive = report_csv.zip_bytes(t, report)
        timings.append(time.perf_counter() - start)
    a = report.attendance
    ideas = sum(len(r.rows) for r in report.activities if r.kind == "board")
    print(
        f"{label}: present {a.present}, activities {len(report.activities)}, ideas {ideas}, "
        f"words {sum(len(r.rows) for r in report.activities if r.kind == 'wordcloud')}, "
        f"pictures {len(message.attachments)}, HTML {len(page) // 1024} KiB, "
        f"zip {len(archive) // 1024} KiB"
    )
    print(
        f"  report build (data + pictures + message + HTML + zip): best "
        f"{min(timings):.3f} s, median {sorted(timings)[len(timings) // 2]:.3f} s "
        f"(goal < 2 s)"
    )
    await core.stop()  # type: ignore[attr-defined]


def main() -> None:
    logging.disable(logging.WARNING)  # the scripted past skips old reminders: noise here
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(f"sqlite+aiosqlite:///{tmp}/bench.db", "SQLite", args.runs))


if __name__ == "__main__":
    main()
