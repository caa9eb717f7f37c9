"""A message with a link in the community's channel reaches the core as ``LinksShared`` (the
café's report lists links shared during a session) — with ``[discord] message_content`` on,
from community members only, never the bot's own messages."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from bot.core import LinksShared
from fakes.discord import FakeDiscord
from tests.e2e.discord.conftest import Bot

pytestmark = pytest.mark.e2e


def message(fake: FakeDiscord, uid: int, content: str) -> dict[str, Any]:
    member = fake.members[uid]
    return {
        "id": str(fake.snowflake()),
        "channel_id": str(fake.channel_id),
        "guild_id": str(fake.guild_id),
        "author": member["user"],
        "member": {k: v for k, v in member.items() if k != "user"},
        "content": content,
        "timestamp": "2027-01-07T09:00:00+00:00",
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": 0,
    }


async def test_links_in_channel_messages_reach_the_core(
    fake: FakeDiscord, db_url: str, tmp_path: Path
) -> None:
    alice = fake.add_member("alice")
    bot = await Bot(fake, db_url, tmp_path / "state.json", message_content=True).start()
    try:
        assert bot.core is not None
        seen: list[LinksShared] = []

        async def record(event: LinksShared) -> None:
            seen.append(event)

        bot.core.events.subscribe(LinksShared, record)
        await fake.dispatch("MESSAGE_CREATE", message(fake, alice, "pas de lien"))
        await fake.dispatch(
            "MESSAGE_CREATE", message(fake, alice, "Les diapos : https://diapos.example/12.")
        )
        for _ in range(100):
            if seen:
                break
            await asyncio.sleep(0.05)
        assert [e.urls for e in seen] == [("https://diapos.example/12",)]
        assert seen[0].room.id == str(fake.channel_id) and not seen[0].room.direct
    finally:
        await bot.stop()
