"""E-mail delivery benchmark: queued outbox messages through the e-mail adapter to a recording
SMTP server on 127.0.0.1 (aiosmtpd), real SMTP on both sides.

N members (default 2,000) with a confirmed address who chose e-mail for the digest; one
"digest" row each, queued with no platform (as the digest cog queues them): the outbox routes
them to e-mail. Two runs in the same process:

1. baseline: ``[email] rate = 0`` (no pacing): what this machine can push at most;
2. paced: ``[email] rate = R`` messages/s: the bound is ``N / R`` seconds. Goal: total time
   ≤ 1.10 × the bound, 0 duplicates (by recipient and by Message-ID), 0 lost. Also shown:
   the most messages the server accepted within one second (sends start on evenly spaced
   slots; a stall on a busy machine lets a few complete together).

    .venv/bin/python bench/email_delivery.py [--members 2000] [--rate 20] [--concurrency 8]
        [--database-url postgresql+asyncpg://…]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import secrets
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bench._common import deliver_all  # noqa: E402
from bot.adapters.email import EmailAdapter  # noqa: E402
from bot.app import build_core, ensure_schema, start_core  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.core.core import Core  # noqa: E402
from bot.core.outbox import Delivery  # noqa: E402
from bot.core.refs import MemberRef  # noqa: E402
from bot.core.reply import Reply  # noqa: E402
from bot.scheduling import SystemClock  # noqa: E402
from bot.storage.db import Database  # noqa: E402
from bot.storage.models import EmailAddress  # noqa: E402
from fakes.smtp import SmtpServer  # noqa: E402


async def render_digest(d: Delivery) -> Reply | None:
    return Reply(
        title=d.t("Résumé du mois"),
        text="**Cafés** : jeudi 7 janvier à 10 h\n- Nouvelles ressources : 3",
    )


async def start_bot(url: str, port: int, rate: float, concurrency: int) -> Core:
    settings = load_settings(
        None,
        email={
            "enabled": True,
            "host": "127.0.0.1",
            "port": port,
            "from": "Passerelle <bot@passerelle.test>",
            "starttls": False,
            "rate": rate,
        },
        outbox={"concurrency": concurrency, "batch_size": 500},
        web={"base_url": "https://bot.passerelle.test"},
    )
    settings.database.url = url
    db = Database(url)
    await ensure_schema(db, auto_migrate=True)
    core = build_core(
        settings, db, SystemClock(), cogs=[], adapters=[EmailAdapter(settings.email)]
    )
    core.outbox.register("digest", render_digest)
    await start_core(core)
    return core


async def make_members(core: Core, count: int, tag: str) -> list[int]:
    ids = []
    for i in range(count):
        member = await core.members.resolve(MemberRef("bench", f"{tag}{i}", f"{tag}{i}"))
        assert member.id is not None
        ids.append(member.id)
    now = core.clock.now()
    async with core.db.session() as s:
        s.add_all(
            EmailAddress(
                member_id=m,
                address=f"{tag}{i}@example.org",
                confirmed_at=now,
                unsubscribe_token=secrets.token_urlsafe(24),
                digest=True,
                created_at=now,
            )
            for i, m in enumerate(ids)
        )
    return ids


async def run(core: Core, smtp: SmtpServer, ids: list[int], edition: str) -> dict[str, float]:
    before = len(smtp.received)
    now = core.clock.now()
    queued = await core.outbox.enqueue_many(
        [dict(key=f"digest:{edition}:{m}", due_at=now, kind="digest", member_id=m) for m in ids]
    )
    assert queued == len(ids)
    started = time.perf_counter()
    report = await deliver_all(core)
    elapsed = time.perf_counter() - started
    got = smtp.received[before:]
    by_rcpt = Counter(r.rcpt_tos[0] for r in got)
    by_id = Counter(str(r.message["Message-ID"]) for r in got)
    arrivals = sorted(r.at for r in got)
    busiest = 0
    j = 0
    for i, at in enumerate(arrivals):
        while arrivals[j] <= at - 1.0:
            j += 1
        busiest = max(busiest, i - j + 1)
    return {
        "messages": len(got),
        "seconds": elapsed,
        "duplicates": sum(c - 1 for c in by_rcpt.values() if c > 1)
        + sum(c - 1 for c in by_id.values() if c > 1),
        "lost": len(ids) - len(by_rcpt),
        "failed": report.failed,
        "busiest_second": busiest,
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=20.0, help="[email] rate, messages/s")
    parser.add_argument("--concurrency", type=int, default=8, help="[outbox] concurrency")
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        async with SmtpServer() as smtp:
            results = {}
            for name, rate in (("baseline", 0.0), ("paced", args.rate)):
                core = await start_bot(url, smtp.port, rate, args.concurrency)
                try:
                    if name == "baseline":
                        print(f"Database: {core.db.dialect}")
                        if core.db.dialect == "postgresql":
                            async with core.db.session() as s:  # a clean slate for the run
                                await s.exec(text("TRUNCATE core_member CASCADE"))
                                await s.exec(text("TRUNCATE core_outbox"))
                    ids = await make_members(core, args.members, name[0])
                    results[name] = await run(core, smtp, ids, name)
                finally:
                    await core.stop()
                    await core.db.dispose()
    base, paced = results["baseline"], results["paced"]
    bound = args.members / args.rate
    print(
        f"{args.members} e-mails through the outbox (concurrency {args.concurrency}) to a "
        "recording SMTP server on 127.0.0.1:"
    )
    print(
        f"  baseline, no pacing : {base['seconds']:6.2f} s "
        f"({base['messages'] / base['seconds']:6.0f} msg/s)   duplicates {base['duplicates']:.0f}"
        f"   lost {base['lost']:.0f}"
    )
    print(
        f"  paced at {args.rate:g}/s     : {paced['seconds']:6.2f} s   bound {bound:.2f} s   "
        f"ratio {paced['seconds'] / bound:.3f}× (goal ≤ 1.10)"
    )
    print(
        f"  paced: duplicates {paced['duplicates']:.0f}, lost {paced['lost']:.0f}, failed "
        f"{paced['failed']:.0f} (goal 0/0); most accepted within one second: "
        f"{paced['busiest_second']:.0f}"
    )
    print(f"  pacing cost vs the machine's own pace: {paced['seconds'] / base['seconds']:.2f}×")


if __name__ == "__main__":
    asyncio.run(main())
