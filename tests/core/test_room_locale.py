"""One rule for a message's language: a post in a room speaks the room's language (set by
moderators with ``room locale``), a private reply or DM speaks the member's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.adapters.matrix.content import message_content
from bot.core import Field, Reply, Role, Tone
from bot.core.markup import reply_as_text
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


async def test_live_results_stay_in_the_room_language_whoever_votes(h: Harness) -> None:
    await h.reply("mod", "!room locale en")
    await h.reply("alice", "!language en")
    for french in ("bob", "carol"):
        await h.reply(french, "!language fr")
    created = await h.reply("alice", '!poll create "Q ?" choices:"A | B" duration:30m')
    assert created.title and created.title.startswith("Poll #1")
    ack = await h.reply("bob", "!poll vote 1 choice:A")  # bob reads French
    assert ack.private and ack.locale == "fr" and "Vote enregistré" in ack.text, ack.text
    await h.settle()
    await h.reply("alice", "!poll vote 1 choice:B")  # an English voter changes nothing…
    await h.reply("carol", "!poll vote 1 choice:B")  # …nor a French one: the room decides
    await h.settle()
    live = [s for s in h.adapter.sent if s.kind in ("room", "edit") and "#1" in s.text]
    assert live and all("Résultats" not in s.text for s in live)
    assert "Results #1" in live[-1].text and "Participation: 3" in live[-1].text
    assert all(s.reply.locale == "en" for s in live)


async def test_fields_join_by_the_reply_language() -> None:
    fields = [Field("Quand", "jeudi")]
    assert Reply(fields=fields, locale="fr").plain_text() == "Quand\u202f: jeudi"
    assert Reply(fields=[Field("When", "Thursday")], locale="en").plain_text() == "When: Thursday"
    english = Reply(title="Café", fields=[Field("When", "Thursday")], locale="en")
    assert reply_as_text(english, "!") == "**Café**\nWhen: Thursday".replace("**", "")
    html = message_content(english, "!")["formatted_body"]
    assert "<strong>When</strong>: Thursday" in html
