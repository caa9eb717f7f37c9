"""The outbox API cogs use instead of its table: pending(prefix), cancel(members=), purge."""

from __future__ import annotations

from datetime import timedelta

from bot.core.refs import MemberRef, RoomRef
from bot.core.reply import Reply
from tests.harness import Harness


async def test_pending_cancel_by_member_and_purge(harness: Harness) -> None:
    core = harness.core
    now = core.clock.now()
    alice = (await core.members.resolve(MemberRef("memory", "alice", "alice"))).id
    bob = (await core.members.resolve(MemberRef("memory", "bob", "bob"))).id
    room = RoomRef(harness.adapter.platform, "general")
    await core.outbox.enqueue(
        "t:1:a", now + timedelta(hours=2), reply=Reply(text="a"), member_id=alice
    )
    await core.outbox.enqueue(
        "t:1:b", now + timedelta(hours=1), reply=Reply(text="b"), member_id=bob
    )
    await core.outbox.enqueue(
        "t:2:a", now + timedelta(hours=3), reply=Reply(text="c"), member_id=alice
    )
    await core.outbox.enqueue("u:1", now + timedelta(hours=1), reply=Reply(text="d"), room=room)

    pending = await core.outbox.pending("t:1:")
    assert [(p.key, p.member_id) for p in pending] == [("t:1:b", bob), ("t:1:a", alice)]
    assert all(p.kind == "reply" for p in pending)

    assert await core.outbox.cancel(prefix="t:", members=[alice]) == 2
    assert [p.key for p in await core.outbox.pending("t:")] == ["t:1:b"]

    assert await core.outbox.purge("u:") == 1
    assert await core.outbox.pending("u:") == []


async def test_member_names_lookup(harness: Harness) -> None:
    alice = (await harness.core.members.resolve(MemberRef("memory", "alice", "alice"))).id
    names = await harness.core.members.names([alice, 987654])
    assert names == {alice: "alice"}
