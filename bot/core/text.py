"""Text normalisation shared by every cog: tags, word-cloud words, quiz answers, search.

"Médiation", "médiation", "Mediation " and "MÉDIATION" all fold to ``mediation``.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Case-, accent- and space-insensitive form: the key to compare human words."""
    folded = strip_accents(text).casefold().replace("œ", "oe").replace("æ", "ae")
    return _SPACES.sub(" ", folded).strip()


def fold_key(text: str) -> str:
    """``fold`` without punctuation: "Éducation artistique & culturelle!" →
    ``education artistique culturelle``."""
    return _SPACES.sub(" ", _PUNCT.sub(" ", fold(text)).replace("_", " ")).strip()


def tidy(text: str) -> str:
    """Collapse inner whitespace and trim: how a label is shown once normalised."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def split_list(text: str, separators: str = "|,;") -> list[str]:
    """``"A | B, C"`` → ``["A", "B", "C"]`` (empty items dropped)."""
    pattern = "[" + re.escape(separators) + "]"
    return [tidy(p) for p in re.split(pattern, text) if tidy(p)]
