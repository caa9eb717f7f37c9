"""French-aware search text: accent-folded words, stemmed for SQLite's FTS5.

PostgreSQL stems itself with ``to_tsvector('french', …)`` but may lack ``unaccent``: we store
the accent-folded text and fold queries the same way. SQLite's FTS5 has no French stemmer: we
store (and query) snowball-French stems of the folded words.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from bot.core.text import fold

_WORD = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    # Loaded with the first search or share, not at start-up (footprint).
    import snowballstemmer

    return snowballstemmer.stemmer("french")


# SQLite has no French stop list: without one, "la médiation" would need "la" in the page.
STOPWORDS = frozenset(
    {
        "a",
        "au",
        "aux",
        "avec",
        "ce",
        "ces",
        "dans",
        "de",
        "des",
        "du",
        "elle",
        "en",
        "et",
        "eux",
        "il",
        "ils",
        "je",
        "la",
        "le",
        "les",
        "leur",
        "lui",
        "ma",
        "mais",
        "me",
        "meme",
        "mes",
        "moi",
        "mon",
        "ne",
        "nos",
        "notre",
        "nous",
        "on",
        "ou",
        "par",
        "pas",
        "pour",
        "qu",
        "que",
        "qui",
        "sa",
        "se",
        "ses",
        "son",
        "sur",
        "ta",
        "te",
        "tes",
        "toi",
        "ton",
        "tu",
        "un",
        "une",
        "vos",
        "votre",
        "vous",
        "c",
        "d",
        "j",
        "l",
        "m",
        "n",
        "s",
        "t",
        "y",
        "ete",
        "etre",
        "est",
        "sont",
        "the",
        "of",
        "and",
        "to",
        "in",
        "for",
    }
)


def words(text: str) -> list[str]:
    return [w for w in _WORD.findall(fold(text).replace("_", " ")) if w]


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in STOPWORDS]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    stemmed: str = _stemmer().stemWord(word)
    return stemmed


def document(dialect: str, *parts: str) -> str:
    """The column indexed for full text search (title, summary and tags)."""
    text = " ".join(p for p in parts if p)
    if dialect == "sqlite":
        return " ".join(stem(w) for w in content_words(text))
    return " ".join(words(text))


def fts5_query(text: str) -> str | None:
    """Every word's stem must match. Quoted: a word is never FTS5 syntax. (No prefix
    queries: on a common stem they cost several times the plain match.)"""
    terms = [stem(w) for w in content_words(text)]
    return " ".join(f'"{t}"' for t in dict.fromkeys(terms)) or None


def pg_query(text: str) -> str | None:
    """A ``to_tsquery('french', …)`` text: every folded word must match (PostgreSQL stems
    them and drops its stop words itself). Words are ``\\w+`` only: no query syntax."""
    found = content_words(text)
    return " & ".join(dict.fromkeys(found)) or None
