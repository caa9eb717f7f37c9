"""Trust on a real Synapse: roles only from the community rooms, direct chats only when they
are DMs, typed commands that must stay private are redacted, nobody is pinged by member text,
and ``me forget`` reaches the adapter's state."""

from __future__ import annotations

import asyncio
import urllib.parse
from typing import Any

import pytest

from bot.core.privacy import forget_member
from bot.core.refs import MemberRef
from tests.e2e.matrix.conftest import Member, World, body

pytestmark = pytest.mark.e2e


def is_join_of(user_id: str, room_id: str) -> Any:
    def check(rid: str, e: Any) -> bool:
        return (
            rid == room_id
            and getattr(e, "membership", "") == "join"
            and getattr(e, "state_key", "") == user_id
        )

    return check


async def bot_power(world: World, level: int) -> None:
    """The community room's owner gives the bot ``level`` (50 = the default redact level)."""
    levels = world.synapse.api(
        "GET",
        f"/_matrix/client/v3/rooms/{world.room_id}/state/m.room.power_levels",
        world.owner.access_token,
    )
    levels.setdefault("users", {})[world.bot_user.user_id] = level
    await world.members[0].client.room_put_state(world.room_id, "m.room.power_levels", levels)
    assert world.bot is not None and world.bot.adapter is not None
    adapter = world.bot.adapter
    room = adapter.room_ref(world.room_id)
    for _ in range(100):  # the bot learns it from its own sync
        if await adapter.can_redact(room) == (level >= 50):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the bot never saw its new power level")


def event_content(world: World, member: Member, room_id: str, event_id: str) -> dict[str, Any]:
    path = "/_matrix/client/v3/rooms/{}/event/{}".format(
        urllib.parse.quote(room_id, safe=""), urllib.parse.quote(event_id, safe="")
    )
    return world.synapse.api("GET", path, member.user.access_token)


async def test_a_power_level_0_member_s_own_room_gives_no_moderator_power(world: World) -> None:
    await world.start()
    mallory, friend = await world.member(), await world.member()
    await world.joined(mallory)  # power level 0 in the community
    # Her own three-person room: she is 100 there (its creator), and she invites the bot.
    own = (
        await mallory.client.room_create(
            name="Chez Mallory", invite=[friend.user_id, world.bot_user.user_id]
        )
    ).room_id
    await mallory.wait_for(is_join_of(world.bot_user.user_id, own))
    await mallory.wait_for(is_join_of(friend.user_id, own))
    refused = await mallory.command(own, "!ballot secret")
    assert "modérateurs" in body(refused)
    assert "secret ok" not in body(refused)
    # The community's own moderator (the owner, 100 there) still is one.
    owner = world.members[0]
    assert body(await owner.command(world.room_id, "!ballot secret")) == "secret ok"


async def test_without_community_rooms_the_adapter_does_not_start(world: World) -> None:
    # Before: with `rooms = []` every room the bot was in counted, Mallory's own included.
    with pytest.raises(RuntimeError, match="rooms"):
        await world.start(rooms=[])


async def test_a_small_room_that_is_not_a_dm_gets_no_private_reply(world: World) -> None:
    await world.start()
    lou = await world.member()
    await world.joined(lou)
    # Two people, no is_direct: a small room, not a direct chat.
    small = (
        await lou.client.room_create(name="Petit salon", invite=[world.bot_user.user_id])
    ).room_id
    await lou.wait_for(is_join_of(world.bot_user.user_id, small))
    await lou.say(small, "!help")
    dm, _ = await lou.wait_for(lambda rid, e: rid != small and "!ballot" in body(e))
    assert dm not in (small, world.room_id)
    await asyncio.sleep(0.5)
    assert not [e for rid, e in lou.events if rid == small and "!ballot" in body(e)]


async def test_an_is_direct_invite_with_a_third_person_is_not_a_dm(world: World) -> None:
    await world.start()
    lou, eve = await world.member(), await world.member()
    await world.joined(lou)
    room = (
        await lou.client.room_create(is_direct=True, invite=[world.bot_user.user_id, eve.user_id])
    ).room_id
    await lou.wait_for(is_join_of(world.bot_user.user_id, room))
    await lou.wait_for(is_join_of(eve.user_id, room))
    await lou.say(room, "!help")
    dm, _ = await lou.wait_for(lambda rid, e: rid != room and "!ballot" in body(e))
    assert dm != world.room_id
    await asyncio.sleep(0.5)
    assert not [e for rid, e in eve.events if "!ballot" in body(e)]  # Eve read nothing


