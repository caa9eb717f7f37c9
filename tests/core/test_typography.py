"""French typography (U+202F before high marks, inside « »), never in English; ordinals; 1er."""

from datetime import UTC, datetime

import pytest

from bot.core.i18n import I18n
from bot.core.typography import french_typography, ordinal

N = "\u202f"

CASES = [
    # (source, expected)
    ("Quand : jeudi", f"Quand{N}: jeudi"),
    ("Bravo !", f"Bravo{N}!"),
    ("Bravo!", f"Bravo{N}!"),
    ("Prêt ?!", f"Prêt{N}?!"),
    ("D'abord ; ensuite", f"D'abord{N}; ensuite"),
    ("Question ?", f"Question{N}?"),
    ("Quand\u00a0: jeudi", f"Quand{N}: jeudi"),  # a plain no-break space becomes a narrow one
    ("« texte »", f"«{N}texte{N}»"),
    ("«texte»", f"«{N}texte{N}»"),
    ("**Quand :** demain", f"**Quand{N}:** demain"),
    ("Fin :", f"Fin{N}:"),
    ("{count} inscrits : {names}", f"{{count}} inscrits{N}: {{names}}"),
    # Not punctuation: left exactly as written.
    ("À 10:00", "À 10:00"),
    ("Tapez `!poll vote poll:1`", "Tapez `!poll vote poll:1`"),
    ("Tapez `!poll vote poll:1` ?", f"Tapez `!poll vote poll:1`{N}?"),
    ("```\na : b !\n```", "```\na : b !\n```"),
    ("Voir https://exemple.org/a?b=1 : ok", f"Voir https://exemple.org/a?b=1{N}: ok"),
    ("<https://exemple.org/?x=1>", "<https://exemple.org/?x=1>"),
    ("Début <t:1700000000:R> !", f"Début <t:1700000000:R>{N}!"),
    ('kind:single choices:"A | B"', 'kind:single choices:"A | B"'),
    ("!poll create", "!poll create"),
    ("Tapez !help ou ?help", "Tapez !help ou ?help"),
    (":tada: Bravo", ":tada: Bravo"),
    ("🎉 Bravo !", f"🎉 Bravo{N}!"),
    ("Bravo 🎉 !", f"Bravo 🎉{N}!"),
    ("n° 3 : ok", f"n° 3{N}: ok"),
    ("\n: début de ligne", "\n: début de ligne"),
    # A colon glued to a word is option syntax, shown as typed.
    (
        "Indiquez votre choix avec choice: (un numéro)",
        "Indiquez votre choix avec choice: (un numéro)",
    ),
    ("des mots (query:), des tags (tags:)", "des mots (query:), des tags (tags:)"),
    ("pas « {scheme}: »", f"pas «{N}{{scheme}}:{N}»"),
    ("", ""),
]


@pytest.mark.parametrize(("source", "expected"), CASES)
def test_french_typography(source: str, expected: str) -> None:
    assert french_typography(source) == expected
    assert french_typography(expected) == expected  # idempotent: safe on composed strings


def test_translator_applies_it_to_french_templates_only() -> None:
    i18n = I18n()
    fr, en = i18n.translator("fr"), i18n.translator("en")
    # What the member typed (the zone, here a question with "?") is not touched.
    text = fr("Sondage #{id} : {question}", id=1, question="Q?")
    assert text == f"Sondage #1{N}: Q?"
    assert N not in en("C'est noté : je vous réponds désormais en français.")
    assert fr.n("{n} vote !", "{n} votes !", 2) == f"2 votes{N}!"
    assert N not in I18n(typography=False).translator("fr")("Bravo !")


@pytest.mark.parametrize(
    ("n", "feminine", "fr", "en"),
    [
        (1, False, "1er", "1st"),
        (1, True, "1re", "1st"),
        (2, False, "2e", "2nd"),
        (3, True, "3e", "3rd"),
        (4, False, "4e", "4th"),
        (11, False, "11e", "11th"),
        (12, False, "12e", "12th"),
        (13, False, "13e", "13th"),
        (21, False, "21e", "21st"),
        (22, False, "22e", "22nd"),
        (101, False, "101e", "101st"),
        (111, False, "111e", "111th"),
    ],
)
def test_ordinals(n: int, feminine: bool, fr: str, en: str) -> None:
    assert ordinal(n, "fr", feminine=feminine) == fr
    assert ordinal(n, "en", feminine=feminine) == en
    assert I18n().translator("fr").ordinal(n, feminine) == fr


def test_first_of_the_month_is_1er_in_french_only() -> None:
    i18n = I18n()
    first = datetime(2027, 4, 1, 8, 0, tzinfo=UTC)
    fr, en = i18n.translator("fr"), i18n.translator("en")
    assert fr.date(first) == "jeudi 1er avril 2027"
    assert fr.datetime(first, now=first) == "jeudi 1er avril à 8 h"
    assert en.datetime(first, now=first) == "Thursday 1 April at 08:00"
    assert fr.date(datetime(2027, 4, 2, tzinfo=UTC)) == "vendredi 2 avril 2027"
