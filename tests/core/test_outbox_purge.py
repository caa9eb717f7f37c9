"""Outbox housekeeping: a sent message's text does not stay next to its recipient for good."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import select

from bot.core.refs import MemberRef
from bot.core.reply import Reply
from bot.storage.models import OutboxMessage
from tests.harness import Harness, make_harness


async def keys(h: Harness) -> list[str]:
    async with h.db.session() as s:
        return sorted(r.key for r in await s.exec(select(OutboxMessage)))


async def test_sent_rows_are_purged_after_keep_sent_days(harness: Harness) -> None:
    assert harness.core.settings.outbox.keep_sent == 7
    bob = (await harness.core.members.resolve(MemberRef("memory", "bob", "bob"))).id
    outbox = harness.core.outbox
    now = harness.clock.now()
    await outbox.enqueue("vote:confirm", now, reply=Reply(text="a voté"), member_id=bob)
    await outbox.enqueue("later", now + timedelta(days=30), reply=Reply(text="x"), member_id=bob)
    assert (await harness.deliver()).sent == 1

    harness.clock.advance(timedelta(days=6, hours=23))
    assert await outbox.housekeep() == 0
    assert await keys(harness) == ["later", "vote:confirm"]

    harness.clock.advance(timedelta(hours=2))  # 7 days and 1 hour after it was sent
    assert await outbox.housekeep() == 1
    assert await keys(harness) == ["later"]  # pending rows are never purged

    # The key is gone, but queuing it again cannot send it twice: it is far past the grace.
    await outbox.enqueue("vote:confirm", now, reply=Reply(text="a voté"), member_id=bob)
    report = await harness.deliver()
    assert report.sent == 0 and report.skipped == 1
    # Skipped (and failed, dropped) rows go too, once their due time is that old.
    harness.clock.advance(timedelta(hours=2))
    assert await outbox.housekeep() == 1
    assert await keys(harness) == ["later"]


async def test_housekeeping_runs_at_most_hourly_and_keep_sent_is_configurable(
    db_url: str,
) -> None:
    h = await make_harness(db_url, outbox={"keep_sent": 2})
    try:
        bob = (await h.core.members.resolve(MemberRef("memory", "bob", "bob"))).id
        outbox = h.core.outbox
        await outbox.enqueue("a", h.clock.now(), reply=Reply(text="a"), member_id=bob)
        await h.deliver()
        assert await outbox.housekeep() == 0  # nothing two days old yet
        h.clock.advance(timedelta(days=2, minutes=1))
        assert await outbox.housekeep() == 1
        done_at = h.clock.now()
        # A row sent three days before that last housekeeping…
        h.clock.set(done_at - timedelta(days=3))
        await outbox.enqueue("c", h.clock.now(), reply=Reply(text="c"), member_id=bob)
        await h.deliver()
        # …waits for the next one, an hour after the last.
        h.clock.set(done_at + timedelta(minutes=30))
        assert await outbox.housekeep() == 0
        assert await keys(h) == ["c"]
        h.clock.set(done_at + timedelta(minutes=61))
        assert await outbox.housekeep() == 1
        assert await keys(h) == []
    finally:
        await h.core.stop()
        await h.db.dispose()


async def test_the_sender_loop_does_the_housekeeping(harness: Harness) -> None:
    bob = (await harness.core.members.resolve(MemberRef("memory", "bob", "bob"))).id
    outbox = harness.core.outbox
    await outbox.enqueue("old", harness.clock.now(), reply=Reply(text="x"), member_id=bob)
    await harness.deliver()
    harness.clock.advance(timedelta(days=8))
    outbox.start()
    try:
        for _ in range(200):
            if not await keys(harness):
                break
            await asyncio.sleep(0.02)
        assert await keys(harness) == []
    finally:
        await outbox.stop()


def test_keep_sent_never_undercuts_the_grace_window() -> None:
    from bot.config import load_settings

    settings = load_settings(None, outbox={"keep_sent": 1, "grace": "3d"})
    assert settings.outbox.keep_sent_for == timedelta(days=3)
    assert load_settings(None).outbox.keep_sent_for == timedelta(days=7)
