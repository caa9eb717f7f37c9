"""``members introduce`` on Discord: the target's DM carries real Accept / Decline buttons, and
accepting shares each side's mention. Against the fake Discord with the real discord.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fakes.discord import FakeDiscord
from tests.e2e.discord.conftest import Bot
from tests.e2e.discord.test_me_group import _start

pytestmark = pytest.mark.e2e


def _button(message: dict[str, Any], label: str) -> str:
    stack = list(message.get("components") or [])
    while stack:
        item = stack.pop(0)
        if item.get("label") == label:
            return str(item["custom_id"])
        stack.extend(item.get("components") or [])
    raise KeyError(label)


async def test_accept_button_in_the_dm_shares_both_mentions(
    fake: FakeDiscord, db_url: str, tmp_path: Path
) -> None:
    bot = await _start(Bot(fake, db_url, tmp_path / "state.json"), ["onboarding"])
    try:
        assert bot.core is not None
        zoe, ana = fake.member_id("user1"), fake.member_id("user2")
        for user, field, value in (
            (zoe, "needs", "mécénat"),
            (ana, "offers", "Mécénat"),
            (zoe, "directory", "visible"),
            (ana, "directory", "visible"),
        ):
            answer = await fake.answer(
                await fake.command(user, "me edit", field=field, value=value)
            )
            assert "noté" in answer.text, answer.text
        match = await fake.answer(await fake.command(zoe, "members match"))
        assert "propose : Mécénat" in match.text and match.ephemeral
        answer = await fake.answer(await fake.command(zoe, "members introduce", name="user2"))
        assert "Demande envoyée à User2" in answer.text
        await bot.core.outbox.deliver_due()
        [ask] = fake.dms(ana)
        assert "User1 aimerait entrer en contact" in str(ask.get("embeds") or ask["content"])
        clicked = await fake.answer(await fake.click(ana, ask, _button(ask, "Accepter"), dm=True))
        assert "recevez le contact" in clicked.text
        await bot.core.outbox.deliver_due()
        shared = fake.dms(zoe)[-1]
        assert f"<@{ana}>" in shared["content"]
        assert f"<@{zoe}>" in fake.dms(ana)[-1]["content"]
    finally:
        await bot.stop()
