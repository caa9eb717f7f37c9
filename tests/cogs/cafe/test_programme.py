"""A café's programme: activities prepared before the café, checked when added (the poll
cog's rules through core.activities), shown, moved, removed, copied; rights and privacy."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.core import MemberRef, Role
from bot.scheduling import FakeClock
from cogs.cafe.models import CafeActivity, CafeOccurrence
from tests.harness import Harness, make_harness

CREATE = (
    '!cafe create title:"Café TMNlab" schedule:"monthly first thursday 10:00" '
    "timezone:Europe/Paris duration:60"
)
QUIZ = (
    '!cafe programme add occurrence:{occ} kind:quiz question:"A quelle date la feuille de route '
    'a-t-elle été publiée ?" answer:"26/09/2022 | 26 septembre 2022" seconds:60'
)


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    # Monday 4 January 2027, 09:00 UTC: the first café is Thursday 7 January at 10:00 Paris.
    harness = await make_harness(
        db_url, cogs=["cafe", "poll"], clock=FakeClock(datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
    )
    harness.adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR)
    await harness.reply("mod", CREATE)
    yield harness
    await harness.close()


async def occurrences(h: Harness) -> list[int]:
    async with h.db.session() as s:
        rows = await s.exec(select(CafeOccurrence).order_by(CafeOccurrence.starts_at))
        return [r.id for r in rows if r.id is not None]


async def stored(h: Harness, occ: int) -> list[CafeActivity]:
    async with h.db.session() as s:
        rows = await s.exec(
            select(CafeActivity)
            .where(CafeActivity.occurrence_id == occ)
            .order_by(CafeActivity.position)
        )
        return list(rows)


async def seven(h: Harness, occ: int) -> None:
    """The seed's café: quiz, two questionnaires, word cloud, board, rating (and a ranking)."""
    lines = [
        QUIZ.format(occ=occ),
        f'!cafe programme add {occ} multiple "De quels dispositifs avez-vous connaissance ?" '
        'choices:"PIA 4 | Écrans vivants | Fonds ICC | ONDA" max:3',
        f'!cafe programme add {occ} open "Si oui, pouvez-vous préciser ?"',
        f'!cafe programme add {occ} wordcloud "Un mot pour définir votre rentrée ?" max:1 '
        "seconds:90",
        f'!cafe programme add {occ} board "Votre rapport au TMNlab" categories:"Communauté '
        'apprenante | Espace de ressources | Réseau national"',
        f'!cafe programme add {occ} ranking "Comment suivez-vous l\'actualité ?" '
        'choices:"Newsletter | Mailing list | Site | Facebook"',
        f'!cafe programme add {occ} rating "Donnez-nous votre avis sur ce café !" anonymous:true',
    ]
    for line in lines:
        reply = await h.reply("mod", line)
        assert "ajoutée au programme" in reply.text, (line, reply.text)


async def test_add_validates_now_and_appends_in_order(h: Harness) -> None:
    occ = (await occurrences(h))[0]
    reply = await h.reply("mod", QUIZ.format(occ=occ))
    assert reply.private
    assert f"Activité n° 1 ajoutée au programme du café n° {occ}" in reply.text
    assert "réponse : 26/09/2022 | 26 septembre 2022" in reply.text
    await seven(h, occ)
    rows = await stored(h, occ)
    assert [r.position for r in rows] == list(range(1, 9))
    assert rows[0].kind == "quiz" and rows[0].seconds == 60
    assert rows[5].kind == "board"
    member = await h.core.members.resolve(MemberRef("memory", "mod", "mod"))
    assert rows[0].created_by == member.id
    shown = await h.reply("mod", f"!cafe programme show occurrence:{occ}")
    assert shown.private and f"Programme du café n° {occ}" in (shown.title or "")
    assert "1. quiz — « A quelle date" in shown.text and "(60 s)" in shown.text
    assert "6. tableau d'idées — « Votre rapport au TMNlab »" in shown.text
    assert "catégories : Communauté apprenante | Espace de ressources" in shown.text
    assert "8. note de 1 à 5" in shown.text and "anonyme" in shown.text
    assert "8 activités — 3 min 30 s chronométrées" in shown.text


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('kind:quiz question:"Date ?"', "Un quiz a besoin de sa bonne réponse"),
        ('kind:single question:"Oui ?" choices:"Oui"', "Il faut au moins 2 choix"),
        ('kind:single question:"X ?" choices:"A | a"', "apparaît deux fois"),
        ('kind:open question:"X ?" categories:"A | B"', "categories ne sert qu'aux tableaux"),
        ('kind:rating question:"X ?" max:3', "max ne sert qu'aux choix multiples"),
        ('kind:sondage question:"X ?"', "L'option kind accepte : single, multiple"),
        ('kind:open question:"X ?" choices:"A | B"', "Ce type de sondage n'a pas de choix"),
        ('kind:open question:"X ?" seconds:2', "seconds doit être compris entre 5 et 3600"),
        ('kind:open question:"X ?" seconds:99999', "seconds doit être comprise entre 0 et 3600"),
    ],
)
async def test_invalid_activities_are_refused_with_poll_create_messages(
    h: Harness, line: str, message: str
) -> None:
    occ = (await occurrences(h))[0]
    reply = await h.reply("mod", f"!cafe programme add occurrence:{occ} {line}")
    assert message in reply.text, reply.text
    assert await stored(h, occ) == []
    if "kind:sondage" not in line and "seconds" not in line:
        # the very message poll create gives for the same options
        same = await h.reply("mod", f"!poll create {line}")
        assert message in same.text


