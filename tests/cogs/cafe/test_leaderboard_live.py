"""The live challenge on the console harness (café + poll cogs): a session whose quizzes add up
to a leaderboard posted after each quiz and as a podium at the end, ``cafe score``, pseudonyms
(chosen before and during the session, refused when bad, removed, private data), and a restart
in the middle that keeps every score (the database is the truth)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import cast

from sqlmodel import select

from bot.core import Role
from bot.core.refs import MemberRef
from bot.scheduling import FakeClock
from cogs.cafe.cog import Cafe
from cogs.cafe.leaderboards import Leaderboards
from cogs.cafe.models import CafeOccurrence, CafePseudonym, CafeSession
from tests.cogs.cafe.live_setup import (
    CREATE,
    MEMBERS,
    MONDAY,
    THURSDAY,
    cafe_with_programme,
    harness_on_monday,
)
from tests.harness import Harness, make_harness


async def setup_cafe(h: Harness) -> int:
    return await cafe_with_programme(
        h,
        [
            '!cafe programme add {occ} quiz "Capitale de la France ?" answer:Paris seconds:20',
            '!cafe programme add {occ} single "Thé ou café ?" choices:"Thé | Café"',
            '!cafe programme add {occ} quiz "2 + 2 ?" answer:4',
            '!cafe programme add {occ} quiz "Couleur du ciel ?" answer:bleu anonymous:true',
        ],
    )


h = harness_on_monday("cafe", "poll")


async def poll_of(h: Harness, occ: int, position: int) -> int:
    async with h.db.session() as s:
        row = await s.get(CafeSession, occ)
        assert row is not None
        return int(json.loads(row.polls)[str(position)])


async def answer(h: Harness, name: str, poll: int, text: str, at: float, opened: datetime) -> None:
    h.clock.set(opened + timedelta(seconds=at))
    reply = await h.reply(name, f"!poll vote poll:{poll} text:{text}")
    assert "clos" not in reply.text.lower(), reply.text


def posted(h: Harness, mark: int) -> list[str]:
    return [f"{s.reply.title or ''}\n{s.text}" for s in h.adapter.in_room()[mark:]]


def leaderboards(h: Harness) -> Leaderboards:
    return cast(Cafe, h.core.cogs["cafe"]).leaderboards


async def later(h: Harness, occ: int) -> int:
    """The café after ``occ`` in the series."""
    async with h.db.session() as s:
        rows = await s.exec(select(CafeOccurrence).order_by(CafeOccurrence.starts_at))
        return [r.id for r in rows if r.id is not None][1]


async def member_id(h: Harness, name: str) -> int:
    return (await h.core.members.resolve(MemberRef(h.adapter.platform, name, name))).id


async def test_a_challenge_over_a_session_with_a_restart(db_url: str) -> None:
    clock = FakeClock(MONDAY)
    h = await make_harness(db_url, cogs=["cafe", "poll"], clock=clock)
    try:
        occ = await setup_cafe(h)
        # Before the café: carol registers and picks a pseudonym for it.
        await h.reply("carol", f"!cafe join occurrence:{occ}")
        chosen = await h.reply("carol", "!cafe pseudo name:Zoé")
        assert chosen.private and "« Zoé »" in chosen.text, chosen.text
        clock.set(THURSDAY)
        await h.reply("alice", f"!cafe start occurrence:{occ}")
        # During the café: bob picks one (the running café is the default).
        assert "Renard 🦊" in (await h.reply("bob", '!cafe pseudo name:"Renard 🦊"')).text
        nothing = await h.reply("dan", "!cafe score")
        assert nothing.private and "Aucune question du défi" in nothing.text

        await h.reply("alice", "!cafe next")  # question 1 (20 s)
        opened, quiz = clock.now(), await poll_of(h, occ, 1)
        await answer(h, "bob", quiz, "Paris", 2, opened)  # 950
        await answer(h, "carol", quiz, "Lyon", 3, opened)
        await answer(h, "carol", quiz, "paris", 4, opened)  # 900, halved: 450
        await answer(h, "dan", quiz, "Paris", 6, opened)  # 850
        await h.settle()
        # No live results while the others answer (who found it would show): at closing.
        assert not any("Gagné par" in t for t in posted(h, 0))
        mark = len(h.adapter.in_room())
        await h.reply("alice", "!cafe next")  # closes question 1, opens the poll
        await h.settle()
        texts = posted(h, mark)
        assert len(texts) == 3, texts  # results, leaderboard, next activity: in that order
        assert "Gagné par **Renard 🦊**" in texts[0]  # the pseudonym, as on the board
        board = texts[1]
        assert "Classement après la question 1/2" in board  # the anonymous quiz does not count
        assert "1er **Renard 🦊** — 950 pts (+950)" in board
        assert "2e **dan** — 850 pts" in board and "3e **Zoé** — 450 pts" in board
        assert "3 participants au classement." in board
        assert "Activité 2 / 4" in texts[2]
        mine = await h.reply("carol", "!cafe score")
        assert mine.private and "Votre rang : 3e sur 3, avec 450 points" in mine.text
        assert "2 tentatives" in mine.text and "Votre pseudo : Zoé." in mine.text

        await h.reply("eve", f"!poll vote poll:{await poll_of(h, occ, 2)} choice:1")
        mark = len(h.adapter.in_room())
        await h.reply("alice", "!cafe next")  # a poll closes: no leaderboard after it
        await h.settle()
        assert not any("Classement" in t for t in posted(h, mark))
        opened, quiz = clock.now(), await poll_of(h, occ, 3)  # question 2: no timer, T = 30
        await answer(h, "bob", quiz, "4", 1, opened)  # 983 + 100 (2 in a row) = 1083
        await answer(h, "dan", quiz, "5", 2, opened)  # wrong: streak over
        await answer(h, "eve", quiz, "4", 15, opened)  # 750
        await h.settle()
    finally:
        await h.close()

    # A restart with question 2 still open: nothing was kept in memory, nothing is lost.
    h = await make_harness(db_url, cogs=["cafe", "poll"], clock=clock)
    try:
        for name in MEMBERS:
            h.adapter.set_roles(name, Role.MEMBER)
        still = await h.reply("carol", "!cafe score")
        assert "Votre rang : 3e sur 3, avec 450 points" in still.text  # question 2 still open
        mark = len(h.adapter.in_room())
        await h.reply("alice", "!cafe next")  # closes question 2, opens the anonymous quiz
        await h.settle()
        board = next(t for t in posted(h, mark) if "Classement après" in t)
        assert "Classement après la question 2/2" in board
        assert "1er **Renard 🦊** — 2\u202f033 pts (+1\u202f083) 🔥 2 d'affilée" in board
        assert "2e **dan** — 850 pts" in board and "3e **eve** — 750 pts (+750)" in board
        assert "4e **Zoé** — 450 pts" in board  # the top five… of four: all shown
        assert "4 participants au classement." in board

        anonymous = await poll_of(h, occ, 4)
        await h.reply("dan", f"!poll vote poll:{anonymous} text:bleu")
        mark = len(h.adapter.in_room())
        await h.reply("alice", "!cafe end")
        await h.settle()
        texts = posted(h, mark)
        assert not any("Classement après" in t for t in texts), texts  # anonymous: no score
        podium = next(t for t in texts if "Podium du défi (2 questions)" in t)
        assert (
            "🥇 1er **Renard 🦊** — 2\u202f033 pts · 2 bonnes réponses, 2 tentatives, 3 s"
            in podium
        )
        assert "🥈 2e **dan**" in podium and "🥉 3e **eve**" in podium
        assert "4 participants au classement." in podium
        assert texts.index(podium) < next(i for i, t in enumerate(texts) if "est terminé" in t)

        full = await h.reply("dan", "!cafe score all:true")
        assert full.private and "Votre rang : 2e sur 4" in full.text
        assert "4e **Zoé** — 450 pts" in full.text
        standings = await leaderboards(h).leaderboard(occ)
        assert [(s.rank, s.name, s.points, s.right, s.attempts) for s in standings] == [
            (1, "Renard 🦊", 2033, 2, 2),
            (2, "dan", 850, 1, 2),
            (3, "eve", 750, 1, 1),
            (4, "Zoé", 450, 1, 2),
        ]
        assert standings[0].pseudonym and standings[0].seconds == 3.0
        over = await h.reply("eve", f"!cafe pseudo name:Licorne occurrence:{occ}")
        assert "est terminé" in over.text
        gone = await h.reply("bob", f"!cafe pseudo name:off occurrence:{occ}")
        assert "retiré" in gone.text
        assert (await leaderboards(h).leaderboard(occ))[0].name == "bob"
    finally:
        await h.close()


async def test_pseudonym_refusals(h: Harness) -> None:
    occ = await setup_cafe(h)
    none = await h.reply("dan", "!cafe pseudo name:Zorro")
    assert "précisez occurrence" in none.text  # nothing running, registered nowhere
    h.clock.set(THURSDAY)
    await h.reply("alice", f"!cafe start occurrence:{occ}")
    assert "« Zorro »" in (await h.reply("dan", "!cafe pseudo name:Zorro")).text
    taken = await h.reply("eve", "!cafe pseudo name:ZORRO!")
    assert "déjà pris" in taken.text
    assert "nom d'un membre" in (await h.reply("eve", "!cafe pseudo name:Alice")).text
    bad = await h.reply("eve", '!cafe pseudo name:"<@123> salut"')
    assert "retirez « < »" in bad.text and "Traceback" not in bad.text
    assert "2 à 24" in (await h.reply("eve", "!cafe pseudo name:x")).text
    # Choosing again replaces; dan's old name is free again.
    assert "« Zorro 2 »" in (await h.reply("dan", '!cafe pseudo name:"Zorro 2"')).text
    assert "« Zorro »" in (await h.reply("eve", "!cafe pseudo name:Zorro")).text
    assert "n'aviez pas de pseudo" in (await h.reply("carol", "!cafe pseudo name:off")).text
    assert 'name:"…"' in (await h.reply("carol", "!cafe pseudo")).text
    # An unkind pseudonym: the host (or a moderator) removes it, nobody else can.
    refused = await h.reply("carol", '!cafe pseudo remove:"zorro 2"')
    assert "Seuls les modérateurs" in refused.text
    assert "Personne n'a" in (await h.reply("alice", "!cafe pseudo remove:Nobody")).text
    removed = await h.reply("alice", '!cafe pseudo remove:"zorro 2"')
    assert "« Zorro 2 » retiré" in removed.text and "sous son nom" in removed.text
    assert "« Zorro 2 »" in (await h.reply("dan", '!cafe pseudo name:"Zorro 2"')).text
    next_one = await later(h, occ)
    ahead = await h.reply("mod", f"!cafe pseudo name:Modo occurrence:{next_one}")
    assert "« Modo »" in ahead.text  # a later café, before it starts
    async with h.db.session() as s:
        rows = list(await s.exec(select(CafePseudonym).order_by(CafePseudonym.name)))
    assert [(r.occurrence_id, r.name) for r in rows] == [
        (next_one, "Modo"),
        (occ, "Zorro"),
        (occ, "Zorro 2"),
    ]


async def test_pseudonyms_are_exported_merged_and_forgotten(h: Harness) -> None:
    occ = await setup_cafe(h)
    h.clock.set(THURSDAY)
    await h.reply("alice", f"!cafe start occurrence:{occ}")
    await h.reply("bob", "!cafe pseudo name:Hibou")
    await h.reply("carol", "!cafe pseudo name:Chouette")
    next_one = await later(h, occ)
    await h.reply("carol", f"!cafe pseudo name:Chouette occurrence:{next_one}")
    bob, carol = await member_id(h, "bob"), await member_id(h, "carol")
    privacy = h.core.cogs["cafe"].privacy
    assert privacy is not None
    exported = await privacy.export(carol)
    assert exported is not None
    assert [(p["occurrence"], p["name"]) for p in exported["pseudonyms"]] == [
        (occ, "Chouette"),
        (next_one, "Chouette"),
    ]
    # carol merged into bob: bob keeps his own at the café where both had one.
    await privacy.merge(bob, carol)
    exported = await privacy.export(bob)
    assert exported is not None
    assert [(p["occurrence"], p["name"]) for p in exported["pseudonyms"]] == [
        (occ, "Hibou"),
        (next_one, "Chouette"),
    ]
    await privacy.forget(bob)
    exported = await privacy.export(bob)
    assert exported is not None and "pseudonyms" not in exported
    async with h.db.session() as s:
        assert list(await s.exec(select(CafePseudonym))) == []


async def test_no_named_quiz_means_no_leaderboard(h: Harness) -> None:
    h.adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR)
    h.adapter.set_roles("bob", Role.MEMBER)
    assert "Aucun café n'a encore été mené en direct" in (await h.reply("bob", "!cafe score")).text
    await h.reply("mod", CREATE)
    async with h.db.session() as s:
        occ = next(r.id for r in await s.exec(select(CafeOccurrence)) if r.id is not None)
    await h.reply("mod", f'!cafe programme add {occ} quiz "Ciel ?" answer:bleu anonymous:true')
    h.clock.set(THURSDAY)
    await h.reply("mod", f"!cafe start occurrence:{occ}")
    await h.reply("mod", "!cafe next")
    await h.reply("bob", f"!poll vote poll:{await poll_of(h, occ, 1)} text:bleu")
    mark = len(h.adapter.in_room())
    await h.reply("mod", "!cafe end")
    await h.settle()
    texts = posted(h, mark)
    assert not any("Classement" in t or "Podium" in t for t in texts), texts
    score = await h.reply("bob", "!cafe score")
    assert "aucun quiz nominatif" in score.text and "anonymes ne comptent pas" in score.text
    assert await leaderboards(h).leaderboard(occ) == []
