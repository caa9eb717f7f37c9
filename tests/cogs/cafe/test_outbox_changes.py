"""Outbox changes made for the café fan-out: precise wake-ups, rate limits waited out on the
claimed row, long rate limits handed back to the queue, batched stamping."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import select

from bot.core import MemberRef, Reply
from bot.core.errors import RateLimited
from bot.scheduling import SystemClock
from bot.storage.models import OutboxMessage
from tests.harness import make_harness


async def test_sender_loop_wakes_at_the_due_time_without_a_scheduler(db_url: str) -> None:
    h = await make_harness(db_url, clock=SystemClock())  # type: ignore[arg-type]
    try:
        bob = (await h.core.members.resolve(MemberRef("memory", "bob", "bob"))).id
        h.core.outbox.start()
        await asyncio.sleep(0.1)  # the loop is idle, planning its next poll
        due = h.clock.now() + timedelta(milliseconds=300)
        await h.core.outbox.enqueue("soon", due, reply=Reply(text="now"), member_id=bob)
        for _ in range(100):
            if h.adapter.dms("bob"):
                break
            await asyncio.sleep(0.02)
        assert [d.text for d in h.adapter.dms("bob")] == ["now"]
    finally:
        await h.core.stop()
        await h.db.dispose()


async def test_long_rate_limit_goes_back_to_the_queue(harness) -> None:
    bob = (await harness.core.members.resolve(MemberRef("memory", "bob", "bob"))).id

    async def limited(*args, **kwargs):
        raise RateLimited(retry_after=60)

    harness.adapter.send_direct = limited  # type: ignore[method-assign]
    await harness.core.outbox.enqueue(
        "rl", harness.clock.now(), reply=Reply(text="x"), member_id=bob
    )
    report = await harness.deliver()
    assert (report.sent, report.retried) == (0, 1)
    async with harness.db.session() as s:
        row = (await s.exec(select(OutboxMessage))).one()
    assert row.status == "pending" and row.attempts == 0 and row.claimed_by is None
    assert row.next_try_at == harness.clock.now() + timedelta(seconds=60)


async def test_a_batch_is_stamped_sent_together(harness) -> None:
    ids = [
        (await harness.core.members.resolve(MemberRef("memory", f"m{i}", f"m{i}"))).id
        for i in range(30)
    ]
    now = harness.clock.now()
    await harness.core.outbox.enqueue_many(
        [{"key": f"b:{m}", "due_at": now, "reply": Reply(text="x"), "member_id": m} for m in ids]
    )
    assert (
        await harness.core.outbox.enqueue_many(
            [
                {
                    "key": "b:" + str(ids[0]),
                    "due_at": now,
                    "reply": Reply(text="x"),
                    "member_id": ids[0],
                }
            ]
        )
        == 0
    )
    report = await harness.deliver()
    assert report.sent == 30
    async with harness.db.session() as s:
        rows = list(await s.exec(select(OutboxMessage)))
    assert {(r.status, r.attempts, r.claimed_until) for r in rows} == {("sent", 1, None)}
