"""Pseudonyms on a café's leaderboard: what a member may be called. Pure rules, no I/O.

A pseudonym belongs to one member at one café (occurrence): chosen before or during the
session with ``cafe pseudo name:…``, removed with ``name:off``, shown instead of the display
name on that café's leaderboards and report only. It is read by everyone in the room, so it
must not ping anyone, carry markup or links, or pass for someone else: letters, digits, spaces,
emoji and a little punctuation (``- ' . ! ?``), 2 to 24 characters, at least one letter or
digit, unique at the café (ignoring case, accents and punctuation) and not another member's
name.
"""

from __future__ import annotations

import re
import unicodedata

from bot.core import UserError
from bot.core.text import fold, tidy

MIN_LENGTH, MAX_LENGTH = 2, 24
#: ``name:off`` (and its usual spellings) removes the pseudonym.
OFF = frozenset({"off", "aucun", "none", "non"})
_ALLOWED_PUNCT = frozenset("-'’.!?")
# Emoji sequences: zero-width joiner and the emoji variation selector (other format
# characters would let two names look the same).
_EMOJI_JOINERS = frozenset("\u200d\ufe0f")
_LINK = re.compile(r"(://|www\.|\.[a-z]{2,}/)", re.IGNORECASE)


def is_off(name: str) -> bool:
    return name.strip().casefold() in OFF


def _allowed(char: str) -> bool:
    if char == " " or char in _ALLOWED_PUNCT or char in _EMOJI_JOINERS:
        return True
    category = unicodedata.category(char)
    # Letters (with their combining marks), digits, emoji and other symbols; not the
    # markdown/mention characters (* _ ` ~ | < > @ # [ ] ( ) : are punctuation or math).
    return category[0] in "LN" or category in ("Mn", "Mc", "So")


def check_pseudonym(raw: str) -> str:
    """The pseudonym as shown (NFC, spaces collapsed), or a ``UserError`` saying what to do."""
    name = tidy(raw)
    if len(name) < MIN_LENGTH or len(name) > MAX_LENGTH:
        raise UserError(
            "Un pseudo compte de {min} à {max} caractères (« {name} » en a {count}).",
            min=MIN_LENGTH,
            max=MAX_LENGTH,
            name=name[:MAX_LENGTH],
            count=len(name),
        )
    bad = next((c for c in name if not _allowed(c)), None)
    if bad is not None:
        raise UserError(
            "Un pseudo ne contient que des lettres, des chiffres, des espaces, des émojis et "
            "- ' . ! ? : retirez « {char} ».",
            char=bad if bad.isprintable() else f"U+{ord(bad):04X}",
        )
    if _LINK.search(name):
        raise UserError("Un pseudo ne peut pas être un lien : choisissez un nom.")
    if not any(unicodedata.category(c)[0] in "LN" for c in name):
        raise UserError("Un pseudo contient au moins une lettre ou un chiffre.")
    if is_off(name):
        raise UserError("« {name} » retire le pseudo : choisissez un autre nom.", name=name)
    return name


def pseudonym_key(name: str) -> str:
    """What two pseudonyms must not share at one café: case, accents and punctuation aside
    ("Zoé!" and "zoe" are the same name to the room; emoji still tell names apart)."""
    return "".join(c for c in fold(name) if c not in _ALLOWED_PUNCT and not c.isspace())
