"""Voting: one ballot per member, replaced visibly; bad votes lose nothing."""

from __future__ import annotations

import asyncio

import pytest

from bot.core import Tone
from tests.cogs.poll.conftest import ballots
from tests.harness import Harness


@pytest.fixture
async def single(h: Harness) -> Harness:
    await h.say("alice", '!poll create "Café ?" choices:"Expresso | Allongé | Crème"')
    return h


async def test_changing_a_vote_replaces_it(single: Harness) -> None:
    h = single
    first = await h.reply("bob", "!poll vote 1 choice:2")
    assert first.text.startswith("Vote enregistré") and first.private
    second = await h.reply("bob", '!poll vote 1 choice:"crème"')
    assert second.text.startswith("Vote mis à jour")
    third = await h.reply("bob", "!poll vote 1 choice:Crème")
    assert "Vote mis à jour" in third.text
    rows = await ballots(h, 1)
    assert len(rows) == 1 and rows[0].choices == "[3]" and rows[0].revision == 3
    results = await h.reply("bob", "!poll results 1")
    assert "Participation : 1 / 71" in results.text
    assert "**Crème** — 1 vote (100 %)" in results.text


async def test_typed_and_clicked_votes_are_the_same(single: Harness) -> None:
    h = single
    poll = await h.say("alice", "!poll results 1")
    assert poll is not None
    button = next(a for a in poll.actions if a.label == "Allongé")
    reply = await h.adapter.click("carol", button)
    assert "Allongé" in reply.text
    slash = await h.invoke("dan", "poll vote", poll=1, choice="2")
    assert "Allongé" in slash.text
    assert sorted(b.choices for b in await ballots(h, 1)) == ["[2]", "[2]"]


async def test_native_poll_answer_ids_are_votes(h: Harness) -> None:
    created = await h.reply("alice", '!poll create "Q ?" kind:multiple choices:"A | B | C"')
    assert created.poll is not None
    native = created.poll
    reply = await h.invoke("bob", native.vote.command, **native.vote.arg_dict, choice="1|3")
    assert "A | C" in reply.text


@pytest.mark.parametrize(
    ("vote", "fragment"),
    [
        ("!poll vote 1 choice:Thé", "ne fait pas partie des choix"),
        ("!poll vote 1 choice:9", "ne fait pas partie des choix"),
        ('!poll vote 1 choice:"1 | 2"', "Un seul choix"),
        ("!poll vote 1 text:bonjour", "votez avec choice"),
        ("!poll vote 99 choice:1", "Aucun sondage n° 99"),
        ("!poll vote 1", "Indiquez votre choix"),
    ],
)
async def test_a_bad_vote_keeps_the_ballot(single: Harness, vote: str, fragment: str) -> None:
    h = single
    await h.say("bob", "!poll vote 1 choice:2")
    reply = await h.reply("bob", vote)
    assert reply.tone is Tone.ERROR and fragment in reply.text
    rows = await ballots(h, 1)
    assert [r.choices for r in rows] == ["[2]"]


async def test_retract_then_vote_again(single: Harness) -> None:
    h = single
    await h.say("bob", "!poll vote 1 choice:1")
    reply = await h.reply("bob", "!poll retract 1")
    assert "retiré" in reply.text
    assert await ballots(h, 1) == []
    again = await h.reply("bob", "!poll retract 1")
    assert again.tone is Tone.ERROR
    await h.say("bob", "!poll vote 1 choice:1")
    assert len(await ballots(h, 1)) == 1


async def test_concurrent_clicks_give_one_ballot(single: Harness) -> None:
    h = single
    results = await asyncio.gather(
        *(h.invoke("bob", "poll vote", poll=1, choice=str(1 + i % 3)) for i in range(12))
    )
    assert all(r.tone is not Tone.ERROR for r in results), [r.text for r in results]
    rows = await ballots(h, 1)
    assert len(rows) == 1 and rows[0].revision == 12
    assert sum("Vote enregistré" in r.text for r in results) == 1


async def test_many_members_at_once_tally_exactly(single: Harness) -> None:
    h = single
    names = [f"m{i}" for i in range(30)]
    await asyncio.gather(
        *(h.invoke(n, "poll vote", poll=1, choice=str(1 + i % 3)) for i, n in enumerate(names))
    )
    results = await h.reply("alice", "!poll results 1")
    assert "Participation : 30 / 71" in results.text
    assert results.text.count("— 10 votes") == 3


async def test_multiple_choice_respects_max(h: Harness) -> None:
    await h.say("alice", '!poll create "Q ?" kind:multiple choices:"A | B | C | D" max:2')
    bad = await h.reply("bob", '!poll vote 1 choice:"A | B | C"')
    assert "Au plus 2 choix" in bad.text
    ok = await h.reply("bob", '!poll vote 1 choice:"a, d"')
    assert "A | D" in ok.text


