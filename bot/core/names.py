"""Command names in the members' languages: ``!sondage créer`` is ``poll create``.

Command paths are English words (the public surface scripts rely on). Each language may name
them too, word by word, in ``names_<locale>.toml`` files: the core's (``bot/locales/``) for
words every cog shares, and a cog's (``<cog>/locales/``) for its own group and words — a cog's
words apply only to its own commands (``start`` is *lancer* for a café, *commencer* for
onboarding). The catalogue turns them into aliases of the text grammar (also without accents:
``!cafe rejoindre``) and Discord publishes them as ``name_localizations``.

    # cogs/poll/locales/names_fr.toml
    poll = "sondage"
    vote = "voter"
"""

from __future__ import annotations

import logging
import tomllib
import unicodedata
from pathlib import Path

log = logging.getLogger(__name__)

#: locale → {English word: word in that language}
Vocabulary = dict[str, dict[str, str]]


def load_names(directory: Path) -> Vocabulary:
    """The ``names_<locale>.toml`` files of a locales directory (empty when none)."""
    found: Vocabulary = {}
    if not directory.exists():
        return found
    for path in sorted(directory.glob("names_*.toml")):
        locale = path.stem.removeprefix("names_")
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            log.error("Command names in %s not loaded: %s", path, exc)
            continue
        words = {str(k).lower(): str(v).strip().lower() for k, v in data.items()}
        found.setdefault(locale, {}).update({k: v for k, v in words.items() if valid(v)})
        for bad in sorted(k for k, v in words.items() if not valid(v)):
            log.error("Command name %r in %s is not one lowercase word", words[bad], path)
    return found


def valid(word: str) -> bool:
    """One lowercase word Discord accepts as a name (letters, digits, - and _)."""
    return 0 < len(word) <= 32 and all(c.isalnum() or c in "-_" for c in word)


def fold(text: str) -> str:
    """Without accents: ``créer`` → ``creer`` (what a keyboard without accents types)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def merge(*vocabularies: Vocabulary) -> Vocabulary:
    """Later vocabularies win, word by word."""
    out: Vocabulary = {}
    for vocabulary in vocabularies:
        for locale, words in vocabulary.items():
            out.setdefault(locale, {}).update(words)
    return out
