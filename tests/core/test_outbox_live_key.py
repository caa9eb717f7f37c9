"""A room post queued with ``data["live_key"]`` becomes a live message: later updates edit it
(questions from the floor keep their support count up to date this way)."""

from __future__ import annotations

from bot.core.reply import Reply
from tests.harness import Harness


async def test_a_post_with_a_live_key_is_edited_by_later_updates(harness: Harness) -> None:
    room = harness.adapter.room
    now = harness.clock.now()
    await harness.core.outbox.enqueue(
        "post:1", now, reply=Reply(text="v1"), room=room, data={"live_key": "thing:1"}
    )
    await harness.core.outbox.enqueue("post:2", now, reply=Reply(text="plain"), room=room)
    assert (await harness.deliver()).sent == 2
    assert await harness.core.live.exists("thing:1")
    (posted,) = [s for s in harness.adapter.in_room() if s.text == "v1"]

    async def build() -> Reply:
        return Reply(text="v2")

    harness.core.live.update("thing:1", room, build)
    await harness.settle()
    edits = [s for s in harness.adapter.sent if s.kind == "edit"]
    assert [(e.ref, e.text) for e in edits] == [(posted.ref, "v2")]
    assert len(harness.adapter.in_room()) == 2  # edited, not posted again
