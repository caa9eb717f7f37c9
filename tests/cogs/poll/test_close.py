"""Closing: by hand (author or moderator) or by the outbox at its time, across restarts."""

from __future__ import annotations

from datetime import timedelta

from bot.core import Role, Tone
from tests.cogs.poll.conftest import close, poll_harness
from tests.harness import Harness


async def test_only_author_or_moderator_closes(h: Harness) -> None:
    await h.say("alice", '!poll create "Q ?" choices:"A | B"')
    await h.say("bob", "!poll vote 1 choice:A")
    refused = await h.reply("bob", "!poll close 1")
    assert refused.tone is Tone.ERROR
    h.adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR)
    final = await h.reply("mod", "!poll close 1")
    assert final.title == "Résultats finaux #1 : Q ?"
    assert final.poll is not None and final.poll.closed
    assert not final.private and final.attachments[0].data[:8] == b"\x89PNG\r\n\x1a\n"
    late = await h.reply("carol", "!poll vote 1 choice:B")
    assert late.tone is Tone.ERROR and "est clos" in late.text
    again = await h.reply("alice", "!poll close 1")
    assert "déjà clos" in again.text


async def test_timer_closes_and_posts_final_results(h: Harness) -> None:
    await h.say("alice", '!poll create "Q ?" choices:"A | B" duration:30m')
    await h.say("bob", "!poll vote 1 choice:B")
    h.clock.advance(timedelta(minutes=29))
    await h.deliver()
    assert not [s for s in h.adapter.in_room() if "Résultats finaux" in s.text]
    h.clock.advance(timedelta(minutes=2))
    refused = await h.reply("carol", "!poll vote 1 choice:A")  # due, even before the outbox ran
    assert refused.tone is Tone.ERROR
    report = await h.deliver()
    assert report.sent == 1
    final = [s for s in h.adapter.in_room() if s.key == "poll:1:close"]
    assert len(final) == 1 and "Participation : 1 / 71" in final[0].text
    assert final[0].text.startswith("Résultats finaux #1 : Q ?")
    assert final[0].reply.poll is not None and final[0].reply.poll.closed
    await h.settle()
    assert len([s for s in h.adapter.in_room() if s.key == "poll:1:close"]) == 1


async def test_closing_by_hand_cancels_the_timer(h: Harness) -> None:
    await h.say("alice", '!poll create "Q ?" choices:"A | B" duration:1h')
    await h.say("alice", "!poll close 1")
    h.clock.advance(timedelta(hours=2))
    await h.settle()
    assert not [s for s in h.adapter.sent if s.key == "poll:1:close"]


async def test_closing_survives_a_restart(db_url: str) -> None:
    first = await poll_harness(db_url)
    await first.say("alice", '!poll create "Q ?" choices:"A | B" duration:10m')
    await first.say("bob", "!poll vote 1 choice:A")
    await close(first)
    second = await poll_harness(db_url, anonymous_minimum=3)
    try:
        second.clock.advance(timedelta(minutes=15))
        report = await second.deliver()
        assert report.sent == 1
        final = [s for s in second.adapter.in_room() if s.key == "poll:1:close"]
        assert len(final) == 1 and "**A** — 1 vote (100 %)" in final[0].text
    finally:
        await close(second)


async def test_list_shows_open_and_closed(h: Harness) -> None:
    await h.say("alice", '!poll create "Ouvert ?" choices:"A | B"')
    await h.say("alice", '!poll create "Fermé ?" choices:"A | B"')
    await h.say("alice", "!poll close 2")
    reply = await h.say("bob", "!poll list")
    assert reply is not None
    assert reply.text.index("#1 Ouvert ?") < reply.text.index("**Derniers sondages clos**")
    assert "#2 Fermé ?" in reply.text


async def test_live_results_message_is_coalesced(h: Harness) -> None:
    await h.say("alice", '!poll create "Q ?" choices:"A | B"')
    for i in range(10):
        await h.say(f"m{i}", "!poll vote 1 choice:A")
    await h.settle()
    live = [s for s in h.adapter.sent if s.kind in ("room", "edit") and "Résultats #1" in s.text]
    assert 1 <= len(live) <= 3, len(live)
    assert "Participation : 10 / 71" in live[-1].text


async def test_a_poll_closed_by_another_process_refuses_votes(h: Harness) -> None:
    from sqlmodel import update

    from cogs.poll.models import Poll
    from tests.cogs.poll.conftest import ballots

    await h.say("alice", '!poll create "Q ?" choices:"A | B"')
    await h.say("bob", "!poll vote 1 choice:A")  # this process now knows the poll is open
    async with h.db.session() as s:  # another process closes it
        await s.exec(update(Poll).values(closed_at=h.clock.now(), closed_reason="member"))
    late = await h.reply("bob", "!poll vote 1 choice:B")
    assert late.tone is Tone.ERROR and "est clos" in late.text
    assert [b.choices for b in await ballots(h, 1)] == ["[1]"]
