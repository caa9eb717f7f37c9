"""The outbox: exactly once, across restarts and concurrent senders, with a grace window."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlmodel import select

from bot.core.outbox import Delivery
from bot.core.refs import MemberRef
from bot.core.reply import Reply
from bot.scheduling import FakeClock
from bot.storage.models import OutboxMessage
from tests.harness import Harness, make_harness


async def member(h: Harness, name: str) -> int:
    return (await h.core.members.resolve(MemberRef("memory", name, name))).id


async def rows(h: Harness) -> list[OutboxMessage]:
    async with h.db.session() as s:
        return list(await s.exec(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_same_key_twice_is_one_message(harness: Harness) -> None:
    bob = await member(harness, "bob")
    now = harness.clock.now()
    assert await harness.core.outbox.enqueue("k:1", now, reply=Reply(text="hi"), member_id=bob)
    assert not await harness.core.outbox.enqueue("k:1", now, reply=Reply(text="hi"), member_id=bob)
    report = await harness.deliver()
    assert report.sent == 1
    assert [s.text for s in harness.adapter.dms("bob")] == ["hi"]
    assert (await harness.deliver()).sent == 0


async def test_not_sent_before_due_then_sent_on_time(harness: Harness) -> None:
    bob = await member(harness, "bob")
    due = harness.clock.now() + timedelta(hours=1)
    await harness.core.outbox.enqueue("later", due, reply=Reply(text="rappel"), member_id=bob)
    assert (await harness.deliver()).sent == 0
    harness.clock.advance(timedelta(hours=1))
    assert (await harness.deliver()).sent == 1
    assert "retard" not in harness.adapter.dms("bob")[0].text


async def test_restart_resends_nothing_already_sent(db_url: str) -> None:
    clock = FakeClock()
    first = await make_harness(db_url, clock=clock)
    bob = await member(first, "bob")
    for i in range(5):
        await first.core.outbox.enqueue(
            f"r:{i}", clock.now(), reply=Reply(text=str(i)), member_id=bob
        )
    assert (await first.deliver()).sent == 5
    await first.core.stop()
    await first.db.dispose()

    second = await make_harness(db_url, clock=clock)  # a restarted process, new adapter
    try:
        assert (await second.deliver()).sent == 0
        assert second.adapter.sent == []
    finally:
        await second.core.stop()
        await second.db.dispose()


async def test_due_while_down_sent_late_within_grace_skipped_after(db_url: str, caplog) -> None:
    clock = FakeClock()
    before = await make_harness(db_url, clock=clock)
    bob = await member(before, "bob")
    now = clock.now()
    await before.core.outbox.enqueue("recent", now, reply=Reply(text="a"), member_id=bob)
    await before.core.outbox.enqueue(
        "ancient", now - timedelta(hours=1), reply=Reply(text="b"), member_id=bob
    )
    await before.core.stop()
    await before.db.dispose()
    clock.advance(timedelta(hours=5, minutes=30))  # down for 5 h 30; grace is 6 h
    after = await make_harness(db_url, clock=clock)
    try:
        caplog.set_level(logging.WARNING)
        report = await after.deliver()
        assert (report.sent, report.skipped) == (1, 1)
        (dm,) = after.adapter.dms("bob")
        assert dm.text.startswith("a") and "Envoyé en retard" in dm.text
        assert "ancient skipped" in caplog.text
        statuses = {r.key: r.status for r in await rows(after)}
        assert statuses == {"recent": "sent", "ancient": "skipped"}
    finally:
        await after.core.stop()
        await after.db.dispose()


async def test_late_note_is_in_the_recipients_language(db_url: str) -> None:
    clock = FakeClock()
    before = await make_harness(db_url, clock=clock)
    await before.say("bob", "!language en")
    bob = await member(before, "bob")
    await before.core.outbox.enqueue("x", clock.now(), reply=Reply(text="hello"), member_id=bob)
    await before.core.stop()
    await before.db.dispose()
    clock.advance(timedelta(minutes=30))
    after = await make_harness(db_url, clock=clock)
    try:
        await after.deliver()
        assert "Sent late: the bot was unavailable" in after.adapter.dms("bob")[-1].text
    finally:
        await after.core.stop()
        await after.db.dispose()


async def test_a_message_sent_late_says_so_whatever_the_cause(harness: Harness) -> None:
    """The bot was up, just busy (a fan-out, a slow platform): more than ``late_after`` (30 s)
    after its due time a message still tells its reader; within it, nothing is said."""
    bob = await member(harness, "bob")
    await harness.core.outbox.enqueue(
        "slow",
        harness.clock.now() + timedelta(seconds=1),
        reply=Reply(text="x"),
        member_id=bob,
    )
    await harness.core.outbox.enqueue(
        "fine",
        harness.clock.now() + timedelta(minutes=9, seconds=40),
        reply=Reply(text="y"),
        member_id=bob,
    )
    harness.clock.advance(timedelta(minutes=10))
    await harness.deliver()
    texts = {d.text[0]: d.text for d in harness.adapter.dms("bob")}
    assert "Envoyé avec 10 min de retard sur l'heure prévue" in texts["x"]
    assert "indisponible" not in texts["x"]  # the bot was not down
    assert "retard" not in texts["y"]  # 19 s late: within late_after


async def test_transient_errors_are_retried_with_backoff(harness: Harness) -> None:
    bob = await member(harness, "bob")
    harness.adapter.fail_next = 2
    await harness.core.outbox.enqueue(
        "t", harness.clock.now(), reply=Reply(text="x"), member_id=bob
    )
    assert (await harness.deliver()).retried == 1
    assert (await harness.deliver()).sent == 0  # backing off
    harness.clock.advance(timedelta(seconds=5))
    assert (await harness.deliver()).retried == 1
    harness.clock.advance(timedelta(seconds=10))
    assert (await harness.deliver()).sent == 1
    (row,) = await rows(harness)
    assert (row.status, row.attempts) == ("sent", 3)


async def test_gives_up_after_max_attempts(harness: Harness) -> None:
    bob = await member(harness, "bob")
    harness.adapter.fail_next = 100
    await harness.core.outbox.enqueue(
        "t", harness.clock.now(), reply=Reply(text="x"), member_id=bob
    )
    for _ in range(harness.core.settings.outbox.max_attempts):
        await harness.deliver()
        harness.clock.advance(timedelta(minutes=30))
    (row,) = await rows(harness)
    assert row.status == "failed" and row.failure_reason == "simulated failure"


async def test_rate_limit_delays_without_losing(harness: Harness) -> None:
    bob = await member(harness, "bob")
    harness.adapter.rate_limit = 3
    now = harness.clock.now()
    await harness.core.outbox.enqueue_many(
        [
            {"key": f"rl:{i}", "due_at": now, "reply": Reply(text=str(i)), "member_id": bob}
            for i in range(10)
        ]
    )
    sent = 0
    for _ in range(20):
        sent += (await harness.deliver()).sent
        if sent == 10:
            break
        harness.clock.advance(timedelta(seconds=1))
        await asyncio.sleep(0.35)
    assert sent == 10
    assert sorted(int(s.text) for s in harness.adapter.dms("bob")) == list(range(10))
    assert all(r.attempts == 1 for r in await rows(harness))  # rate limits are not failures


async def test_refused_dm_falls_back_to_a_mention_in_the_room(harness: Harness) -> None:
    bob = await member(harness, "bob")
    harness.adapter.refuse_dms.add("bob")
    await harness.core.outbox.enqueue(
        "dm:1",
        harness.clock.now(),
        reply=Reply(text="secret link"),
        member_id=bob,
        fallback_room=harness.adapter.room,
    )
    report = await harness.deliver()
    assert report.failed == 1 and report.sent == 1
    (post,) = harness.adapter.in_room()
    assert "@bob" in post.text and "secret link" not in post.text
    statuses = {r.key: (r.status, r.failure_reason) for r in await rows(harness)}
    assert statuses == {"dm:1": ("failed", "dm_refused"), "dm:1:fallback": ("sent", None)}


async def test_renderers_render_at_send_time_and_may_drop(harness: Harness) -> None:
    bob = await member(harness, "bob")
    seen: list[Delivery] = []

    async def render(d: Delivery) -> Reply | None:
        seen.append(d)
        return None if d.data.get("cancelled") else Reply(text=d.t("Membre introuvable."))

    harness.core.outbox.register("test.kind", render)
    now = harness.clock.now()
    await harness.core.outbox.enqueue("a", now, kind="test.kind", data={}, member_id=bob)
    await harness.core.outbox.enqueue(
        "b", now, kind="test.kind", data={"cancelled": True}, member_id=bob
    )
    await harness.say("bob", "!language en")
    report = await harness.deliver()
    assert (report.sent, report.dropped) == (1, 1)
    assert harness.adapter.dms("bob")[0].text == "Member not found."


async def test_expired_lease_is_taken_over_and_the_platform_dedupes(harness: Harness) -> None:
    bob = await member(harness, "bob")
    await harness.core.outbox.enqueue(
        "crash", harness.clock.now(), reply=Reply(text="x"), member_id=bob
    )
    claimed = await harness.core.outbox.claim()  # a sender claims, then "crashes"
    assert [r.key for r in claimed] == ["crash"]
    assert await harness.core.outbox.claim() == []  # leased: nobody else takes it
    harness.clock.advance(timedelta(minutes=6))
    assert (await harness.deliver()).sent == 1


async def test_two_concurrent_senders_never_send_a_row_twice(db_url: str) -> None:
    clock = FakeClock()
    a = await make_harness(db_url, clock=clock)
    b = await make_harness(db_url, clock=clock)
    try:
        ids = [await member(a, f"m{i}") for i in range(40)]
        now = clock.now()
        await a.core.outbox.enqueue_many(
            [
                {"key": f"fan:{i}:{m}", "due_at": now, "reply": Reply(text="r"), "member_id": m}
                for i in range(10)
                for m in ids
            ]
        )
        a.core.settings.outbox.batch_size = 25
        reports = await asyncio.gather(a.deliver(), b.deliver(), a.deliver(), b.deliver())
        keys = [k for r in reports for k in r.keys]
        assert len(keys) == 400 and len(set(keys)) == 400
        sent = [s.key for s in a.adapter.sent + b.adapter.sent]
        assert len(sent) == 400 and len(set(sent)) == 400
        assert a.adapter.sent and b.adapter.sent  # both did part of the work
    finally:
        for h in (a, b):
            await h.core.stop()
            await h.db.dispose()


async def test_cancel_by_prefix(harness: Harness) -> None:
    bob = await member(harness, "bob")
    due = harness.clock.now() + timedelta(days=1)
    for key in ("cafe:1:15m:1", "cafe:1:1d:1", "cafe:2:15m:1"):
        await harness.core.outbox.enqueue(key, due, reply=Reply(text="x"), member_id=bob)
    assert await harness.core.outbox.cancel(prefix="cafe:1:") == 2
    assert [r.key for r in await rows(harness)] == ["cafe:2:15m:1"]


async def test_enqueue_inside_a_transaction_is_all_or_nothing(harness: Harness) -> None:
    import pytest

    bob = await member(harness, "bob")
    now = harness.clock.now()

    def item(key: str) -> dict:
        return {
            "key": key,
            "due_at": now,
            "reply": Reply(text=key),
            "member_id": bob,
            "platform": "memory",
        }

    with pytest.raises(RuntimeError):
        async with harness.db.session() as s:
            await harness.core.outbox.enqueue_many([item("tx:1")], session=s)
            raise RuntimeError("the caller's work failed")
    assert await harness.core.outbox.get("tx:1") is None
    async with harness.db.session() as s:
        assert await harness.core.outbox.enqueue_many([item("tx:2")], session=s) == 1
    assert (await harness.deliver()).sent == 1
    with pytest.raises(ValueError, match="name the platform"):
        async with harness.db.session() as s:
            await harness.core.outbox.enqueue_many(
                [{"key": "tx:3", "due_at": now, "reply": Reply(text="x"), "member_id": bob}],
                session=s,
            )
