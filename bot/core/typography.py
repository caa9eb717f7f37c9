"""French typography and ordinals, one place for each rule.

French puts a narrow no-break space (U+202F) before ``: ; ! ?`` and inside « »; English puts
none. The rule is applied by the Translator to French *templates* (msgids and French plural
forms) before placeholders are filled, so that what members typed (poll questions, URLs, names)
is never touched, and it is cached per template so the text path pays nothing per message.

Not punctuation, left as is: code spans and fenced blocks (`` `!poll vote poll:1` ``), URLs
(``https://…``), ``<…>`` mentions and timestamps, ``:shortcode:`` emoji, times (``10:00``),
``name:value`` options, option names glued to their colon (``choice:``) and command prefixes
(``!poll``, ``?help``): a mark counts as punctuation only when it closes a word — followed by a
space, the end, or closing markdown (``**``, ``)``) — and a colon only when spaced.
"""

from __future__ import annotations

import re
from functools import lru_cache

NNBSP = "\u202f"
_EN_SUFFIX = {1: "st", 2: "nd", 3: "rd"}

# Spans where a colon or an exclamation mark is syntax, not punctuation.
_PROTECTED = re.compile(
    r"```.*?```"  # fenced code
    r"|`[^`\n]*`"  # inline code
    r"|\b[a-z][a-z0-9+.-]*://\S+"  # URLs
    r"|<[^<>\s]+>"  # <https://…>, <@123>, <t:1700000000:R>
    r"|:[a-z0-9_+-]+:",  # :shortcode: emoji
    re.DOTALL | re.IGNORECASE,
)
# A run of high marks that closes a word (then a space, the end or closing markdown). A space
# already there becomes the narrow one; ! and ? glued to a word get one, but a glued colon is
# option syntax (``choice:``, ``query:``) and stays glued.
_AFTER = r"(?=[\s*)\]»~|]|$)"
_SPACED = re.compile(r"(?<=\S)[ \u00a0]([;:!?]+)" + _AFTER)
_GLUED = re.compile(r"(?<=[^\s;:!?\u202f])([!?]+)" + _AFTER)
_TOKEN = re.compile("\ue000(\\d+)\ue001")
_OPEN_QUOTE = re.compile(r"«[ \u00a0\u202f]*")
_CLOSE_QUOTE = re.compile(r"[ \u00a0\u202f]*»")


def _free(text: str) -> str:
    text = _SPACED.sub(lambda m: NNBSP + m.group(1), text)
    text = _GLUED.sub(lambda m: NNBSP + m.group(1), text)
    text = _OPEN_QUOTE.sub("«" + NNBSP, text)
    return _CLOSE_QUOTE.sub(NNBSP + "»", text)


@lru_cache(maxsize=8192)
def french_typography(text: str) -> str:
    """``Quand : jeudi !`` → ``Quand\u202f: jeudi\u202f!``; idempotent; code and URLs untouched."""
    if not any(c in text for c in ":;!?«»"):
        return text
    # Protected spans become opaque tokens, so that a mark right after one still sees it.
    spans: list[str] = []

    def hide(match: re.Match[str]) -> str:
        spans.append(match.group(0))
        return f"\ue000{len(spans) - 1}\ue001"

    text = _free(_PROTECTED.sub(hide, text))
    return _TOKEN.sub(lambda m: spans[int(m.group(1))], text)


def colon(locale: str | None, *, typography: bool = True) -> str:
    """What joins a label to its value in running text: ``Quand : jeudi`` in French,
    ``When: Thursday`` in English (no space before the colon)."""
    if locale == "en":
        return ": "
    return (NNBSP if typography else " ") + ": "


def ordinal(n: int, locale: str, *, feminine: bool = False) -> str:
    """``1er``/``1re``, ``2e`` in French; ``1st``, ``2nd``, ``3rd``, ``11th`` in English."""
    if locale == "fr":
        if n == 1:
            return "1re" if feminine else "1er"
        return f"{n}e"
    teens = 10 <= n % 100 <= 20  # 11th, 12th, 13th
    return f"{n}{'th' if teens else _EN_SUFFIX.get(n % 10, 'th')}"
