"""A poll's closing date typed in words (the core's date grammar), French and English.
The fake clock: Monday 4 January 2027, 09:00 UTC (10:00 in Paris, the default zone)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.core import Tone
from cogs.poll.models import Poll
from tests.harness import Harness


async def closes_at(h: Harness) -> datetime:
    async with h.db.session() as s:
        poll = (await s.exec(select(Poll))).one()
    assert poll.closes_at is not None
    return poll.closes_at.astimezone(UTC)


@pytest.mark.parametrize(
    ("closes", "shown", "instant"),
    [
        ("jeudi 18h", "jeudi 7 janvier à 18 h", datetime(2027, 1, 7, 17, 0, tzinfo=UTC)),
        ("demain 12h", "mardi 5 janvier à 12 h", datetime(2027, 1, 5, 11, 0, tzinfo=UTC)),
        ("le 8/1 à 9 h", "vendredi 8 janvier à 9 h", datetime(2027, 1, 8, 8, 0, tzinfo=UTC)),
        ("8 janvier", "vendredi 8 janvier à 23 h 59", datetime(2027, 1, 8, 22, 59, tzinfo=UTC)),
        ("18:00", "lundi 4 janvier à 18 h", datetime(2027, 1, 4, 17, 0, tzinfo=UTC)),
    ],
)
async def test_closing_date_in_french_words(
    h: Harness, closes: str, shown: str, instant: datetime
) -> None:
    reply = await h.reply("alice", f'!poll create "Q ?" choices:"A | B" closes:"{closes}"')
    assert f"Clôture : {shown}." in reply.text, reply.text
    assert await closes_at(h) == instant


async def test_closing_date_in_english_words(h: Harness) -> None:
    await h.say("bob", "!language en")
    # The poll is a post the room reads: in the room's language (the community's, French, by
    # default), whoever creates it.
    reply = await h.reply("bob", '!poll create "Q?" choices:"A | B" closes:"next friday 6pm"')
    assert "Clôture : vendredi 8 janvier à 18 h." in reply.text, reply.text
    await h.core.members.set_room_locale(h.adapter.room, "en")
    reply = await h.reply("bob", '!poll create "R?" choices:"A | B" closes:"next friday 6pm"')
    assert "Closes: Friday 8 January at 18:00." in reply.text, reply.text


async def test_a_bad_closing_date_says_what_to_type(h: Harness) -> None:
    await h.say("bob", "!language en")
    for closes, fragment in [
        ("31 février 18h", "February has only 28 days in 2027"),
        ("28/3/2027 2h30", "does not exist on Sunday 28 March 2027 in Europe/Paris"),
        ("mercredi 7 janvier 18h", "7 January 2027 is a Thursday, not a Wednesday"),
        ("bientôt", 'closes:"thursday 6pm"'),
    ]:
        reply = await h.reply("bob", f'!poll create "Q?" choices:"A | B" closes:"{closes}"')
        assert reply.tone is Tone.ERROR and fragment in reply.text, reply.text
    async with h.db.session() as s:
        assert list(await s.exec(select(Poll))) == []
