"""The Matrix adapter against a real Synapse, with real matrix-nio clients as members: threaded
replies and edits, native and typed poll votes sharing one tally (the test cog and the real poll
cog), members arriving and leaving, roles from power levels, population and pictures."""

from __future__ import annotations

import asyncio

import pytest

from bot.core.events import MemberJoined, MemberLeft
from bot.core.refs import Actor, MemberRef, Role, RoomRef
from bot.core.reply import Reply
from tests.e2e.matrix.conftest import Member, World, body

pytestmark = pytest.mark.e2e


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
