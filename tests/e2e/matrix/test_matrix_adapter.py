"""The Matrix adapter against a real Synapse, with real matrix-nio clients as members."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import pytest

from bot.core.events import MemberJoined, MemberLeft
from bot.core.refs import Actor, MemberRef, Role, RoomRef
from bot.core.reply import Reply
from tests.e2e.matrix.conftest import Member, World, unique

pytestmark = pytest.mark.e2e


def body(event: Any) -> str:
    return event.source.get("content", {}).get("body", "")


async def tally_until(member: Member, room_id: str, expected: str, wait_s: float = 15) -> str:
    """Ask for the tally until it reads ``expected`` (native votes are handled asynchronously)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    text = ""
    while loop.time() < deadline:
        text = body(await member.command(room_id, "!ballot tally"))
        if text == expected:
            return text
        await asyncio.sleep(0.3)
    return text


async def test_a_command_gets_a_threaded_notice_with_html(world: World) -> None:
    await world.start()
    alice = await world.member()
    await world.joined(alice)
    reply = await alice.command(world.room_id, "!ballot ping")
    content = reply.source["content"]
    assert content["msgtype"] == "m.notice"
    assert content["body"].startswith("pong ")
    assert "<strong>" in content["formatted_body"]
    assert reply.sender == world.bot_user.user_id


async def test_native_and_typed_votes_share_one_tally(world: World) -> None:
    await world.start()
    bob, carol = await world.member(), await world.member()
    for m in (bob, carol):
        await world.joined(m)
    opened = await bob.say(world.room_id, "!ballot open")
    await bob.reply_to(world.room_id, opened)
    _, start = await bob.wait_for(
        lambda rid, e: getattr(e, "type", "") == "org.matrix.msc3381.poll.start"
    )
    poll = start.source["content"]
    assert poll["org.matrix.msc3381.poll.start"]["answers"][0]["id"] == "c"
    assert poll["m.poll"]["answers"][1]["m.id"] == "t"
    relation = {"rel_type": "m.reference", "event_id": start.event_id}
    # Bob votes natively (unstable form, as Element sends it)…
    await bob.client.room_send(
        world.room_id,
        "org.matrix.msc3381.poll.response",
        {"org.matrix.msc3381.poll.response": {"answers": ["c"]}, "m.relates_to": relation},
    )
    assert await tally_until(bob, world.room_id, "c=1 t=0 voters=1") == "c=1 t=0 voters=1"
    # A native vote is no typed message (nothing to redact); a vote typed in the room is.
    assert world.ballot.typed_votes == [False]
    # … then types a vote: his one ballot changes, it is not counted twice.
    await bob.command(world.room_id, "!ballot vote 1 t")
    assert body(await bob.command(world.room_id, "!ballot tally")) == "c=0 t=1 voters=1"
    assert world.ballot.typed_votes == [False, True]
    # Carol votes natively in the stable form.
    await carol.client.room_send(
        world.room_id, "m.poll.response", {"m.selections": ["c"], "m.relates_to": relation}
    )
    assert await tally_until(carol, world.room_id, "c=1 t=1 voters=2") == "c=1 t=1 voters=2"
    # An answer id the poll does not have is ignored.
    await carol.client.room_send(
        world.room_id, "m.poll.response", {"m.selections": ["zzz"], "m.relates_to": relation}
    )
    # Closing sends m.poll.end referencing the start event.
    await bob.command(world.room_id, "!ballot close")
    _, end = await bob.wait_for(
        lambda rid, e: (
            getattr(e, "type", "").endswith("poll.end")
            and e.source["content"]["m.relates_to"]["event_id"] == start.event_id
        )
    )
    assert "c=1 t=1 voters=2" in end.source["content"]["org.matrix.msc1767.text"]


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


async def test_old_commands_are_not_answered_after_a_restart(world: World) -> None:
    bot = await world.start()
    erin = await world.member()
    await world.joined(erin)
    before = await erin.say(world.room_id, "!ballot ping")
    await erin.reply_to(world.room_id, before)
    await bot.stop()
    during = await erin.say(world.room_id, "!ballot ping")  # typed while the bot is away
    await bot.start()
    after = await erin.command(world.room_id, "!ballot ping")
    assert body(after).startswith("pong")
    await asyncio.sleep(1.0)
    replies: dict[str, int] = {}
    for rid, event in erin.events:
        target = (
            (event.source.get("content", {}).get("m.relates_to") or {}).get("m.in_reply_to") or {}
        ).get("event_id")
        if rid == world.room_id and target:
            replies[target] = replies.get(target, 0) + 1
    assert replies.get(before) == 1
    assert during not in replies


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


