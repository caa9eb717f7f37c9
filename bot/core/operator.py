"""The language of the person at the terminal (``passerelle`` reports), not of the community.

``--lang`` wins, then the usual locale variables (``LC_ALL``, ``LC_MESSAGES``, ``LANG``); a
locale the bot does not speak (``C.UTF-8``, ``de_DE``) falls back to English, the language of
the command line's own help. One report is written in one language, never both.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from bot.core.i18n import I18n, Translator, normalize_locale

FALLBACK = "en"


def operator_locale(explicit: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    if explicit and (chosen := normalize_locale(explicit)):
        return chosen
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if value:
            # The first variable set decides, as gettext does: LANG=fr_FR with LC_ALL=C is C.
            return normalize_locale(value.split(".")[0]) or FALLBACK
    return FALLBACK


def operator_translator(explicit: str | None = None) -> Translator:
    """The translator for one report at the terminal (the core's catalogues)."""
    locale = operator_locale(explicit)
    return I18n(locale).translator(locale)
