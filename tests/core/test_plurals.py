"""No count message without plural forms: "1 inscrits, 1 présents" must never be written.

Scans every French msgid translated with ``t(...)`` (through the extractor) for a placeholder
followed by a plural noun or adjective ("{count} inscrits", "{n} vote(s)"); such a message must
use ``t.n(singular, plural, count)`` instead, with both forms in the en*.po catalogues.
"""

from __future__ import annotations

import re

from bot.core.i18n_extract import Msg, extract_package, packages

# A placeholder, then a word ending like a French plural (…s, …x, …(s)).
_COUNT_THEN_PLURAL = re.compile(r"\{(\w+)\}\s+([a-zàâçéèêëîïôûù]+(?:s|x|\(s\)))(?![\w(])")
# Words ending in s or x that are not plurals.
_INVARIABLE = {"dans", "sans", "sous", "vers", "plus", "puis", "depuis", "pas", "très"}
_INVARIABLE |= {"après", "vous", "nous"}
# Limits (at most {max}, at least {min}, {limit}), a length already over its limit and the days
# of a month are never 1.
_BOUNDS = {"max", "min", "limit", "length", "days"}


def offenders(messages: list[Msg]) -> list[str]:
    found: list[str] = []
    for msg in messages:
        if msg.plural is not None:
            continue
        for match in _COUNT_THEN_PLURAL.finditer(msg.msgid):
            name, word = match.groups()
            if name not in _BOUNDS and word not in _INVARIABLE:
                found.append(f"{msg.where}: {{{name}}} {word} in {msg.msgid!r}")
    return found


def test_the_scan_catches_a_count_without_plural_forms() -> None:
    bad = [
        Msg("{registered} inscrits, {present} présents", None, "x.py:1"),
        Msg("Résultats : {n} vote(s)", None, "x.py:2"),
    ]
    good = [
        Msg("{n} inscrit", "{n} inscrits", "x.py:3"),  # t.n: fine
        Msg("Bienvenue à {mention} dans la communauté !", None, "x.py:4"),
        Msg("Au plus {max} choix.", None, "x.py:5"),
    ]
    assert len(offenders(bad)) == 3
    assert offenders(good) == []


def test_every_count_message_has_plural_forms() -> None:
    messages = [m for package in packages() for m in extract_package(package)]
    found = offenders(messages)
    assert not found, "use t.n(singular, plural, count):\n" + "\n".join(found)