async def test_a_burst_larger_than_the_timeline_limit_is_answered_in_full(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.adapters.matrix")
    bot = await world.start(timeline_limit=10)
    adapter = bot.adapter
    assert adapter is not None and adapter.sync.running
    gail = await world.member()
    await world.joined(gail)
    await gail.command(world.room_id, "!ballot ping")
    # Hold the bot's sync while 25 commands land: its next sync is `limited` (10 events).
    await adapter.sync.stop()
    assert not adapter.sync.running
    sent = [await gail.say(world.room_id, "!ballot ping") for _ in range(25)]
    adapter.sync.start()
    for event_id in sent:
        await gail.reply_to(world.room_id, event_id, wait_s=30)
    assert "filled a timeline gap" in caplog.text


async def test_rate_limited_replies_wait_and_are_all_delivered(world: World) -> None:
    bot = await world.start()
    admin = world.synapse.register(unique("admin"), admin=True)
    world.synapse.api(
        "POST",
        f"/_synapse/admin/v1/users/{world.bot_user.user_id}/override_ratelimit",
        admin.access_token,
        {"messages_per_second": 2, "burst_count": 2},
    )
    hana = await world.member()
    await world.joined(hana)
    sent = await asyncio.gather(*(hana.say(world.room_id, "!ballot ping") for _ in range(6)))
    for event_id in sent:
        await hana.reply_to(world.room_id, event_id, wait_s=30)
    assert bot.adapter is not None
    assert bot.adapter.rate_limited >= 1  # the homeserver did refuse some sends at first


def in_reply_to(event: Any) -> str | None:
    relation = event.source.get("content", {}).get("m.relates_to") or {}
    return (relation.get("m.in_reply_to") or {}).get("event_id")


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


async def test_members_roles_population_and_pictures(world: World) -> None:
    await world.start()
    owner = world.members[0]
    jules = await world.member()
    await world.joined(jules)
    joined = [e for e in world.ballot.arrivals if isinstance(e, MemberJoined)]
    for _ in range(50):
        joined = [e for e in world.ballot.arrivals if isinstance(e, MemberJoined)]
        if any(e.ref.id == jules.user_id for e in joined):
            break
        await asyncio.sleep(0.1)
    assert [e.ref.id for e in joined] == [jules.user_id]
    assert joined[0].room is not None and joined[0].room.id == world.room_id
    # Power levels become neutral roles: the room's creator (100) is a moderator.
    assert body(await owner.command(world.room_id, "!ballot secret")) == "secret ok"
    assert "modérateurs" in body(await jules.command(world.room_id, "!ballot secret"))
    # Population: joined members, the bot excluded (owner + jules).
    assert body(await jules.command(world.room_id, "!ballot population")) == "population=2"
    # A picture is uploaded and sent as m.image.
    said = await jules.say(world.room_id, "!ballot chart")
    await jules.reply_to(world.room_id, said)
    _, image = await jules.wait_for(
        lambda rid, e: e.source.get("content", {}).get("msgtype") == "m.image"
    )
    content = image.source["content"]
    assert content["url"].startswith("mxc://")
    assert (content["info"]["w"], content["info"]["h"]) == (40, 30)
    await jules.client.room_leave(world.room_id)
    for _ in range(50):
        if any(isinstance(e, MemberLeft) for e in world.ballot.arrivals):
            break
        await asyncio.sleep(0.1)
    left = [e for e in world.ballot.arrivals if isinstance(e, MemberLeft)]
    assert [e.ref.id for e in left] == [jules.user_id]


async def test_history_before_the_bot_joined_is_not_answered(world: World) -> None:
    await world.start()
    kim = await world.member()
    room_id = (await kim.client.room_create(name="Atelier")).room_id
    old = await kim.say(room_id, "!ballot ping")
    await kim.client.room_invite(room_id, world.bot_user.user_id)
    await kim.wait_for(
        lambda rid, e: (
            rid == room_id
            and getattr(e, "membership", "") == "join"
            and e.state_key == world.bot_user.user_id
        )
    )
    new = await kim.command(room_id, "!ballot ping")
    assert body(new).startswith("pong")
    await asyncio.sleep(0.5)
    assert not [e for rid, e in kim.events if in_reply_to(e) == old]


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


async def test_password_login_keeps_its_device_across_restarts(world: World) -> None:
    bot = await world.start(password_login=True)
    assert bot.adapter is not None
    device = bot.adapter.client.device_id  # type: ignore[union-attr]
    await bot.stop()
    adapter = await bot.start()
    assert adapter.client is not None and adapter.client.device_id == device
    devices = world.synapse.api("GET", "/_matrix/client/v3/devices", world.bot_user.access_token)[
        "devices"
    ]
    assert len(devices) == 2  # the registration's and the bot's one, not one per start
    lena = await world.member()
    await world.joined(lena)
    assert body(await lena.command(world.room_id, "!ballot ping")).startswith("pong")


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


async def test_edits_replace_the_message(world: World) -> None:
    bot = await world.start()
    jo = await world.member()
    await world.joined(jo)
    assert bot.adapter is not None
    ref = await bot.adapter.send(bot.adapter.room_ref(world.room_id), Reply(text="v1"))
    await bot.adapter.edit(ref, Reply(text="**v2**"))
    _, edit = await jo.wait_for(
        lambda rid, e: (
            (e.source["content"].get("m.relates_to") or {}).get("rel_type") == "m.replace"
        )
    )
    content = edit.source["content"]
    assert content["m.relates_to"]["event_id"] == ref.id
    assert content["m.new_content"]["body"] == "v2"
    assert content["m.new_content"]["formatted_body"] == "<strong>v2</strong>"


async def test_grant_role_raises_the_power_level(world: World) -> None:
    bot = await world.start(manage_power_levels=True)
    owner = world.members[0]
    levels = world.synapse.api(
        "GET",
        f"/_matrix/client/v3/rooms/{world.room_id}/state/m.room.power_levels",
        world.owner.access_token,
    )
    levels.setdefault("users", {})[world.bot_user.user_id] = 100
    await owner.client.room_put_state(world.room_id, "m.room.power_levels", levels)
    kai = await world.member()
    await world.joined(kai)
    assert "modérateurs" in body(await kai.command(world.room_id, "!ballot secret"))
    member = await bot.core.members.resolve(MemberRef("matrix", kai.user_id, "Kai"))
    assert await bot.core.grant_role(member.id, Role.MODERATOR) == 1
    await kai.wait_for(
        lambda rid, e: (
            type(e).__name__ == "PowerLevelsEvent"
            and e.source["content"].get("users", {}).get(kai.user_id) == 50
        )
    )
    assert body(await kai.command(world.room_id, "!ballot secret")) == "secret ok"


async def test_a_command_sent_with_a_new_dm_invite_is_answered(world: World) -> None:
    await world.start()
    lou = await world.member()
    # As Element does: the DM room is created with the invite, the first message right away.
    dm = (await lou.client.room_create(is_direct=True, invite=[world.bot_user.user_id])).room_id
    first = await lou.say(dm, "!ballot ping")
    assert body(await lou.reply_to(dm, first)).startswith("pong")


async def test_invites_from_people_not_allowed_are_declined(world: World) -> None:
    await world.start(allowed_inviters=[world.owner.user_id])
    stranger = await world.member()
    room_id = (
        await stranger.client.room_create(name="Ailleurs", invite=[world.bot_user.user_id])
    ).room_id
    _, left = await stranger.wait_for(
        lambda rid, e: (
            rid == room_id
            and getattr(e, "state_key", "") == world.bot_user.user_id
            and getattr(e, "membership", "") == "leave"
        )
    )
    assert left.sender == world.bot_user.user_id  # the bot rejected the invite itself
    owner = world.members[0]
    allowed = (await owner.client.room_create(name="Ici", invite=[world.bot_user.user_id])).room_id
    await owner.wait_for(
        lambda rid, e: (
            rid == allowed
            and getattr(e, "state_key", "") == world.bot_user.user_id
            and getattr(e, "membership", "") == "join"
        )
    )


async def test_the_poll_cog_counts_native_and_typed_votes_once(world: World) -> None:
    bot = await world.start(cogs=("poll",))
    bob, carol = await world.member(), await world.member()
    for m in (bob, carol):
        await world.joined(m)
    await bob.say(
        world.room_id, '!poll create "Quelle date ?" kind:single choices:"5 mars | 12 mars"'
    )
    _, start = await bob.wait_for(
        lambda rid, e: getattr(e, "type", "") == "org.matrix.msc3381.poll.start"
    )
    answers = start.source["content"]["org.matrix.msc3381.poll.start"]["answers"]
    ids = {a["org.matrix.msc1767.text"]: a["id"] for a in answers}
    relation = {"rel_type": "m.reference", "event_id": start.event_id}
    await bob.client.room_send(
        world.room_id,
        "org.matrix.msc3381.poll.response",
        {
            "org.matrix.msc3381.poll.response": {"answers": [ids["5 mars"]]},
            "m.relates_to": relation,
        },
    )
    await carol.client.room_send(
        world.room_id,
        "m.poll.response",
        {"m.selections": [ids["12 mars"]], "m.relates_to": relation},
    )

    async def results() -> str:
        # "poll results" answers privately (a DM on Matrix): read the reply the core builds.
        actor = Actor(MemberRef("matrix", bob.user_id, "bob"))
        reply = await bot.core.invoke(
            actor, RoomRef("matrix", world.room_id), "poll results", {"poll": 1}
        )
        return reply.plain_text()

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    text = await results()
    while "Participation : 2" not in text and loop.time() < deadline:
        await asyncio.sleep(0.3)
        text = await results()
    assert "**5 mars** — 1 vote" in text and "**12 mars** — 1 vote" in text
    # Bob now types a vote: his one ballot changes, it is not counted twice.
    await bob.say(world.room_id, '!poll vote poll:1 choice:"12 mars"')
    deadline = loop.time() + 20
    text = await results()
    while "**12 mars** — 2 votes" not in text and loop.time() < deadline:
        await asyncio.sleep(0.3)
        text = await results()
    assert "**5 mars** — 0 vote" in text and "**12 mars** — 2 votes" in text