async def test_move_and_remove_renumber(h: Harness) -> None:
    occ = (await occurrences(h))[0]
    await seven(h, occ)
    moved = await h.reply("mod", f"!cafe programme move {occ} 7 to:1")
    assert "L'activité n° 7 passe en place 1" in moved.text
    assert moved.text.index("1. note de 1 à 5") < moved.text.index("2. quiz")
    kinds = [r.kind for r in await stored(h, occ)]
    assert kinds[:3] == ["rating", "quiz", "multiple"]
    removed = await h.reply("mod", f"!cafe programme remove occurrence:{occ} activity:2")
    assert "Activité retirée" in removed.text and "quiz" in removed.text
    rows = await stored(h, occ)
    assert [r.position for r in rows] == list(range(1, 7))
    assert [r.kind for r in rows][:2] == ["rating", "multiple"]
    missing = await h.reply("mod", f"!cafe programme remove {occ} 9")
    assert "Pas d'activité n° 9" in missing.text and "il en compte 6" in missing.text
    beyond = await h.reply("mod", f"!cafe programme move {occ} 1 to:12")
    assert "entre 1 et 6" in beyond.text
    assert [r.kind for r in await stored(h, occ)] == [r.kind for r in rows]
    back = await h.reply("mod", f"!cafe programme move {occ} 1 to:6")
    assert "6. note de 1 à 5" in back.text
    assert [r.kind for r in await stored(h, occ)][-1] == "rating"


async def test_copy_reuses_a_deck_and_refuses_to_overwrite(h: Harness) -> None:
    first, second = (await occurrences(h))[:2]
    await seven(h, first)
    copied = await h.reply("mod", f"!cafe programme copy from:{first} to:{second}")
    assert f"7 activités copiées depuis le café n° {first}" in copied.text
    assert [(r.kind, r.question) for r in await stored(h, second)] == [
        (r.kind, r.question) for r in await stored(h, first)
    ]
    again = await h.reply("mod", f"!cafe programme copy from:{first} to:{second}")
    assert "a déjà un programme (activités : 7)" in again.text and "replace:true" in again.text
    await h.reply("mod", f"!cafe programme remove {first} 1")
    replaced = await h.reply("mod", f"!cafe programme copy from:{first} to:{second} replace:true")
    assert "6 activités copiées" in replaced.text
    assert len(await stored(h, second)) == 6
    same = await h.reply("mod", f"!cafe programme copy from:{first} to:{first}")
    assert "deux cafés différents" in same.text
    third = (await occurrences(h))[2]
    empty = await h.reply("mod", f"!cafe programme copy from:{third} to:{first}")
    assert "n'a pas de programme à copier" in empty.text


async def test_copy_by_slash_command_uses_the_from_option(h: Harness) -> None:
    first, second = (await occurrences(h))[:2]
    await h.reply("mod", QUIZ.format(occ=first))
    reply = await h.invoke("mod", "cafe programme copy", **{"from": first, "to": second})
    assert "1 activité copiée" in reply.text
    spec = h.core.catalogue.get("cafe programme copy")
    assert spec is not None and [o.name for o in spec.options] == ["from", "to", "replace"]


async def test_only_moderators_and_the_host_prepare(h: Harness) -> None:
    occ = (await occurrences(h))[0]
    denied = await h.reply("alice", QUIZ.format(occ=occ))
    assert "Seuls les modérateurs et l'animateur" in denied.text
    shown = await h.reply("alice", f"!cafe programme show {occ}")
    assert "Seuls les modérateurs" in shown.text  # the quiz answers stay secret
    await h.invoke("mod", "cafe edit", occurrence=occ, host="Alice")
    hosted = await h.reply("alice", QUIZ.format(occ=occ))
    assert "ajoutée au programme" in hosted.text
    other = (await occurrences(h))[1]
    assert "Seuls les modérateurs" in (await h.reply("alice", QUIZ.format(occ=other))).text
    await h.invoke("mod", "cafe edit", occurrence=other, host="Animation : <@bob>")
    assert "ajoutée" in (await h.reply("bob", QUIZ.format(occ=other))).text
    assert len(await stored(h, occ)) == 1 and len(await stored(h, other)) == 1


