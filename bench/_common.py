"""What several benchmarks share, so that none imports from tests/: a tiny cog to drive, and
the outbox fan-outs' baseline (a bare INSERT of the same rows).

Run benchmarks from the repository root (``.venv/bin/python bench/<name>.py``); each adds the
root to ``sys.path`` itself.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import insert, text

from bot.core import Cog, Invocation, Reply, command
from bot.core.outbox import Delivery, DeliveryReport
from bot.storage.models import Identity, OutboxMessage

if TYPE_CHECKING:
    from bot.core.core import Core


class BenchCog(Cog, name="bench"):
    """``bench ping`` answers at once (round trips without cog work); ``bench.dm`` renders an
    outbox reminder (fan-out without a cog's own queries)."""

    def __init__(self, core) -> None:  # type: ignore[no-untyped-def]
        super().__init__(core)
        core.outbox.register("bench.dm", self._render_dm)

    async def _render_dm(self, d: Delivery) -> Reply | None:
        return Reply(text=d.t("Rappel : {what}", what=d.data["what"]))

    @command("ping")
    async def ping(self, inv: Invocation) -> Reply:
        """Répondre pong."""
        return Reply(text=f"pong **{inv.actor.ref.display_name}**")


async def member_ids_with_identities(core: Core, platform: str, now: datetime) -> list[int]:
    """Every member's id, each given one identity ``m<id>`` on ``platform`` (seeded members
    the outbox can address)."""
    async with core.db.session() as s:
        ids = [r[0] for r in await s.exec(text("SELECT id FROM core_member ORDER BY id"))]  # type: ignore[call-overload]
        await s.exec(  # type: ignore[call-overload]
            insert(Identity),
            params=[
                {
                    "member_id": m,
                    "platform": platform,
                    "external_id": f"m{m}",
                    "display_name": f"m{m}",
                    "created_at": now,
                    "last_seen_at": now,
                }
                for m in ids
            ],
        )
    return ids


async def bare_outbox_insert(core: Core, member_ids: list[int], kind: str, platform: str) -> float:
    """The fan-out benchmarks' baseline: seconds for one executemany INSERT of a row per member
    into the outbox (the rows are then deleted, so the measured path starts from empty)."""
    now = datetime.now(UTC)
    rows = [
        {
            "key": f"base:{m}",
            "kind": kind,
            "platform": platform,
            "member_id": m,
            "payload": "{}",
            "status": "done",
            "due_at": now,
            "next_try_at": now,
            "attempts": 0,
            "created_at": now,
        }
        for m in member_ids
    ]
    t0 = time.perf_counter()
    async with core.db.session() as s:
        await s.exec(insert(OutboxMessage), params=rows)  # type: ignore[call-overload]
    elapsed = time.perf_counter() - t0
    async with core.db.session() as s:
        await s.exec(text("DELETE FROM core_outbox"))  # type: ignore[call-overload]
    return elapsed


async def deliver_all(core: Core) -> DeliveryReport:
    """Deliver every due row, waiting out the platform's "retry later" answers, until nothing is
    sent or retried any more (a paced fan-out's whole run)."""
    report = await core.outbox.deliver_due()
    while report.retried:
        await asyncio.sleep(0.2)
        more = await core.outbox.deliver_due()
        report.add(more)
        if not more.sent and not more.retried:
            break
    return report
