"""The café's outbox keys (one module owns every format) and how its reminders are dropped."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.core import MemberRef
from bot.core.linking import merge_members
from cogs.cafe.reminders import (
    announce_key,
    notice_key,
    promoted_key,
    reminder_key,
    reminder_prefix,
    start_key,
    start_prefix,
)
from tests.cogs.cafe.test_cafe import CREATE, first_occurrence
from tests.harness import Harness

CAFE = Path(__file__).resolve().parents[3] / "cogs" / "cafe"


def test_key_formats() -> None:
    start = datetime(2027, 2, 4, 9, 0, tzinfo=UTC)
    assert reminder_key(12, 900, 3) == "cafe:12:900:3"
    assert notice_key(12, 2, 3) == "cafe-notice:12:2:3"
    assert promoted_key(12, 3) == "cafe-promoted:12:3"
    assert announce_key(12) == "cafe-announce:12"
    assert start_key(12, start) == f"cafe-start:12:{int(start.timestamp())}"
    assert reminder_key(12, 900, 3).startswith(reminder_prefix(12))
    assert not reminder_key(12, 900, 3).startswith(reminder_prefix(1))  # the colon counts
    assert start_key(12, start).startswith(start_prefix(12))


def test_the_cog_never_reads_the_outbox_table_or_the_adapters() -> None:
    for path in CAFE.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "OutboxMessage" not in text, path.name
        assert "core.adapters" not in text, path.name
        if path.name != "models.py":  # foreign keys may name the core table
            assert "core_member" not in text, path.name


async def test_leaving_drops_only_the_leavers_reminders(cafe: Harness) -> None:
    await cafe.say("mod", CREATE)
    occ = await first_occurrence(cafe)
    await cafe.invoke("alice", "cafe join")
    await cafe.invoke("bob", "cafe join")
    bob = (await cafe.core.members.find_by_name("bob"))[0].id
    prefix = reminder_prefix(occ.id or 0)
    assert len(await cafe.core.outbox.pending(prefix)) == 4  # 24h and 15m, each
    await cafe.invoke("alice", "cafe leave")
    pending = await cafe.core.outbox.pending(prefix)
    assert [p.member_id for p in pending] == [bob, bob]
    assert all(p.key.endswith(f":{bob}") for p in pending)


async def test_reminders_queued_before_a_merge_go_with_the_seat(cafe: Harness) -> None:
    """Linked accounts: the reminders queued for the merged id follow its registration; when
    the kept member leaves, none of them is sent."""
    await cafe.say("mod", CREATE)
    occ = await first_occurrence(cafe)
    await cafe.invoke("alice", "cafe join")
    alice = (await cafe.core.members.find_by_name("alice"))[0].id
    bob = (await cafe.core.members.resolve(MemberRef("memory", "bob", "bob"))).id
    await merge_members(cafe.core, bob, alice)
    prefix = reminder_prefix(occ.id or 0)
    assert {p.member_id for p in await cafe.core.outbox.pending(prefix)} == {bob}
    await cafe.invoke("bob", "cafe leave")
    assert await cafe.core.outbox.pending(prefix) == []
