"""One rule for a message's language: a post in a room speaks the room's language (set by
moderators with ``room locale``), a private reply or DM speaks the member's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.core import Role, Tone
from bot.core.refs import RoomRef
from tests.cogs.poll.conftest import close, poll_harness
from tests.harness import Harness


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    harness = await poll_harness(db_url)
    harness.adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR)
    yield harness
    await close(harness)


async def test_only_moderators_set_a_room_language(h: Harness) -> None:
    refused = await h.reply("bob", "!room locale en")
    assert refused.tone is Tone.ERROR
    done = await h.reply("mod", "!room locale en")
    assert done.text == "Noted: messages posted in this room will be in English."
    assert await h.core.members.room_locale(h.adapter.room) == "en"
    french = await h.reply("mod", "!salon langue fr")  # French names work too
    assert "seront en français" in french.text
    dm = RoomRef(h.adapter.platform, "dm-mod", direct=True)
    in_dm = await h.reply("mod", "!room locale en", room=dm)
    assert in_dm.tone is Tone.ERROR and "!language" in in_dm.text


async def test_room_posts_use_the_room_language_replies_the_members(h: Harness) -> None:
    await h.reply("mod", "!room locale en")
    created = await h.reply("alice", '!poll create "Q ?" choices:"A | B" duration:30m')
    assert created.tone is not Tone.ERROR
    vote = await h.reply("bob", "!poll vote 1 choice:A")
    assert "vote" in vote.text.lower() and "Your" not in vote.text  # bob reads French
    final = await h.reply("mod", "!poll close 1")  # a French moderator closes…
    assert final.title.startswith("Final results #1")  # …the room reads English


async def test_outbox_room_post_follows_the_room_not_the_author(h: Harness) -> None:
    await h.reply("mod", "!room locale en")
    await h.reply("alice", '!poll create "Q ?" choices:"A | B" duration:30m')
    h.clock.advance(timedelta(minutes=31))
    await h.deliver()
    final = [s for s in h.adapter.in_room() if s.key == "poll:1:close"]
    assert len(final) == 1 and "Participation" in final[0].text
    assert "Final results" in (final[0].reply.title or "")
