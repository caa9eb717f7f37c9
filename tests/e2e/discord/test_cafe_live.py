"""A live café on the fake Discord (the real discord.py client): the host runs the session
with the *next* button, members check in and answer with buttons, results count those
present, a member's click on *next* is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fakes.discord import FakeDiscord
from tests.e2e.discord.conftest import Bot, start_with_every_cog

pytestmark = pytest.mark.e2e

# Monday 4 January 2027: the first café is Thursday 7 January at 10:00 Paris (09:00 UTC).
MONDAY = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
THURSDAY = datetime(2027, 1, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
async def cafe_bot(fake: FakeDiscord, db_url: str, tmp_path: Path) -> Any:
    fake.add_member("animatrice", roles=[fake.moderator_role])
    running = Bot(fake, db_url, tmp_path / "state.json")
    running.clock.set(MONDAY)
    await start_with_every_cog(running)
    yield running
    await running.stop()


async def deliver(bot: Bot) -> None:
    """Deliver the session's posts, chained ones included (each queues the next)."""
    assert bot.core is not None
    for _ in range(4):
        await bot.core.drain()
        report = await bot.core.outbox.deliver_due()
        if not report.sent:
            return


def posts(fake: FakeDiscord, start: int = 0) -> list[Any]:
    return fake.channel_posts(start)


async def test_a_session_run_with_buttons(cafe_bot: Bot) -> None:
    fake, core = cafe_bot.fake, cafe_bot.core
    assert core is not None
    host = fake.member_id("animatrice")
    alice, bob = fake.member_id("user1"), fake.member_id("user2")
    created = await fake.answer(
        await fake.command(
            host,
            "cafe create",
            title="Café TMNlab",
            schedule="monthly first thursday 10:00",
            timezone="Europe/Paris",
        )
    )
    assert "Café TMNlab" in created.text, created.text
    occ = (await core.cogs["cafe"].service.upcoming())[0].id  # type: ignore[attr-defined]
    for options in (
        {"kind": "single", "question": "Thé ou café ?", "choices": "Thé | Café"},
        {"kind": "quiz", "question": "Capitale ?", "answer": "Paris", "seconds": 30},
    ):
        added = await fake.answer(
            await fake.command(host, "cafe programme add", occurrence=occ, **options)
        )
        assert "ajoutée" in added.text, added.text

    cafe_bot.clock.set(THURSDAY - timedelta(minutes=5))
    started = await fake.answer(await fake.command(host, "cafe start", occurrence=occ))
    assert started.ephemeral and "lancé" in started.text, started.text
    mark = len(fake.channel_messages())
    await deliver(cafe_bot)
    welcome = posts(fake, mark)[-1]
    assert "Bienvenue au café" in welcome.text and "Capitale ?" in welcome.text
    assert "Paris" not in welcome.text  # the quiz's answer stays hidden

    here = await fake.answer(
        await fake.click(alice, welcome.message, welcome.component("Je suis là")["custom_id"])
    )
    assert here.ephemeral, here.text
    next_button = welcome.component("Activité suivante")["custom_id"]
    refused = await fake.answer(await fake.click(bob, welcome.message, next_button))
    assert refused.ephemeral and "Seuls les modérateurs" in refused.text, refused.text

    mark = len(fake.channel_messages())
    moved = await fake.answer(await fake.click(host, welcome.message, next_button))
    assert moved.ephemeral and "Activité 1 / 2 ouverte" in moved.text, moved.text
    await deliver(cafe_bot)
    opened = posts(fake, mark)[-1]
    assert "Activité 1 / 2" in (opened.text + str(opened.embeds)), opened.text
    for member in (alice, bob):
        voted = await fake.answer(
            await fake.click(member, opened.message, opened.component("Café")["custom_id"])
        )
        assert voted.ephemeral and "Café" in voted.text, voted.text

    mark = len(fake.channel_messages())
    step = opened.component("Activité suivante")["custom_id"]
    moved = await fake.answer(await fake.click(host, opened.message, step))
    assert "Activité 1 close" in moved.text and "Activité 2 / 2 ouverte" in moved.text
    await deliver(cafe_bot)
    texts = [p.text + str(p.embeds) for p in posts(fake, mark)]
    # alice checked in and voted, bob voted: both present, both answered.
    assert any("Participation : 2 / 2 présents" in t for t in texts), texts
    assert any("Activité 2 / 2" in t for t in texts), texts

    mark = len(fake.channel_messages())
    ended = await fake.answer(await fake.command(host, "cafe end"))
    assert "terminé" in ended.text, ended.text
    await deliver(cafe_bot)
    texts = [p.text for p in posts(fake, mark)]
    assert any("est terminé" in t for t in texts), texts
    late = await fake.answer(
        await fake.click(alice, opened.message, opened.component("Thé")["custom_id"])
    )
    assert "clos" in late.text.lower(), late.text  # an answer to a closed activity
