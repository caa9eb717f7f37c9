"""Creating polls of every kind, and every bad input refused with a clear message."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from bot.core import Tone
from cogs.poll.models import Poll
from tests.harness import Harness


async def count_polls(h: Harness) -> int:
    async with h.db.session() as s:
        return (await s.exec(select(func.count()).select_from(Poll))).one()


async def test_single_poll_has_number_buttons_and_native_poll(h: Harness) -> None:
    reply = await h.reply(
        "alice", '!poll create "Votre café ?" choices:"Expresso | Allongé | Crème"'
    )
    assert reply.title == "Sondage #1 : Votre café ?"
    assert "2. Allongé" in reply.text
    votes = [a for a in reply.actions if a.command == "poll vote"]
    assert [a.label for a in votes] == ["Expresso", "Allongé", "Crème"]
    assert votes[1].arg_dict == {"poll": 1, "choice": "2"}
    assert reply.poll is not None and reply.poll.answers[2] == ("3", "Crème")
    assert reply.poll.max_selections == 1 and not reply.poll.closed


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ('kind:multiple choices:"A | B | C" max:2', "choix multiples"),
        ('kind:ranking choices:"A | B | C"', "classement"),
        ("kind:rating", "note de 1 à 5"),
        ("kind:open", "question ouverte"),
        ("kind:wordcloud max:3", "nuage de mots"),
        ('kind:quiz answer:"26/09/2022"', "quiz"),
        ('kind:board categories:"Une communauté apprenante | Réseau national"', "tableau"),
    ],
)
async def test_every_kind_can_be_created(h: Harness, options: str, expected: str) -> None:
    reply = await h.reply("alice", f'!poll create "Une question ?" {options}')
    assert reply.tone is not Tone.ERROR, reply.text
    assert expected in reply.text
    assert reply.actions, "every poll offers at least one action"


async def test_text_kinds_offer_a_prompt(h: Harness) -> None:
    reply = await h.say("alice", '!poll create "Un mot ?" kind:wordcloud')
    assert reply is not None
    answer = next(a for a in reply.actions if a.command == "poll vote")
    assert answer.prompt == "text" and answer.label == "Répondre"
    assert reply.poll is None


async def test_anonymous_poll_says_so_and_has_no_native_poll(h: Harness) -> None:
    reply = await h.reply("alice", '!poll create "Q ?" choices:"A | B" anonymous:true')
    assert "anonyme" in reply.text and reply.poll is None
    hidden = await h.reply("alice", '!poll create "R ?" choices:"A | B" results:hidden')
    assert "cachés" in hidden.text and hidden.poll is None


async def test_named_options_as_typed(h: Harness) -> None:
    await h.say("alice", '!poll create question:"Q ?" kind:multiple choices:"A | B | C"')
    reply = await h.reply("bob", '!poll vote poll:1 choice:"A | C"')
    assert reply.text == "Vote enregistré pour le sondage #1 : A | C."


@pytest.mark.parametrize(
    ("command", "fragment"),
    [
        ('!poll create "Q ?" choices:"A"', "au moins 2 choix"),
        ('!poll create "Q ?"', "au moins 2 choix"),
        (
            '!poll create "Q ?" choices:"' + " | ".join(f"C{i}" for i in range(26)) + '"',
            "Trop de choix",
        ),
        ('!poll create "Q ?" choices:"Oui | oui | Non"', "apparaît deux fois"),
        ('!poll create "   " choices:"A | B"', "Il manque l'option question"),
        ('!poll create "' + "x" * 301 + '" choices:"A | B"', "trop longue"),
        ('!poll create "Q ?" choices:"' + "y" * 81 + ' | B"', "trop long"),
        ('!poll create "Q ?" kind:quiz', "bonne réponse"),
        ('!poll create "Q ?" kind:rating choices:"A | B"', "pas de choix"),
        ('!poll create "Q ?" choices:"A | B" duration:xyz', "Durée illisible"),
        ('!poll create "Q ?" choices:"A | B" closes:"2020-01-01 10:00"', "déjà passée"),
        ('!poll create "Q ?" choices:"A | B" closes:bientôt', "illisible"),
        ('!poll create "Q ?" choices:"A | B" kind:nope', "kind accepte"),
        ('!poll create "Q ?" kind:multiple choices:"A | B" max:3', "max doit"),
        ('!poll create "Q ?" choices:"A | B" answer:x', "quiz"),
        ('!poll create "Q ?" kind:board categories:"A | a"', "deux fois"),
    ],
)
async def test_bad_input_is_refused_clearly(h: Harness, command: str, fragment: str) -> None:
    reply = await h.reply("alice", command)
    assert reply.tone is Tone.ERROR and reply.private
    assert fragment in reply.text
    assert await count_polls(h) == 0


async def test_errors_are_translated(h: Harness) -> None:
    await h.say("bob", "!language en")
    reply = await h.reply("bob", '!poll create "Q ?" choices:"A"')
    assert "At least 2 choices" in reply.text


async def test_closes_reads_a_local_date(h: Harness) -> None:
    # The fake clock is 2027-01-04 09:00 UTC = 10:00 in Paris (the default zone).
    reply = await h.reply("alice", '!poll create "Q ?" choices:"A | B" closes:"04/01/2027 18h"')
    assert "Clôture : lundi 4 janvier à 18 h" in reply.text