async def test_cancelled_and_finished_cafes_refuse_changes(h: Harness) -> None:
    first, second = (await occurrences(h))[:2]
    await h.reply("mod", QUIZ.format(occ=first))
    await h.invoke("mod", "cafe cancel", occurrence=second)
    cancelled = await h.reply("mod", QUIZ.format(occ=second))
    assert "est annulé : son programme ne change plus" in cancelled.text
    h.clock.advance(timedelta(days=3, hours=2))  # Thursday 11:00 UTC: the café is over
    over = await h.reply("mod", f"!cafe programme remove {first} 1")
    assert "est terminé" in over.text and f"copy from:{first}" in over.text
    assert len(await stored(h, first)) == 1
    shown = await h.reply("mod", f"!cafe programme show {first}")
    assert "1. quiz" in shown.text  # still readable, and reusable:
    third = (await occurrences(h))[2]
    assert (
        "1 activité copiée" in (await h.reply("mod", f"!cafe programme copy {first} {third}")).text
    )
    unknown = await h.reply("mod", "!cafe programme show 9999")
    assert "n'existe pas" in unknown.text


async def test_a_programme_has_a_limit(h: Harness) -> None:
    occ = (await occurrences(h))[0]
    for i in range(25):
        await h.reply("mod", f'!cafe programme add {occ} open "Question {i} ?"')
    refused = await h.reply("mod", f'!cafe programme add {occ} open "Une de trop ?"')
    assert "au plus 25 activités" in refused.text
    assert len(await stored(h, occ)) == 25


async def test_help_and_english(h: Harness) -> None:
    group = await h.reply("mod", "!cafe programme")
    assert "!cafe programme add" in group.text and "!cafe programme copy" in group.text
    top = await h.reply("mod", "!help")
    assert "programme (add, copy, move, remove, show)" in top.text
    one = await h.reply("mod", "!help cafe programme move")
    assert "<occurrence:nombre> <activity:nombre> <to:nombre>" in one.text
    occ = (await occurrences(h))[0]
    await h.reply("mod", "!language en")
    added = await h.reply("mod", QUIZ.format(occ=occ))
    assert "Activity 1 added to the programme of café" in added.text
    shown = await h.reply("mod", f"!cafe programme show {occ}")
    assert "Programme of café" in (shown.title or "") and "1 activity" in shown.text
    bad = await h.reply("mod", f'!cafe programme add {occ} quiz "Date ?"')
    assert "A quiz needs its right answer" in bad.text


async def test_without_polls_the_programme_says_so(db_url: str) -> None:
    async with await make_harness(
        db_url, cogs=["cafe"], clock=FakeClock(datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
    ) as h:
        h.adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR)
        await h.reply("mod", CREATE)
        occ = (await occurrences(h))[0]
        reply = await h.reply("mod", QUIZ.format(occ=occ))
        assert "le module des sondages (poll) doit être activé" in reply.text
        assert await stored(h, occ) == []


async def test_privacy_export_forget_merge(h: Harness) -> None:
    occ = (await occurrences(h))[0]
    await h.invoke("mod", "cafe edit", occurrence=occ, host="alice")
    await h.reply("alice", QUIZ.format(occ=occ))
    await h.reply("mod", f'!cafe programme add {occ} open "Et vous ?"')
    alice = await h.core.members.resolve(MemberRef("memory", "alice", "alice"))
    bob = await h.core.members.resolve(MemberRef("memory", "bob", "bob"))
    privacy = h.core.cogs["cafe"].privacy
    assert privacy is not None
    exported = await privacy.export(alice.id)
    assert exported is not None
    (mine,) = exported["programme_activities"]
    assert mine["occurrence"] == occ and mine["kind"] == "quiz" and mine["position"] == 1
    await privacy.merge(bob.id, alice.id)
    assert (await stored(h, occ))[0].created_by == bob.id
    assert len((await privacy.export(bob.id) or {})["programme_activities"]) == 1
    await privacy.forget(bob.id)
    rows = await stored(h, occ)
    assert len(rows) == 2 and rows[0].created_by is None  # the programme stays, unnamed
    assert rows[1].created_by is not None
    assert "programme_activities" not in (await privacy.export(bob.id) or {})


async def test_simultaneous_additions_take_turns(h: Harness) -> None:
    """The occurrence row is locked while a programme changes: 1…N, no clash, none lost."""
    occ = (await occurrences(h))[0]
    replies = await asyncio.gather(
        *(h.reply("mod", f'!cafe programme add {occ} open "Question {i} ?"') for i in range(6))
    )
    assert all("ajoutée au programme" in r.text for r in replies), [r.text for r in replies]
    rows = await stored(h, occ)
    assert [r.position for r in rows] == [1, 2, 3, 4, 5, 6]
    assert sorted(r.question for r in rows) == [f"Question {i} ?" for i in range(6)]
