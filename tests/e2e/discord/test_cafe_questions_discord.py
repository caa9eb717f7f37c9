"""Questions from the floor on the fake Discord: ``/cafe ask`` during a live café, the
question's post in the channel with its support button, and the button pressed by others."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from fakes.discord.model import message_text
from tests.e2e.discord.conftest import Bot, start_with_every_cog

pytestmark = pytest.mark.e2e

MONDAY = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
THURSDAY = datetime(2027, 1, 7, 9, 0, tzinfo=UTC)  # 10:00 in Paris: the first café starts


def _button(message: dict[str, Any], label: str) -> dict[str, Any]:
    stack = list(message.get("components") or [])
    while stack:
        item = stack.pop(0)
        if item.get("label") == label:
            return item
        stack.extend(item.get("components") or [])
    raise KeyError(label)


async def test_a_question_and_its_support_button(full_bot: Bot) -> None:
    fake = full_bot.fake
    host = fake.add_member("animatrice", roles=[fake.moderator_role])
    await full_bot.stop()  # restart so the new member is in the guild payload
    full_bot.clock.set(MONDAY)
    await start_with_every_cog(full_bot)
    await fake.answer(
        await fake.command(
            host,
            "cafe create",
            title="Café TMNlab",
            schedule="monthly first thursday 10:00",
            timezone="Europe/Paris",
        )
    )
    occurrence = (await full_bot.core.cogs["cafe"].service.upcoming())[0].id  # type: ignore[attr-defined]
    full_bot.clock.set(THURSDAY)
    started = await fake.answer(await fake.command(host, "cafe start", occurrence=occurrence))
    assert "lancé" in started.text, started.text

    asker, supporter = fake.member_id("user0"), fake.member_id("user1")
    asked = await fake.answer(
        await fake.command(asker, "cafe ask", text="Où trouver les diapos ?", anonymous=True)
    )
    assert asked.ephemeral and "Question n° 1 posée" in asked.text, asked.text
    assert full_bot.core is not None
    await full_bot.core.outbox.deliver_due()
    post = next(m for m in fake.channel_messages() if "Question n° 1" in message_text(m))
    assert "Anonyme" in message_text(post) and "user0" not in message_text(post)
    button = _button(post, "Je soutiens la n° 1")

    supported = await fake.answer(await fake.click(supporter, post, button["custom_id"]))
    assert supported.ephemeral and "(1 soutien)" in supported.text, supported.text
    own = await fake.answer(await fake.click(asker, post, button["custom_id"]))
    assert "est la vôtre" in own.text
    withdrawn = await fake.answer(await fake.click(supporter, post, button["custom_id"]))
    assert "Soutien retiré" in withdrawn.text

    queue = await fake.answer(await fake.command(host, "cafe questions", sort="time"))
    assert queue.ephemeral and "**1.** 0 soutien" in queue.text and "Anonyme" in queue.text