async def test_ranking_needs_a_full_order_and_uses_borda(h: Harness) -> None:
    await h.say("alice", '!poll create "Q ?" kind:ranking choices:"A | B | C"')
    bad = await h.reply("bob", '!poll vote 1 choice:"A | B"')
    assert "il manque : C" in bad.text
    await h.say("bob", '!poll vote 1 choice:"C | A | B"')
    await h.say("carol", '!poll vote 1 choice:"A | C | B"')
    await h.say("dan", '!poll vote 1 choice:"A | B | C"')
    results = await h.say("alice", "!poll results 1")
    assert results is not None
    assert "1. **A** — 5 points, rang moyen 1,3" in results.text
    assert "3. **B** — 1 point, rang moyen 2,7" in results.text


async def test_rating_with_comments(h: Harness) -> None:
    await h.say("alice", '!poll create "Ce café ?" kind:rating')
    for name, value in [("b", 4), ("c", 5), ("d", 4)]:
        await h.say(name, f'!poll vote 1 choice:{value} comment:"Bien {name}"')
    bad = await h.reply("e", "!poll vote 1 choice:6")
    assert "de 1 à 5" in bad.text
    results = await h.reply("alice", "!poll results 1")
    assert "**4,3 / 5**" in results.text
    assert "- 5/5 « Bien c » — c" in results.text
    assert "★★★★☆ : 2" in results.text


async def test_open_answers_are_listed_with_authors(h: Harness) -> None:
    await h.say("alice", '!poll create "Vos projets ?" kind:open')
    await h.say("bob", '!poll vote 1 text:"PIA 4 & découvrabilité"')
    results = await h.reply("alice", "!poll results 1")
    assert "- « PIA 4 & découvrabilité » — **bob**" in results.text


async def test_wordcloud_folds_case_accents_and_spaces(h: Harness) -> None:
    await h.say("alice", '!poll create "Un mot ?" kind:wordcloud max:2')
    await h.say("b", '!poll vote 1 text:"Médiation | reprise"')
    await h.say("c", '!poll vote 1 text:"médiation"')
    await h.say("d", '!poll vote 1 text:"  Mediation "')
    too_many = await h.reply("e", '!poll vote 1 text:"a | b | c"')
    assert "Au plus 2 mot(s)" in too_many.text
    results = await h.reply("alice", "!poll results 1")
    assert "**Médiation** (3), reprise" in results.text


async def test_quiz_first_right_answer_wins(h: Harness) -> None:
    await h.say("alice", '!poll create "Date ?" kind:quiz answer:"26/09/2022 | 26 septembre 2022"')
    h.clock.advance(10)
    wrong = await h.reply("gaelle", '!poll vote 1 text:"25/09/2022"')
    assert "pas la bonne réponse (1 tentative)" in wrong.text
    h.clock.advance(17)
    right = await h.reply("gaelle", '!poll vote 1 text:"26 Septembre 2022"')
    assert "2 tentatives" in right.text
    h.clock.advance(5)
    await h.say("bob", '!poll vote 1 text:"26/09/2022"')
    again = await h.reply("gaelle", '!poll vote 1 text:"x"')
    assert "déjà trouvé" in again.text
    results = await h.say("alice", "!poll results 1")
    assert results is not None
    assert "Gagné par **gaelle** — 2 tentatives, 27 secondes" in results.text
    assert "26/09/2022" not in results.text  # the answer stays secret while open
    assert "Participation : 2 / 71 (3 %)" in results.text


async def test_board_ideas_in_categories_up_voted_by_others(h: Harness) -> None:
    await h.say(
        "alice",
        '!poll create "Le TMNlab ?" kind:board '
        'categories:"Une communauté apprenante | Espace de ressources | Réseau national"',
    )
    posted = await h.reply("bob", '!poll vote 1 text:"Un wiki" category:"espace de ressources"')
    assert "Idée n° 1" in posted.text
    await h.say("carol", '!poll vote 1 text:"Des cafés en région" category:3')
    missing = await h.reply("carol", '!poll vote 1 text:"Sans catégorie"')
    assert "Choisissez une catégorie" in missing.text
    duplicate = await h.reply("dan", '!poll vote 1 text:"un  WIKI" category:2')
    assert "choice:1" in duplicate.text
    own = await h.reply("bob", "!poll vote 1 choice:1")
    assert "votre idée" in own.text
    for name in ("carol", "dan"):
        await h.say(name, "!poll vote 1 choice:1")
    twice = await h.reply("dan", "!poll vote 1 choice:1")
    assert "déjà" in twice.text
    await h.say("dan", "!poll vote 1 choice:2")
    results = await h.say("alice", "!poll results 1")
    assert results is not None
    assert "- n° 1 Un wiki — 2 soutiens (bob)" in results.text
    assert "**Réseau national** (1)" in results.text
    assert "Participation : 3 / 71" in results.text


async def test_a_reserved_poll_names_the_role_in_the_reader_language(h: Harness) -> None:
    await h.say("alice", '!poll create "Q ?" choices:"A | B" role:moderator')
    french = await h.reply("bob", "!poll vote 1 choice:A")
    assert french.tone is Tone.ERROR and "(modérateur)" in french.text, french.text
    await h.say("bob", "!language en")
    english = await h.reply("bob", "!poll vote 1 choice:A")
    assert "(moderator)" in english.text and "another role" in english.text, english.text
