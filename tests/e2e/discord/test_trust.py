"""Who may do what on Discord: only the community server counts (issue 11, "Trust").

The fake Discord holds the community plus other servers where a member is administrator; the
bot must give her no power there, read her roles only from the community (also by DM), leave or
ignore those servers, hide moderator-only groups, and ping nobody it did not mean to.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.discord.state import DeferredRoles
from bot.core.events import MemberJoined
from bot.core.refs import MemberRef, Role, RoomRef
from bot.core.reply import Reply
from fakes.discord import FakeDiscord, pings
from tests.e2e.discord.conftest import Bot

pytestmark = pytest.mark.e2e
REFUSED = "Ce bot ne sert qu'une communauté"
REFUSED_EN = "This bot serves a single community"
MODERATORS_ONLY = "réservée aux modérateurs"
MEMBERS_ONLY = "réservée aux membres"


async def until(check: Callable[[], Any], wait: float = 5.0) -> None:
    for _ in range(int(wait / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met in time")


@pytest.fixture
async def staying(fake: FakeDiscord, db_url: str, tmp_path: Path) -> AsyncIterator[Bot]:
    """user0 is a plain member of the community and administrator of "Autre serveur"; the
    bot stays in that server (``leave_other_guilds = false``)."""
    alice = fake.member_id("user0")
    fake.other = fake.add_other_guild("Autre serveur", admins=[alice])  # type: ignore[attr-defined]
    running = await Bot(fake, db_url, tmp_path / "state.json", leave_other_guilds=False).start()
    yield running
    await running.stop()


# --- 2 and 3: another server's administrator gets a refusal, nothing runs -------------------


async def test_an_admin_of_another_server_is_refused_there_and_nothing_runs(
    staying: Bot,
) -> None:
    fake = staying.fake
    other: int = fake.other  # type: ignore[attr-defined]
    alice = fake.member_id("user0")
    modo, demo = staying.core.cogs["modo"], staying.core.cogs["demo"]

    for path, options in [("modo purge", {}), ("modo reset", {}), ("demo vote", {"choice": "A"})]:
        answer = await fake.answer(await fake.command(alice, path, guild=other, **options))
        assert answer.kind == "message" and answer.ephemeral, path
        assert REFUSED in answer.text, (path, answer.text)
    assert modo.calls == [] and demo.votes == {}

    english = await fake.answer(
        await fake.command(alice, "modo purge", guild=other, locale="en-US")
    )
    assert REFUSED_EN in english.text

    # a button and a modal from a message seen in the community, clicked from the other server
    menu = await fake.answer(await fake.command(alice, "demo menu", poll=4))
    button = menu.component("A")["custom_id"]
    clicked = await fake.answer(await fake.click(alice, menu.message, button, guild=other))
    assert REFUSED in clicked.text and clicked.ephemeral
    opened = await fake.answer(
        await fake.click(alice, menu.message, menu.component("Répondre")["custom_id"], guild=other)
    )
    assert opened.kind == "message" and REFUSED in opened.text  # no modal either
    modal_id = "pa1f|demo answer|poll=4|text"
    submitted = await fake.answer(
        await fake.submit_modal(alice, modal_id, {"text": "depuis ailleurs"}, guild=other)
    )
    assert REFUSED in submitted.text
    assert demo.votes == {} and demo.answers == []

    # autocomplete from there: no choices, no cog call
    data = fake.command_data("demo pick", topic="num")
    data["options"][0]["options"][0]["focused"] = True
    iid = await fake.raw_interaction(alice, 4, data, guild=other)
    await until(lambda: fake.interactions[iid].callback)
    callback = fake.interactions[iid].callback
    assert callback is not None and callback["type"] == 8 and callback["data"]["choices"] == []

    # a private channel between users (user-installed app): not the community either
    answer = await fake.answer(await fake.command(alice, "demo vote", private=True, choice="B"))
    assert REFUSED in answer.text and demo.votes == {}

    # in the community the very same member is a plain member: no moderator power either
    answer = await fake.answer(await fake.command(alice, "modo purge"))
    assert MODERATORS_ONLY in answer.text and modo.calls == []


async def test_by_dm_only_the_community_roles_count(staying: Bot) -> None:
    fake = staying.fake
    other: int = fake.other  # type: ignore[attr-defined]
    alice = fake.member_id("user0")  # administrator of the other server, plain member here
    modo, demo = staying.core.cogs["modo"], staying.core.cogs["demo"]

    answer = await fake.answer(await fake.command(alice, "modo purge", dm=True))
    assert MODERATORS_ONLY in answer.text
    answer = await fake.answer(await fake.command(alice, "modo reset", dm=True))
    assert "réservée aux administrateurs" in answer.text
    assert modo.calls == []
    answer = await fake.answer(await fake.command(alice, "demo vote", dm=True, choice="D"))
    assert answer.text == "Vote D enregistré"  # her community membership does count
    assert demo.votes == {str(alice): "D"}

    # administrator over there, not in the community at all: not even a member here
    outsider = fake.add_outsider("dehors", other, admin=True)
    answer = await fake.answer(await fake.command(outsider, "demo vote", dm=True, choice="E"))
    assert MEMBERS_ONLY in answer.text and str(outsider) not in demo.votes
    assert (fake.guild_id, outsider) in fake.member_lookups  # asked the community, not others


async def test_a_dm_from_a_member_not_in_the_cache_is_looked_up_in_the_community(
    staying: Bot,
) -> None:
    fake = staying.fake
    modo = staying.core.cogs["modo"]
    # joined after the bot's member chunk, and no GUILD_MEMBER_ADD seen: not in the cache
    late = fake.add_member("tardive", roles=[fake.moderator_role])
    answer = await fake.answer(await fake.command(late, "modo purge", dm=True))
    assert answer.text == "Votes vidés"
    assert (fake.guild_id, late) in fake.member_lookups
    assert modo.calls == [str(late)]
    # the Administrator permission of a community role makes an admin (community's own roles)
    boss = fake.add_member("patronne", roles=[fake.admin_role])
    answer = await fake.answer(await fake.command(boss, "modo reset", dm=True))
    assert answer.text == "Tout est remis à zéro"
    # a member still on the rules screen is not a member yet, by DM too
    waiting = fake.add_member("attente", pending=True)
    answer = await fake.answer(await fake.command(waiting, "demo vote", dm=True, choice="F"))
    assert MEMBERS_ONLY in answer.text


# --- 4: other servers are left (or kept, and refused) -----------------------------------------


async def test_other_servers_are_left_at_ready_and_on_join(
    fake: FakeDiscord, db_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.adapters.discord")
    first = fake.add_other_guild("Serveur d'avant", admins=[fake.member_id("user1")])
    bot = await Bot(fake, db_url, tmp_path / "state.json").start()
    try:
        await until(lambda: fake.left_guilds == [first])
        joined = await fake.join_other_guild("Serveur invité")
        await until(lambda: fake.left_guilds == [first, joined])
        await until(lambda: bot.adapter.client.get_guild(joined) is None)
        assert bot.adapter.client.get_guild(fake.guild_id) is not None  # the community stays
        left = [r.getMessage() for r in caplog.records if "left server" in r.getMessage()]
        assert any(str(first) in m and "Serveur d'avant" in m for m in left), left
        assert any(str(joined) in m and "Serveur invité" in m for m in left), left
        assert all(r.levelno == logging.INFO for r in caplog.records if "left server" in r.msg)
    finally:
        await bot.stop()


async def test_other_servers_are_kept_when_asked_but_still_refused(
    staying: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    fake = staying.fake
    caplog.set_level(logging.INFO, logger="bot.adapters.discord")
    joined = await fake.join_other_guild("Serveur invité", admins=[fake.member_id("user2")])
    await until(lambda: staying.adapter.client.get_guild(joined) is not None)
    await until(lambda: any("staying" in r.getMessage() for r in caplog.records))
    assert fake.left_guilds == []
    answer = await fake.answer(
        await fake.command(fake.member_id("user2"), "modo purge", guild=joined)
    )
    assert REFUSED in answer.text and staying.core.cogs["modo"].calls == []


# --- 5: moderator-only groups are hidden from members ------------------------------------------


async def test_moderator_only_groups_carry_default_member_permissions(bot: Bot) -> None:
    fake = bot.fake
    scope, commands = fake.sync_requests[-1]
    assert scope == str(fake.guild_id)
    by_name = {c["name"]: c for c in commands}
    assert int(by_name["modo"]["default_member_permissions"]) == 1 << 5  # Manage Server
    for name in ("demo", "help", "language", "timezone"):  # member commands: visible to all
        assert by_name[name]["default_member_permissions"] is None, name


# --- 6: the bot pings only whom it meant to -----------------------------------------------------


def _restrictive(message: dict[str, Any], allowed: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    mentions = message.get("allowed_mentions")
    assert mentions is not None, message
    assert mentions.get("parse") == [], mentions
    assert {str(u) for u in mentions.get("users") or []} <= allowed, mentions
    assert not mentions.get("roles"), mentions


async def test_user_text_pings_nobody_and_bot_mentions_ping_only_the_named(bot: Bot) -> None:
    fake = bot.fake
    alice, bob = fake.member_id("user0"), fake.member_id("user1")
    sneaky = f"<@{bob}> @everyone @here <@&{fake.moderator_role}>"

    # a public interaction answer echoing member text
    answer = await fake.answer(await fake.command(alice, "demo pick", topic=sneaky))
    assert sneaky in answer.text and not answer.ephemeral
    assert answer.message is not None
    _restrictive(answer.message)
    heard = pings(answer.message)
    assert heard.users == set() and heard.roles == set() and not heard.everyone

    # the deferred paths: "thinking…" edited in place, and a private follow-up
    bot.adapter.settings.defer_when_busy = 0  # every interaction is acknowledged first
    iid = await fake.command(alice, "demo slow", seconds=0.1)
    await fake.answer(iid)
    assert fake.interactions[iid].original is not None
    _restrictive(fake.interactions[iid].original)
    iid = await fake.command(alice, "help")
    await fake.answer(iid)
    assert fake.interactions[iid].followups
    for message in fake.interactions[iid].followups:
        _restrictive(message)

    # room messages, edits and DMs: only the ids in Reply.mentions
    room = RoomRef("discord", str(fake.channel_id))
    text = f"<@{alice}> a répondu à {sneaky}"
    ref = await bot.adapter.send(room, Reply(text=text, mentions=(str(alice),)))
    posted = fake.channel_messages()[-1]
    _restrictive(posted, {str(alice)})
    assert pings(posted).users == {str(alice)} and not pings(posted).everyone
    await bot.adapter.edit(ref, Reply(text=sneaky))
    edited = fake.channel_messages()[-1]
    _restrictive(edited)
    assert pings(edited).users == set()
    await bot.adapter.send_direct(
        MemberRef("discord", str(bob)), Reply(text=text, mentions=(str(alice),))
    )
    dm = fake.dms(bob)[-1]
    _restrictive(dm, {str(alice)})
    assert pings(dm).users == {str(alice)} and pings(dm).roles == set()


# --- me forget: the adapter drops its own memory of the member ------------------------------


async def test_forget_drops_the_adapter_s_memory_of_the_member(bot: Bot) -> None:
    """Once forgotten, the role that waited for her rules screening is never granted and her
    next join counts again (seen from the fake Discord); her DM channel is dropped too."""
    fake, adapter = bot.fake, bot.adapter
    joins: list[str] = []

    async def record(event: MemberJoined) -> None:
        joins.append(event.ref.id)

    bot.core.events.subscribe(MemberJoined, record)

    def dm_opened() -> int:
        return sum(1 for _, path, _ in fake.requests if path.endswith("/users/@me/channels"))

    async def settle() -> None:
        for _ in range(20):
            await asyncio.sleep(0.02)

    adapter.settings.roles.member = [str(fake.member_role)]
    uid = await fake.member_add("oubliee", pending=True)  # on the rules screen
    ref = MemberRef("discord", str(uid), "oubliee")
    await settle()
    await adapter.grant_role(ref, Role.MEMBER)  # waits for the screening…
    await adapter.send_direct(ref, Reply(text="un"))
    await adapter.send_direct(ref, Reply(text="deux"))
    assert dm_opened() == 1  # …and the DM channel is remembered: what forget must drop
    waiting = DeferredRoles(bot.core.ownership.states, "discord")
    guild = fake.guild_id
    assert uid in adapter.memory.dm_channels and await waiting.waiting(guild, uid)

    await adapter.forget(ref)
    assert not adapter.memory.knows(uid) and not await waiting.waiting(guild, uid)
    await fake.member_update(uid, pending=False)  # screening passed: a join, but no role
    await until(lambda: joins == [str(uid)])
    await settle()
    assert fake.roles_granted == []

    # Discord never puts a member back on the rules screen, but it shows the join memory: the
    # end of a screening makes a join only for a member not seen joining yet.
    await fake.member_update(uid, pending=True)
    await fake.member_update(uid, pending=False)
    await settle()
    assert joins == [str(uid)]  # a join already seen is not emitted twice…
    await adapter.forget(ref)
    await fake.member_update(uid, pending=True)
    await fake.member_update(uid, pending=False)
    await until(lambda: joins == [str(uid), str(uid)])  # …unless she was forgotten

    await adapter.send_direct(ref, Reply(text="trois"))  # and she can still be written to
    assert [m["content"] for m in fake.dms(uid)] == ["un", "deux", "trois"]
