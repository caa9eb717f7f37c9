"""Resource library benchmark: `resource find` against the bare full-text query, and import rate.

    .venv/bin/python bench/resources.py                      # SQLite only
    .venv/bin/python bench/resources.py --pg postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/resources.py --size 20000 --queries 100   # quicker

With N resources (default 100,000) it times, on the same database in the same run:
- the bare full-text query (SQLite: FTS5 MATCH ordered by rank; PostgreSQL: search_fts @@
  to_tsquery ordered by ts_rank), LIMIT page size + 1;
- ResourceService.find (the same words → stemmed query, ranked ids, rows, tags in their most used
  spelling, authors), and the whole `resource find` command through the core's dispatch;
- the rate of each relative to the bare query (goal: >= 0.5) and p50/p95 latencies;
- the import of a 10,000-row CSV through `passerelle resources import`'s code path.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.adapters.memory import MemoryAdapter
from bot.app import build_core, ensure_schema, start_core
from bot.config import load_settings
from bot.scheduling import SystemClock
from bot.storage.db import Database, normalize_url
from cogs.resource import search, transfer
from cogs.resource.bulk import BulkTransfer
from cogs.resource.library import Library
from cogs.resource.service import ResourceService

WORDS = [
    "médiation",
    "culturelle",
    "numérique",
    "public",
    "théâtre",
    "festival",
    "bibliothèque",
    "danse",
    "compagnie",
    "radio",
    "associative",
    "éducation",
    "artistique",
    "jeunesse",
    "territoire",
    "rural",
    "accessibilité",
    "handicap",
    "inclusion",
    "sobriété",
    "écologie",
    "financement",
    "subvention",
    "mécénat",
    "bénévolat",
    "gouvernance",
    "coopération",
    "réseau",
    "programmation",
    "résidence",
    "création",
    "diffusion",
    "tournée",
    "spectacle",
    "vivant",
    "patrimoine",
    "musée",
    "archives",
    "lecture",
    "écriture",
    "atelier",
    "formation",
    "emploi",
    "précarité",
    "égalité",
    "diversité",
    "droits",
    "culturels",
    "participation",
    "habitants",
    "quartier",
    "école",
    "collège",
    "lycée",
    "université",
    "recherche",
    "étude",
    "enquête",
    "observatoire",
    "données",
    "statistiques",
    "fréquentation",
    "billetterie",
    "tarif",
    "gratuité",
    "communication",
    "réseaux",
    "sociaux",
    "podcast",
    "vidéo",
    "streaming",
    "plateforme",
    "outil",
    "logiciel",
    "libre",
    "international",
    "francophonie",
    "québec",
    "europe",
    "coopération",
    "mobilité",
    "traduction",
    "édition",
    "livre",
    "musique",
    "concert",
    "cinéma",
    "arts",
    "visuels",
    "exposition",
    "galerie",
    "artiste",
    "auteur",
    "autrice",
    "interprète",
    "technicien",
    "régie",
    "lumière",
    "son",
    "scénographie",
    "costume",
    "médiateur",
    "médiatrice",
    "accueil",
    "publics",
    "empêchés",
    "prison",
    "hôpital",
    "santé",
    "soin",
    "vieillesse",
    "enfance",
    "famille",
    "parentalité",
    "numérique",
]
TAGS = [
    "Médiation",
    "médiation",
    "Mediation",
    "numérique",
    "EAC",
    "théâtre",
    "danse",
    "radio",
    "bibliothèque",
    "festival",
    "accessibilité",
    "sobriété",
    "financement",
    "jeunesse",
    "rural",
]


SYLLABLES = [a + b for a in "bcdflmnprstv" for b in "aeio"] + ["cha", "che"]


def vocabulary(size: int = 6000) -> tuple[list[str], list[float]]:
    """The domain words first, then invented words; Zipf–Mandelbrot weights 1/(rank + 50):
    the most common word ends up in about one resource in ten, as in a real library."""
    rng = random.Random(3)
    words = list(dict.fromkeys(WORDS))
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    weights, total = [], 0.0
    for rank in range(len(words)):
        total += 1 / (rank + 50)
        weights.append(total)
    return words, weights


VOCAB, CUM_WEIGHTS = vocabulary()


def some_words(rng: random.Random, k: int) -> list[str]:
    return rng.choices(VOCAB, cum_weights=CUM_WEIGHTS, k=k)


def make_rows(n: int, seed: int, prefix: str) -> list[tuple[int, dict[str, str]]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        title = " ".join(some_words(rng, rng.randint(3, 8))).capitalize()
        summary = " ".join(some_words(rng, rng.randint(10, 30)))
        tags = ", ".join(rng.sample(TAGS, rng.randint(0, 3)))
        rows.append(
            (
                i + 2,
                {
                    "url": f"https://{prefix}{i % 97}.example/articles/{i}",
                    "title": title,
                    "summary": summary,
                    "tags": tags,
                },
            )
        )
    return rows


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def timed(fn, queries) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for q in queries:
        start = time.perf_counter()
        await fn(q)
        out.append(time.perf_counter() - start)
    return out


async def run(url: str, label: str, size: int, n_queries: int) -> None:
    db = Database(url)
    await ensure_schema(db, auto_migrate=True)
    settings = load_settings(None)
    settings.database.url = url
    adapter = MemoryAdapter("bench")
    core = build_core(settings, db, SystemClock(), cogs=["resource"], adapters=[adapter])
    cog = core.cogs["resource"]
    await start_core(core)
    service = cog.service
    size_page = service.settings.page_size

    print(f"\n== {label}: {size:,} resources")
    start = time.perf_counter()
    bulk = BulkTransfer(core.db, core.clock, service.library)
    report = await bulk.import_rows(make_rows(size, 1, "site"), batch_size=1000)
    elapsed = time.perf_counter() - start
    print(
        f"load (import_rows, batches of 1000): {report.imported:,} in {elapsed:.1f} s "
        f"= {report.imported / elapsed:,.0f} rows/s"
    )

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "library.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, ["url", "title", "summary", "tags"])
            writer.writeheader()
            for _, row in make_rows(10_000, 2, "csv"):
                writer.writerow(row)
        start = time.perf_counter()
        report = await transfer.import_file(core, path, progress=False)
        elapsed = time.perf_counter() - start
        print(
            f"CSV import of 10,000 rows: {report.imported:,} imported in {elapsed:.2f} s "
            f"= {report.imported / elapsed:,.0f} rows/s"
        )

    rng = random.Random(7)
    queries: list[str] = []
    while len(queries) < n_queries:
        k = rng.choice([1, 1, 2, 2, 3])
        # Half the words people type are the library's common ones, half from the domain list.
        words = [rng.choice([some_words(rng, 1)[0], rng.choice(WORDS)]) for _ in range(k)]
        if search.fts5_query(" ".join(words)):  # not only stop words ("son", "et"…)
            queries.append(" ".join(words))

    async def bare(q: str) -> None:
        async with db.session() as s:
            if db.dialect == "sqlite":
                sql = (
                    "SELECT rowid FROM resource_fts WHERE resource_fts MATCH :q "
                    "ORDER BY rank LIMIT :n"
                )
                params = {"q": search.fts5_query(q), "n": size_page + 1}
            else:
                sql = (
                    "SELECT id FROM resource_item, to_tsquery('french', :q) q "
                    "WHERE search_fts @@ q "
                    "ORDER BY ts_rank(search_fts, q) DESC LIMIT :n"
                )
                params = {"q": search.pg_query(q), "n": size_page + 1}
            (await s.exec(text(sql), params=params)).all()  # type: ignore[call-overload]

    async def find(q: str) -> None:
        await service.find(1, query=q)

    async def command(q: str) -> None:
        await core.invoke(adapter.actor("alice"), adapter.room, "resource find", {"query": q})

    every_settings = service.settings.model_copy(update={"rank_candidates": 0})
    every_library = Library(db, core.members, every_settings)
    every = ResourceService(db, core.clock, core.members, every_settings, every_library)

    async def find_all(q: str) -> None:
        await every.find(1, query=q)

    async def tagged(q: str) -> None:
        await service.find(1, query=q, tags="médiation")

    for fn in (bare, find, command):  # warm caches
        await timed(fn, queries[:20])
    variants = (
        ("bare full-text query", bare),
        ("service find", find),
        ("find, every match ranked", find_all),
        ("`resource find` command", command),
        ("find + tag filter", tagged),
    )
    # Interleaved (each query through every variant in turn): a machine whose load changes
    # during the run then weighs on every variant alike.
    results: dict[str, list[float]] = {name: [] for name, _ in variants}
    for q in queries:
        for name, fn in variants:
            results[name].extend(await timed(fn, [q]))
    base = statistics.mean(results["bare full-text query"])
    print(f"{len(queries)} queries of 1–3 words, page size {size_page}:")
    for name, values in results.items():
        rate = 1 / statistics.mean(values)
        print(
            f"  {name:26} p50 {pct(values, 0.5):6.2f} ms  p95 {pct(values, 0.95):6.2f} ms  "
            f"{rate:7.0f}/s  ratio vs bare {base / statistics.mean(values):.2f}"
        )
    await core.stop()
    await db.dispose()


async def pg_database(base: str) -> tuple[str, Database]:
    base = normalize_url(base)
    name = f"passerelle_bench_{uuid.uuid4().hex[:8]}"
    admin = Database(base)
    async with admin.engine.execution_options(isolation_level="AUTOCOMMIT").connect() as c:
        await c.execute(text(f'CREATE DATABASE "{name}"'))
    return make_url(base).set(database=name).render_as_string(hide_password=False), admin


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument(
        "--pg", metavar="URL", help="PostgreSQL server URL (a database is created)"
    )
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            await run(f"sqlite+aiosqlite:///{tmp}/bench.db", "SQLite", args.size, args.queries)
    if args.pg:
        url, admin = await pg_database(args.pg)
        try:
            await run(url, "PostgreSQL", args.size, args.queries)
        finally:
            name = make_url(url).database
            async with admin.engine.execution_options(isolation_level="AUTOCOMMIT").connect() as c:
                await c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await admin.dispose()


if __name__ == "__main__":
    asyncio.run(main())
