"""Discord's size budget for one top-level slash command, and how a payload is made to fit it.

Discord refuses a whole sync when one top-level command (its subcommands, options and choices
included) holds more than 4,000 characters of names, descriptions and values; where
localisations are present, only the longest text of each field counts. A café group with
twenty-odd subcommands reaches that with the descriptions ``help`` shows. So, just before a
sync, descriptions of options are shortened — the longest first, first to their leading clause,
then cut with an ellipsis — until the command fits: ``help`` keeps the full texts, and a
command's own name and description, option names and choices are never touched.
"""

from __future__ import annotations

import heapq
import logging
import re
from collections.abc import Iterator
from typing import Any

log = logging.getLogger(__name__)

MAX_COMMAND_CHARS = 4000
MIN_DESCRIPTION = 12  # a description is never cut below this (an ellipsis included)
# Where a description's leading clause ends: "Numéro du café (voir cafe list)" → "Numéro du café".
_CLAUSE = re.compile(r"\s*(?:\(|;|—|–|, ex\.|, e\.g\.|, par exemple| : )")


def _longest(node: dict[str, Any], field: str) -> int:
    texts = [node.get(field) or ""]
    texts += list((node.get(f"{field}_localizations") or {}).values())
    return max(len(str(text)) for text in texts)


def size(node: dict[str, Any]) -> int:
    """Characters Discord counts for ``node`` and everything below it."""
    total = _longest(node, "name") + _longest(node, "description")
    for choice in node.get("choices") or []:
        total += _longest(choice, "name") + len(str(choice.get("value", "")))
    return total + sum(size(option) for option in node.get("options") or [])


def _options(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every plain option (not a subcommand or group) below ``node``."""
    for option in node.get("options") or []:
        if option.get("type") in (1, 2):
            yield from _options(option)
        else:
            yield option


def _shorter(text: str, limit: int) -> str:
    clause = _CLAUSE.split(text, maxsplit=1)[0].rstrip(" ,.:")
    if MIN_DESCRIPTION <= len(clause) <= limit:
        return clause
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, MIN_DESCRIPTION - 1)].rstrip(" ,.:;(") + "…"


def _shorten(option: dict[str, Any], limit: int) -> None:
    option["description"] = _shorter(option["description"], limit)
    localised = option.get("description_localizations") or {}
    for locale, text in localised.items():
        localised[locale] = _shorter(text, limit)


def fit(command: dict[str, Any], budget: int = MAX_COMMAND_CHARS) -> int:
    """Shorten ``command``'s option descriptions in place until it fits ``budget``; the number of
    characters saved (0 when it already fitted). Logs a warning when it cannot fit."""
    before = size(command)
    excess = before - budget
    # The widest description first (ties: the first in order), through a heap: a café group
    # has a hundred options, and a scan of them all per cut took most of a second at each start.
    heap = [(-_longest(o, "description"), i, o) for i, o in enumerate(_options(command))]
    heapq.heapify(heap)
    while excess > 0 and heap:
        negative, index, widest = heapq.heappop(heap)
        width = -negative
        if width <= MIN_DESCRIPTION:
            break
        # Cut the widest one, never below the next widest: long texts shrink first and short
        # ones are kept whole as long as possible.
        next_widest = -heap[0][0] if heap else 0
        target = min(width - 1, max(width - excess, next_widest, MIN_DESCRIPTION))
        _shorten(widest, target)
        now = _longest(widest, "description")
        excess -= width - now  # only this description changed
        heapq.heappush(heap, (-now, index, widest))
    after = size(command)
    if after > budget:
        log.warning(
            "Discord: /%s holds %d characters, over the %d Discord accepts",
            command.get("name"),
            after,
            budget,
        )
    elif after < before:
        log.info(
            "Discord: /%s descriptions shortened to fit (%d → %d)",
            command.get("name"),
            before,
            after,
        )
    return before - after