async def test_a_command_that_must_stay_private_is_redacted_and_answered_by_dm(
    world: World,
) -> None:
    await world.start()
    await bot_power(world, 50)
    nina = await world.member()
    await world.joined(nina)
    typed = await nina.say(world.room_id, "!ballot anon")
    dm, _ = await nina.wait_for(lambda rid, e: body(e) == "Vote anonyme enregistré")
    assert dm != world.room_id
    event: dict[str, Any] = {}
    for _ in range(100):
        event = event_content(world, nina, world.room_id, typed)
        if not event.get("content"):
            break
        await asyncio.sleep(0.1)
    assert event["content"] == {}  # redacted on the server: the text is gone for everyone
    redaction = event["unsigned"]["redacted_because"]
    assert redaction["sender"] == world.bot_user.user_id
    assert "privé" in redaction["content"]["reason"]
    await asyncio.sleep(0.5)
    in_room = [e for rid, e in nina.events if rid == world.room_id]
    assert not [e for e in in_room if body(e) == "Vote anonyme enregistré"]
    assert (
        not [  # no 📩 pointing at the removed message
            e
            for e in in_room
            if (e.source.get("content", {}).get("m.relates_to") or {}).get("event_id") == typed
        ]
    )


async def test_without_the_power_to_redact_the_reply_still_goes_by_dm(
    world: World,
) -> None:
    bot = await world.start()
    assert bot.adapter is not None
    assert await bot.adapter.can_redact(bot.adapter.room_ref(world.room_id)) is False
    omar = await world.member()
    await world.joined(omar)
    typed = await omar.say(world.room_id, "!ballot anon")
    dm, _ = await omar.wait_for(lambda rid, e: body(e) == "Vote anonyme enregistré")
    assert dm != world.room_id
    assert event_content(world, omar, world.room_id, typed)["content"]["body"] == "!ballot anon"
    # In a DM nothing is redacted: it is already private.
    in_dm = await omar.say(dm, "!ballot anon")
    await omar.wait_for(
        lambda rid, e: rid == dm and body(e) == "Vote anonyme enregistré" and (e.event_id != in_dm)
    )
    await asyncio.sleep(0.5)
    assert event_content(world, omar, dm, in_dm)["content"]["body"] == "!ballot anon"


async def test_member_text_in_a_reply_pings_nobody(world: World) -> None:
    await world.start()
    pia, target = await world.member(), await world.member()
    await world.joined(pia)
    await world.joined(target)
    reply = await pia.command(
        world.room_id,
        f'!ballot echo "@room regardez [Chef](https://matrix.to/#/{target.user_id})"',
    )
    content = reply.source["content"]
    assert "@room" in content["body"]
    assert f"https://matrix.to/#/{target.user_id}" in content["formatted_body"]
    assert content["m.mentions"] == {"user_ids": []}  # not the target, not the author, no room


async def test_forget_removes_the_member_s_dm_from_the_adapter(world: World) -> None:
    bot = await world.start()
    assert bot.adapter is not None
    rita = await world.member()
    await world.joined(rita)
    await rita.say(world.room_id, "!help")
    dm, _ = await rita.wait_for(lambda rid, e: rid != world.room_id and "!ballot" in body(e))
    assert bot.adapter.state.direct_rooms[rita.user_id] == dm
    member = await bot.core.members.resolve(MemberRef("matrix", rita.user_id, "Rita"))
    await forget_member(bot.core, member.id)
    assert rita.user_id not in bot.adapter.state.direct_rooms
    saved = await bot.saved_state()
    assert rita.user_id not in saved and dm not in saved
    direct = world.synapse.api(
        "GET",
        f"/_matrix/client/v3/user/{world.bot_user.user_id}/account_data/m.direct",
        world.bot_user.access_token,
    )
    assert rita.user_id not in direct
    await rita.wait_for(  # the bot left her old DM room
        lambda rid, e: (
            rid == dm
            and getattr(e, "state_key", "") == world.bot_user.user_id
            and getattr(e, "membership", "") == "leave"
        )
    )


async def test_me_forget_typed_in_the_room_is_answered_then_nothing_remains(
    world: World,
) -> None:
    bot = await world.start(cogs=("onboarding",))
    assert bot.adapter is not None
    sara = await world.member()
    await world.joined(sara)
    await sara.say(world.room_id, "!me forget confirm:true")
    # The confirmation still reaches her privately…
    dm, _ = await sara.wait_for(lambda rid, e: rid != world.room_id and "Au revoir" in body(e))
    # … then the bot leaves that DM and keeps nothing under her id.
    await sara.wait_for(
        lambda rid, e: (
            rid == dm
            and getattr(e, "state_key", "") == world.bot_user.user_id
            and getattr(e, "membership", "") == "leave"
        )
    )
    assert sara.user_id not in bot.adapter.state.direct_rooms
    saved = await bot.saved_state()
    assert sara.user_id not in saved
    direct = world.synapse.api(
        "GET",
        f"/_matrix/client/v3/user/{world.bot_user.user_id}/account_data/m.direct",
        world.bot_user.access_token,
    )
    assert sara.user_id not in direct
