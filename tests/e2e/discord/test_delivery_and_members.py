"""What the bot sends on Discord and who is there (unmodified discord.py against the fake
Discord): outbox DMs (once, with a nonce, through 429s, refused), room messages and edits, the
room's population, roles from the configured role ids, and members who count only once past
the rules screening."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from bot.core.errors import DirectMessagesRefused
from bot.core.events import MemberJoined, MemberLeft
from bot.core.refs import MemberRef, Role, RoomRef
from bot.core.reply import Reply
from tests.e2e.discord.conftest import Bot

pytestmark = pytest.mark.e2e


# --- outbox, DMs, rate limits ---------------------------------------------------------------


async def test_outbox_dm_arrives_once_with_a_nonce(bot: Bot) -> None:
    fake = bot.fake
    user = fake.member_id("user1")
    answer = await fake.answer(await fake.command(user, "demo remind", what="café jeudi"))
    assert answer.text == "Rappel programmé"
    report = await bot.core.outbox.deliver_due()
    assert report.sent == 1
    dms = fake.dms(user)
    assert [m["content"] for m in dms] == ["Rappel : café jeudi"]
    assert dms[0]["nonce"] and len(dms[0]["nonce"]) <= 25
    # a resend of the same outbox key (crash between send and stamp) is not shown twice
    member = MemberRef("discord", str(user))
    await bot.adapter.send_direct(member, Reply(text="Rappel : café jeudi"), key=report.keys[0])
    assert len(fake.dms(user)) == 1


async def test_a_429_on_a_dm_delays_it_without_losing_it(bot: Bot) -> None:
    fake = bot.fake
    user = fake.member_id("user2")
    await fake.answer(await fake.command(user, "demo remind", what="atelier"))
    fake.rate_limit_next["/channels/"] = 2
    started = time.monotonic()
    report = await bot.core.outbox.deliver_due()
    assert report.sent == 1
    assert time.monotonic() - started >= 0.5  # two 429s of 0.3 s each were waited out
    assert fake.ratelimited == 2
    assert [m["content"] for m in fake.dms(user)] == ["Rappel : atelier"]


async def test_refused_dms_raise_direct_messages_refused(bot: Bot) -> None:
    fake = bot.fake
    user = fake.member_id("user0")
    fake.refuse_dms.add(user)
    with pytest.raises(DirectMessagesRefused):
        await bot.adapter.send_direct(MemberRef("discord", str(user)), Reply(text="coucou"))


# --- rooms and roles -------------------------------------------------------------------------


async def test_room_messages_edits_population_and_roles(bot: Bot) -> None:
    fake = bot.fake
    room = RoomRef("discord", str(fake.channel_id))
    ref = await bot.adapter.send(room, Reply(text="Résultats : 0 vote"), key="k1")
    again = await bot.adapter.send(room, Reply(text="Résultats : 0 vote"), key="k1")
    assert again.id == ref.id and len(fake.channel_messages()) == 1
    await bot.adapter.edit(ref, Reply(text="Résultats : 3 votes"))
    assert fake.channel_messages()[0]["content"] == "Résultats : 3 votes"
    assert await bot.adapter.room_population(room) == len(fake.members) + 1  # + the bot
    assert bot.adapter.mention(MemberRef("discord", "42")) == "<@42>"
    bot.adapter.settings.roles.member = [str(fake.member_role)]
    user = fake.member_id("user1")
    await bot.adapter.grant_role(MemberRef("discord", str(user)), Role.MEMBER)
    assert fake.roles_granted == [(user, fake.member_role)]


async def test_roles_come_from_the_configured_role_ids(bot: Bot) -> None:
    fake = bot.fake
    user = fake.member_id("user0")
    answer = await fake.answer(await fake.command(user, "demo vote", choice="A"))
    assert answer.text == "Vote A enregistré"  # no member role configured: every member
    bot.adapter.settings.roles.member = [str(fake.member_role)]
    answer = await fake.answer(await fake.command(user, "demo vote", choice="A"))
    assert "réservée aux membres" in answer.text
    fake.members[user]["roles"].append(str(fake.member_role))
    answer = await fake.answer(await fake.command(user, "demo vote", choice="B"))
    assert answer.text == "Vote B enregistré"


# --- members ----------------------------------------------------------------------------------


async def test_member_joined_only_after_rules_screening(bot: Bot) -> None:
    fake = bot.fake
    seen: list[Any] = []

    async def record(event: Any) -> None:
        seen.append(event)

    bot.core.events.subscribe(MemberJoined, record)
    bot.core.events.subscribe(MemberLeft, record)

    async def settle() -> None:
        for _ in range(20):
            await asyncio.sleep(0.02)

    uid = await fake.member_add("nouvelle", pending=True)
    await settle()
    assert seen == []  # still on the rules screen
    await fake.member_update(uid, pending=False)
    await settle()
    await fake.member_update(uid, nick="Nouvelle")  # an ordinary update: not a second join
    await settle()
    assert [type(e) for e in seen] == [MemberJoined]
    assert seen[0].ref.id == str(uid)
    assert seen[0].room == RoomRef("discord", str(fake.channel_id))
    direct = await fake.member_add("directe", pending=False)  # no screening in this guild
    await settle()
    await fake.member_remove(uid)
    await settle()
    assert [(type(e), e.ref.id) for e in seen[1:]] == [
        (MemberJoined, str(direct)),
        (MemberLeft, str(uid)),
    ]


async def test_role_waits_for_rules_screening(bot: Bot) -> None:
    fake = bot.fake
    bot.adapter.settings.roles.member = [str(fake.member_role)]
    uid = await fake.member_add("pressee", pending=True)
    for _ in range(20):
        await asyncio.sleep(0.02)
    await bot.adapter.grant_role(MemberRef("discord", str(uid)), Role.MEMBER)
    assert fake.roles_granted == []  # never before Discord's own screening
    await fake.member_update(uid, pending=False)
    for _ in range(50):
        await asyncio.sleep(0.02)
        if fake.roles_granted:
            break
    assert fake.roles_granted == [(uid, fake.member_role)]
