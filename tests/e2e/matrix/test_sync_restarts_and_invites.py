"""The Matrix adapter against a real Synapse, with real matrix-nio clients as members: what the
bot answers across its sync (nothing typed before a restart or before it joined, every command
of a burst larger than the timeline limit, every reply through the homeserver's rate limit),
its device across restarts, and the invites it declines."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from tests.e2e.matrix.conftest import World, body, unique

pytestmark = pytest.mark.e2e


def in_reply_to(event: Any) -> str | None:
    relation = event.source.get("content", {}).get("m.relates_to") or {}
    return (relation.get("m.in_reply_to") or {}).get("event_id")


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
