"""The Matrix adapter against a real Synapse, with real matrix-nio clients as members: direct
rooms (reminders reusing one DM, private replies, the fallback when a member leaves the DM, a
DM opened with its first command) and encryption (encrypted DMs both ways, an encrypted room
the bot cannot read)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from bot.core.refs import MemberRef
from bot.core.reply import Reply
from tests.e2e.matrix.conftest import World, body

pytestmark = pytest.mark.e2e


async def test_reminder_dm_arrives_in_a_direct_room_reused_next_time(world: World) -> None:
    bot = await world.start()
    dana = await world.member()
    await world.joined(dana)
    core = bot.core
    ref = MemberRef("matrix", dana.user_id, "Dana")
    member = await core.members.resolve(ref)
    now = core.clock.now()
    await core.outbox.enqueue(
        "test:rappel:1", now, reply=Reply(text="Rappel 1"), member_id=member.id
    )
    report = await core.outbox.deliver_due()
    assert report.sent == 1
    room1, first = await dana.wait_for(lambda rid, e: body(e) == "Rappel 1")
    await core.outbox.enqueue(
        "test:rappel:2",
        now + timedelta(seconds=1),
        reply=Reply(text="Rappel 2"),
        member_id=member.id,
    )
    core.clock.advance(timedelta(seconds=2))
    assert (await core.outbox.deliver_due()).sent == 1
    room2, _ = await dana.wait_for(lambda rid, e: body(e) == "Rappel 2")
    assert room1 == room2 != world.room_id
    # The bot's m.direct account data records the room.
    direct = world.synapse.api(
        "GET",
        f"/_matrix/client/v3/user/{world.bot_user.user_id}/account_data/m.direct",
        world.bot_user.access_token,
    )
    assert direct[dana.user_id] == [room1]
    # A resend with the same outbox key (crash after sending) is not shown twice.
    assert bot.adapter is not None
    again = await bot.adapter.send_direct(ref, Reply(text="Rappel 1"), key="test:rappel:1")
    assert again.id == first.event_id


async def test_a_member_who_leaves_the_dm_gets_the_fallback_in_the_room(world: World) -> None:
    bot = await world.start()
    ivy = await world.member()
    await world.joined(ivy)
    core = bot.core
    member = await core.members.resolve(MemberRef("matrix", ivy.user_id, "Ivy"))
    community = bot.adapter.room_ref(world.room_id)  # type: ignore[union-attr]
    await core.outbox.enqueue(
        "test:ivy:1", core.clock.now(), reply=Reply(text="Premier"), member_id=member.id
    )
    await core.outbox.deliver_due()
    dm, _ = await ivy.wait_for(lambda rid, e: body(e) == "Premier")
    await ivy.client.room_leave(dm)
    for _ in range(50):
        if ivy.user_id in bot.adapter.state.refused_dm:  # type: ignore[union-attr]
            break
        await asyncio.sleep(0.1)
    await core.outbox.enqueue(
        "test:ivy:2",
        core.clock.now(),
        reply=Reply(text="Second"),
        member_id=member.id,
        fallback_room=community,
    )
    await core.outbox.deliver_due()
    await core.outbox.deliver_due()  # the fallback row
    _, notice = await ivy.wait_for(lambda rid, e: rid == world.room_id and "privé" in body(e))
    assert notice.source["content"]["m.mentions"] == {"user_ids": [ivy.user_id]}
    assert not [e for rid, e in ivy.events if body(e) == "Second"]


async def test_private_replies_go_to_the_direct_room_errors_stay_in_the_room(
    world: World,
) -> None:
    await world.start()
    ines = await world.member()
    await world.joined(ines)
    asked = await ines.say(world.room_id, "!help")
    dm, _ = await ines.wait_for(lambda rid, e: rid != world.room_id and "!ballot" in body(e))
    await ines.wait_for(  # the command is marked 📩 in the room
        lambda rid, e: (
            (e.source["content"].get("m.relates_to") or {}).get("key") == "📩"
            and e.source["content"]["m.relates_to"]["event_id"] == asked
        )
    )
    assert dm in world.bot.adapter.state.direct_rooms.values()  # type: ignore[union-attr]
    # The next private replies go by DM too, without a room event each time: 📩 once.
    again = await ines.say(world.room_id, "!help ballot")
    await ines.wait_for(
        lambda rid, e: rid == dm and "ballot ping" in body(e) and e.sender != ines.user_id
    )
    third = await ines.say(world.room_id, "!help")
    await ines.wait_for(
        lambda rid, e: (
            rid != world.room_id
            and "!ballot" in body(e)
            and e.event_id != asked
            and sum(1 for r, x in ines.events if r == dm and "!ballot" in body(x)) >= 2
        )
    )
    await ines.command(world.room_id, "!ballot ping")  # in-room answer: all before it is synced
    hints = [
        e
        for rid, e in ines.events
        if rid == world.room_id
        and (e.source["content"].get("m.relates_to") or {}).get("key") == "📩"
    ]
    assert [h.source["content"]["m.relates_to"]["event_id"] for h in hints] == [asked]
    assert again and third
    error = await ines.command(world.room_id, "!ballot nope")
    assert error.source["content"]["msgtype"] == "m.notice"
    assert "ballot" in body(error)  # an unknown command, answered where it was typed


async def test_a_command_sent_with_a_new_dm_invite_is_answered(world: World) -> None:
    await world.start()
    lou = await world.member()
    # As Element does: the DM room is created with the invite, the first message right away.
    dm = (await lou.client.room_create(is_direct=True, invite=[world.bot_user.user_id])).room_id
    first = await lou.say(dm, "!ballot ping")
    assert body(await lou.reply_to(dm, first)).startswith("pong")


async def test_encrypted_direct_room_round_trip(world: World) -> None:
    pytest.importorskip("vodozemac")
    await world.start(encryption=True)
    frank = await world.member(e2e=True)
    await world.joined(frank)
    resp = await frank.client.room_create(
        is_direct=True,
        invite=[world.bot_user.user_id],
        initial_state=[
            {
                "type": "m.room.encryption",
                "state_key": "",
                "content": {"algorithm": "m.megolm.v1.aes-sha2"},
            }
        ],
    )
    dm = resp.room_id
    await frank.wait_for(
        lambda rid, e: (
            rid == dm
            and getattr(e, "membership", "") == "join"
            and e.state_key == world.bot_user.user_id
        )
    )
    if frank.client.should_query_keys:
        await frank.client.keys_query()
    reply = await frank.command(dm, "!ballot ping", wait_s=30)
    assert type(reply).__name__ == "RoomMessageNotice"  # decrypted by frank's client
    assert reply.body.startswith("pong")
    assert reply.decrypted


async def test_reminder_to_an_encrypted_member_in_a_new_encrypted_dm(world: World) -> None:
    pytest.importorskip("vodozemac")
    bot = await world.start(encryption=True)
    gus = await world.member(e2e=True)
    await world.joined(gus)
    member = await bot.core.members.resolve(MemberRef("matrix", gus.user_id, "Gus"))
    await bot.core.outbox.enqueue(
        "test:chiffre:1",
        bot.core.clock.now(),
        reply=Reply(text="Rappel chiffré"),
        member_id=member.id,
    )
    assert (await bot.core.outbox.deliver_due()).sent == 1
    _, event = await gus.wait_for(lambda rid, e: getattr(e, "body", "") == "Rappel chiffré", 30)
    assert event.decrypted  # the DM the bot created is encrypted, and gus could read it


async def test_encrypted_room_without_encryption_is_announced_once(world: World) -> None:
    bot = await world.start(encryption=False)
    owner = world.members[0]
    secret_room = (
        await owner.client.room_create(
            name="Chiffré",
            invite=[world.bot_user.user_id],
            initial_state=[
                {
                    "type": "m.room.encryption",
                    "state_key": "",
                    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
                }
            ],
        )
    ).room_id

    def is_warning(rid: str, e: Any) -> bool:
        return rid == secret_room and "chiffré" in body(e)

    await owner.wait_for(is_warning)
    await bot.stop()
    await bot.start()
    await owner.command(world.room_id, "!ballot ping")
    await asyncio.sleep(1.0)
    assert len([e for rid, e in owner.events if is_warning(rid, e)]) == 1
