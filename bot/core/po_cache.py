"""Parsed ``.po`` catalogues, kept in memory and beside the file (like Python's bytecode).

Babel's ``read_po`` is general and slow: parsing the ~45 catalogues took most of 0.1 s of every
start, and several translators (the core's, each CLI report's) read the same files again. A
catalogue is parsed once per change of the file: the result is shared within the process and
written as JSON to ``__pycache__/`` next to it, keyed by the file's size and modification time.
A cache that cannot be read or written is ignored: the file is simply parsed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.core.disk_cache import keep_json, read_json

Singular = dict[str, str]
Plural = dict[tuple[str, str], tuple[str, str]]
Parsed = tuple[Singular, Plural]

#: Bump when the cached shape changes.
FORMAT = 1

_memory: dict[tuple[str, str, int, int], Parsed] = {}


def parsed(locale: str, path: Path) -> Parsed:
    """``path``'s translated messages for ``locale``: singular ``{msgid: msgstr}`` and plural
    ``{(singular, plural): (one, other)}``; untranslated entries are left out."""
    stat = path.stat()
    key = (locale, str(path), stat.st_mtime_ns, stat.st_size)
    found = _memory.get(key)
    if found is None:
        cache = path.parent / "__pycache__" / f"{path.name}.{locale}.json"
        found = _read_cache(cache, key) or _parse_and_keep(locale, path, cache, key)
        _memory[key] = found
    return found


def _read_cache(cache: Path, key: tuple[str, str, int, int]) -> Parsed | None:
    data = read_json(cache)
    try:
        if data["key"] != [FORMAT, key[2], key[3]]:
            return None
        plural = {(a, b): (one, other) for a, b, one, other in data["plural"]}
        return dict(data["singular"]), plural
    except (ValueError, KeyError, TypeError):
        return None


def _parse_and_keep(
    locale: str, path: Path, cache: Path, key: tuple[str, str, int, int]
) -> Parsed:
    found = _parse(locale, path)
    singular, plural = found
    data: dict[str, Any] = {
        "key": [FORMAT, key[2], key[3]],
        "singular": singular,
        "plural": [[a, b, one, other] for (a, b), (one, other) in plural.items()],
    }
    keep_json(cache, data)  # a read-only install parses at every start instead
    return found


def _parse(locale: str, path: Path) -> Parsed:
    from babel.messages.pofile import read_po  # only when a catalogue changed

    singular: Singular = {}
    plural: Plural = {}
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    for message in catalog:
        if not message.id or not message.string:
            continue
        if isinstance(message.id, tuple | list):
            forms = tuple(message.string)
            if all(forms):
                plural[(message.id[0], message.id[1])] = (forms[0], forms[-1])
        elif isinstance(message.string, str):
            singular[message.id] = message.string
    return singular, plural
