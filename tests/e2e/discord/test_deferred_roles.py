"""A role granted while the member is still on Discord's rules screen waits in the database:
the process that sees the screen passed — after a restart, or another process entirely —
grants it once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.adapters.discord.state import DeferredRoles
from bot.core.refs import MemberRef, Role
from fakes.discord import FakeDiscord
from tests.e2e.discord.conftest import Bot

pytestmark = pytest.mark.e2e


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0.02)


async def test_a_role_waiting_for_rules_screening_survives_a_restart(
    fake: FakeDiscord, db_url: str, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    first = await Bot(fake, db_url, state).start()
    first.adapter.settings.roles.member = [str(fake.member_role)]
    uid = await fake.member_add("patiente", pending=True)
    await settle()
    await first.adapter.grant_role(MemberRef("discord", str(uid)), Role.MEMBER)
    await first.adapter.grant_role(MemberRef("discord", str(uid)), Role.MEMBER)  # asked twice
    waiting = DeferredRoles(first.core.ownership.states, "discord")
    assert await waiting.waiting(fake.guild_id, uid)
    await first.stop()  # the process that deferred the role is gone

    second = await Bot(fake, db_url, state).start()
    try:
        second.adapter.settings.roles.member = [str(fake.member_role)]
        assert fake.roles_granted == []  # still nothing before the screening
        await fake.member_update(uid, pending=False)
        for _ in range(100):
            await asyncio.sleep(0.02)
            if fake.roles_granted:
                break
        await settle()
        assert fake.roles_granted == [(uid, fake.member_role)]  # granted once, by the new one
        assert not await waiting.waiting(fake.guild_id, uid)
    finally:
        await second.stop()


async def test_a_waiting_role_is_taken_by_one_process_only(bot: Bot) -> None:
    states = bot.core.ownership.states
    one, other = DeferredRoles(states, "discord"), DeferredRoles(states, "discord")
    await one.add(42, 7, Role.MEMBER)
    await one.add(42, 7, Role.MODERATOR)
    await one.add(42, 8, Role.MEMBER)
    taken = await asyncio.gather(one.take(42, 7), other.take(42, 7))
    assert sorted(taken, key=len) == [set(), {Role.MEMBER, Role.MODERATOR}]
    await other.forget(8)
    assert not await one.waiting(42, 8)
