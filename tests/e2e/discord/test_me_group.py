"""The ``me`` group on Discord: one slash group, built from the core's rights and the ``me …``
commands of every cog (onboarding's ``me profile`` / ``me edit``, here a test cog's too)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.core.cog import Cog
from bot.core.commands import command
from bot.core.invocation import Invocation
from bot.core.reply import Reply
from fakes.discord import FakeDiscord, validate_commands
from tests.e2e.discord.conftest import Bot

pytestmark = pytest.mark.e2e

CORE_ME = {"export", "forget", "link", "language", "timezone"}


class Calendar(Cog, name="calendar"):
    @command("calendar", group="me")
    async def me_calendar(self, inv: Invocation) -> Reply:
        """Voir mon agenda."""
        return Reply(text="mon agenda", private=True)


async def _start(bot: Bot, cogs: list[str]) -> Bot:
    """(Re)start ``bot`` with the builtins, ``cogs`` and the test cog (when ``cogs``), added
    before the adapter syncs."""
    from bot.app import load_cog
    from bot.core import core as core_module

    add_adapter = core_module.Core.add_adapter

    def add_adapter_with_cogs(self: Any, adapter: Any) -> None:
        for name in cogs:
            load_cog(self, name)
        if cogs:
            self.add_cog(Calendar(self))
        add_adapter(self, adapter)

    core_module.Core.add_adapter = add_adapter_with_cogs  # type: ignore[method-assign]
    try:
        return await bot.start(extra_cogs=False)
    finally:
        core_module.Core.add_adapter = add_adapter  # type: ignore[method-assign]


def _me(fake: FakeDiscord) -> dict[str, Any]:
    _, commands = fake.sync_requests[-1]
    assert validate_commands(commands) == []
    [me] = [c for c in commands if c["name"] == "me"]  # one group, whoever declares
    return me


async def test_rights_are_published_with_no_cog(
    fake: FakeDiscord, db_url: str, tmp_path: Path
) -> None:
    bot = await _start(Bot(fake, db_url, tmp_path / "state.json"), [])
    try:
        assert list(bot.core.cogs) == ["core"]
        me = _me(fake)
        assert {o["name"] for o in me["options"]} == CORE_ME
        assert me["default_member_permissions"] is None  # every member has these rights
        zoe = fake.add_member("zoe")
        await bot.stop()  # restart so the new member is in the guild payload
        await _start(bot, [])
        answer = await fake.answer(await fake.command(zoe, "me export"))
        assert answer.kind == "message" and answer.files, answer
        answer = await fake.answer(await fake.command(zoe, "me forget"))
        assert "confirm:true" in answer.text
        answer = await fake.answer(await fake.command(zoe, "me link"))
        assert "me link code:" in answer.text
    finally:
        await bot.stop()


async def test_one_me_group_holds_commands_of_several_cogs(
    fake: FakeDiscord, db_url: str, tmp_path: Path
) -> None:
    bot = await _start(Bot(fake, db_url, tmp_path / "state.json"), ["onboarding"])
    try:
        me = _me(fake)
        names = {o["name"] for o in me["options"]}
        assert names == CORE_ME | {"profile", "edit", "uptodate", "calendar"}
        owners = {s.name: s.cog for s in bot.core.catalogue.groups["me"]}
        assert owners["export"] == "core" and owners["profile"] == "onboarding"
        assert owners["calendar"] == "calendar"
        zoe = fake.add_member("zoe")
        await bot.stop()
        await _start(bot, ["onboarding"])
        answer = await fake.answer(await fake.command(zoe, "me calendar"))
        assert answer.text == "mon agenda"
        answer = await fake.answer(
            await fake.command(zoe, "me edit", field="organisation", value="La Manufacture")
        )
        assert "La Manufacture" in answer.text
        answer = await fake.answer(await fake.command(zoe, "me export"))
        [name] = answer.files
        assert name.startswith("passerelle-export-") and name.endswith(".json")
    finally:
        await bot.stop()
