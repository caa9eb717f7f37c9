"""A café run live (cafe start / next / end) on the console harness with the café and poll cogs:
a three-activity programme run by its host for five members, participation against presence,
a timed activity moving on by itself, refusals, and a restart in the middle."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import select

from bot.core import Role
from bot.core.refs import MemberRef
from bot.scheduling import FakeClock
from cogs.cafe.models import CafeOccurrence, CafeSession
from tests.cogs.cafe.live_setup import MONDAY, THURSDAY, cafe_with_programme, harness_on_monday
from tests.harness import Harness, make_harness


async def setup_cafe(h: Harness) -> int:
    return await cafe_with_programme(
        h,
        [
            '!cafe programme add {occ} single "Thé ou café ?" choices:"Thé | Café"',
            '!cafe programme add {occ} quiz "Capitale de la France ?" answer:"Paris" seconds:30',
            '!cafe programme add {occ} open "Une idée pour le prochain ?"',
        ],
    )


h = harness_on_monday("cafe", "poll")


async def session(h: Harness, occ: int) -> CafeSession:
    async with h.db.session() as s:
        row = await s.get(CafeSession, occ)
        assert row is not None
        return row


async def poll_of(h: Harness, occ: int, position: int) -> int:
    return int(json.loads((await session(h, occ)).polls)[str(position)])


def room_texts(h: Harness, start: int = 0) -> list[str]:
    return [s.text for s in h.adapter.in_room()[start:]]


async def test_a_whole_session_start_next_timer_end(h: Harness) -> None:
    occ = await setup_cafe(h)
    h.clock.set(THURSDAY - timedelta(minutes=5))
    reply = await h.reply("alice", f"!cafe start occurrence:{occ}")
    assert reply.private and "lancé" in reply.text
    await h.settle()
    welcome = room_texts(h)[-1]
    assert "Bienvenue au café" in welcome
    assert "Thé ou café ?" in welcome and "Capitale de la France ?" in welcome
    assert "Paris" not in welcome  # the quiz answer stays hidden from the room
    # Check-in is open: bob and carol check in; dan only answers; eve does nothing.
    for name in ("bob", "carol"):
        assert "présence" in (await h.reply(name, "!cafe here")).text.lower()

    mark = len(h.adapter.in_room())
    reply = await h.reply("alice", "!cafe next")
    assert "Activité 1 / 3 ouverte" in reply.text
    await h.settle()
    posted = h.adapter.in_room()[mark:]
    assert len(posted) == 1 and "Activité 1 / 3" in posted[0].text
    assert "Thé ou café ?" in posted[0].text
    assert any(a.command == "cafe next" for a in posted[0].reply.actions)
    first = await poll_of(h, occ, 1)
    await h.reply("bob", f"!poll vote poll:{first} choice:1")
    await h.reply("dan", f"!poll vote poll:{first} choice:2")
    await h.settle()  # the poll's own live results post

    mark = len(h.adapter.in_room())
    reply = await h.reply("alice", "!cafe next")
    assert "Activité 1 close" in reply.text and "Activité 2 / 3 ouverte" in reply.text
    await h.settle()
    texts = room_texts(h, mark)
    assert len(texts) == 2, texts
    results, opened = texts
    assert "Participation : 2 / 3 présents" in results  # bob, carol (here) + dan (answered)
    assert "/ 6" not in results  # never against the whole room
    # Typed later, the results still count against those present.
    typed = await h.reply("eve", f"!poll results poll:{first}")
    assert "Participation : 2 / 3 présents (67" in typed.text, typed.text
    assert "Thé" in results and "Activité 2 / 3" in opened
    refused = await h.reply("bob", f"!poll vote poll:{first} choice:1")
    assert "clos" in refused.text.lower()  # an answer to a closed activity

    second = await poll_of(h, occ, 2)
    for name in ("bob", "carol", "dan", "eve"):
        await h.reply(name, f"!poll vote poll:{second} text:Paris")
    await h.settle()
    # The quiz has seconds:30: the session moves on by itself.
    mark = len(h.adapter.in_room())
    h.clock.advance(timedelta(seconds=31))
    await h.settle()
    await h.settle()
    texts = room_texts(h, mark)
    assert any("Participation : 4 / 4 présents" in t for t in texts), texts
    assert any("Activité 3 / 3" in t for t in texts), texts
    assert (await session(h, occ)).position == 3

    third = await poll_of(h, occ, 3)
    await h.reply("eve", f"!poll vote poll:{third} text:Un atelier")
    nothing = await h.reply("alice", "!cafe next")
    assert "Activité 3 close" in nothing.text and "cafe end" in nothing.text
    again = await h.reply("alice", "!cafe next")
    assert "programme du café" in again.text and "cafe end" in again.text

    mark = len(h.adapter.in_room())
    reply = await h.reply("alice", "!cafe end")
    assert "terminé" in reply.text
    await h.settle()
    assert any("est terminé" in t and "4 participants" in t for t in room_texts(h, mark))
    assert (await session(h, occ)).ended_at is not None
    twice = await h.reply("alice", f"!cafe start occurrence:{occ}")
    assert "terminé" in twice.text and not twice.text.startswith("Traceback")


async def test_end_closes_the_current_activity_and_posts_its_results(h: Harness) -> None:
    occ = await setup_cafe(h)
    h.clock.set(THURSDAY)
    await h.reply("mod", f"!cafe start occurrence:{occ}")
    await h.reply("mod", f"!cafe next occurrence:{occ}")
    await h.reply("bob", f"!poll vote poll:{await poll_of(h, occ, 1)} choice:2")
    await h.settle()
    mark = len(h.adapter.in_room())
    reply = await h.reply("mod", f"!cafe end occurrence:{occ}")
    assert "Activité 1 close" in reply.text and "terminé" in reply.text
    await h.settle()
    texts = room_texts(h, mark)
    assert any("Participation : 1 / 1 présent (100" in t for t in texts), texts
    assert "pas en cours" in (await h.reply("mod", f"!cafe next occurrence:{occ}")).text


async def test_refusals(h: Harness) -> None:
    occ = await setup_cafe(h)
    early = await h.reply("alice", f"!cafe start occurrence:{occ}")
    assert "pas encore commencé" in early.text
    h.clock.set(THURSDAY)
    member = await h.reply("bob", f"!cafe start occurrence:{occ}")
    assert "Seuls les modérateurs" in member.text
    none = await h.reply("alice", "!cafe next")
    assert "Aucun café n'est en cours" in none.text
    await h.reply("alice", f"!cafe start occurrence:{occ}")
    twice = await h.reply("alice", f"!cafe start occurrence:{occ}")
    assert "déjà en cours" in twice.text
    assert "Seuls les modérateurs" in (await h.reply("bob", "!cafe next")).text
    assert "Seuls les modérateurs" in (await h.reply("bob", "!cafe end")).text
    assert (await session(h, occ)).position == 0

    async with h.db.session() as s:
        rows = await s.exec(select(CafeOccurrence).order_by(CafeOccurrence.starts_at))
        later = [r.id for r in rows if r.id is not None][1]
    await h.reply("mod", f"!cafe cancel occurrence:{later}")
    cancelled = await h.reply("mod", f"!cafe start occurrence:{later}")
    assert "annulé" in cancelled.text
    h.clock.set(THURSDAY + timedelta(hours=2))
    over = await h.reply("mod", f"!cafe start occurrence:{occ + 0}")
    assert "déjà en cours" in over.text  # a running session stays open past its hour


async def test_finished_cafe_cannot_start(h: Harness) -> None:
    occ = await setup_cafe(h)
    h.clock.set(THURSDAY + timedelta(hours=2))
    reply = await h.reply("alice", f"!cafe start occurrence:{occ}")
    assert "terminé" in reply.text


async def test_restart_in_the_middle_resumes(db_url: str) -> None:
    clock = FakeClock(MONDAY)
    h = await make_harness(db_url, cogs=["cafe", "poll"], clock=clock)
    try:
        occ = await setup_cafe(h)
        clock.set(THURSDAY)
        await h.reply("alice", f"!cafe start occurrence:{occ}")
        await h.reply("alice", "!cafe next")
        await h.reply("alice", "!cafe next")  # the quiz (30 s) is open
        await h.settle()
        quiz = await poll_of(h, occ, 2)
    finally:
        await h.close()

    h = await make_harness(db_url, cogs=["cafe", "poll"], clock=clock)
    try:
        h.adapter.set_roles("alice", Role.MEMBER)
        h.adapter.set_roles("bob", Role.MEMBER)
        voted = await h.reply("bob", f"!poll vote poll:{quiz} text:Paris")
        assert "clos" not in voted.text.lower()  # the current activity stayed open
        clock.advance(timedelta(seconds=31))
        await h.settle()
        await h.settle()
        texts = room_texts(h)
        assert any("Participation : 1 / 1 présent (100" in t for t in texts), texts
        assert any("Activité 3 / 3" in t for t in texts), texts
        row = await session(h, occ)
        assert row.position == 3 and row.current_open
        reply = await h.reply("alice", "!cafe end")
        assert "Activité 3 close" in reply.text
        await h.settle()
    finally:
        await h.close()


async def test_who_started_a_session_is_exported_merged_and_forgotten(h: Harness) -> None:
    occ = await setup_cafe(h)
    h.clock.set(THURSDAY)
    await h.reply("mod", f"!cafe start occurrence:{occ}")
    mod = (await session(h, occ)).started_by
    assert mod is not None
    privacy = h.core.cogs["cafe"].privacy
    assert privacy is not None
    exported = await privacy.export(mod)
    assert exported is not None and exported["sessions_started"][0]["occurrence"] == occ

    other = (await h.core.members.resolve(MemberRef(h.adapter.platform, "bob", "bob"))).id
    await privacy.merge(other, mod)
    assert (await session(h, occ)).started_by == other
    await privacy.forget(other)
    assert (await session(h, occ)).started_by is None
