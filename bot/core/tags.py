"""Tag normalisation shared by cogs (resource tags, onboarding interests).

"Médiation", "médiation", "Mediation" and "MÉDIATION !" are one tag: their key is
``fold_key(label)`` (case, accents, spaces and punctuation folded). Synonyms map an alias to
a canonical label ("EAC" → "éducation artistique et culturelle"). Platform-free; no cog import.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.core.errors import UserError
from bot.core.text import fold_key, split_list, tidy

MAX_TAGS = 10
MAX_TAG_LENGTH = 40


@dataclass(frozen=True, slots=True)
class Tag:
    """``key`` compares tags; ``label`` is the spelling this person typed (tidied)."""

    key: str
    label: str


def synonym_table(synonyms: Mapping[str, str]) -> dict[str, str]:
    """Config ``{"EAC": "éducation artistique et culturelle"}`` → ``{fold_key(alias): label}``."""
    return {fold_key(alias): tidy(label) for alias, label in synonyms.items() if fold_key(alias)}


def normalise_tag(
    text: str, synonyms: Mapping[str, str] | None = None, *, max_length: int = MAX_TAG_LENGTH
) -> Tag | None:
    """One tag, or None when it has no letters or digits. ``synonyms`` is a ``synonym_table``.

    Raises UserError when the tag is longer than ``max_length`` characters.
    """
    label = tidy(text).strip("#").strip()
    if len(label) > max_length:
        raise UserError(
            "Le tag « {tag} » est trop long : {length} caractères (au plus {max}).",
            tag=label[:max_length] + "…",
            length=len(label),
            max=max_length,
        )
    key = fold_key(label)
    if not key:
        return None
    if synonyms and key in synonyms:
        label = synonyms[key]
        key = fold_key(label)
    return Tag(key, label)


def parse_tags(
    text: str | Iterable[str] | None,
    synonyms: Mapping[str, str] | None = None,
    *,
    max_tags: int = MAX_TAGS,
    max_length: int = MAX_TAG_LENGTH,
) -> list[Tag]:
    """``"médiation, Numérique; EAC"`` → distinct tags in the order typed.

    Raises UserError for more than ``max_tags`` distinct tags or a tag that is too long.
    """
    if text is None:
        return []
    items = split_list(text, ",;|") if isinstance(text, str) else [tidy(t) for t in text]
    tags: dict[str, Tag] = {}
    for item in items:
        tag = normalise_tag(item, synonyms, max_length=max_length)
        if tag is not None and tag.key not in tags:
            tags[tag.key] = tag
    if len(tags) > max_tags:
        raise UserError(
            "Trop de tags : {count} (au plus {max}). Gardez les plus utiles.",
            count=len(tags),
            max=max_tags,
        )
    return list(tags.values())


def most_used_spelling(counts: Mapping[str, int]) -> str:
    """The label shown for a tag: the spelling used most often (ties: alphabetical)."""
    return min(counts.items(), key=lambda item: (-item[1], item[0]))[0]
