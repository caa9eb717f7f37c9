"""Short translated plain-text answers (errors, refusals), in the reader's language.

The language comes from the request's ``Accept-Language`` (French, the source, by default);
the strings are French msgids translated by the core's catalogues (``bot/locales/en_web.po``).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.core.i18n import LOCALES, Translator
from bot.web.keys import CORE


def translator(request: web.Request) -> Translator:
    core = request.app[CORE]
    return core.i18n.translator(accepted_locale(request.headers.get("Accept-Language", "")))


def accepted_locale(header: str) -> str | None:
    """The first supported language of an ``Accept-Language`` header, by its weights."""
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        language = tag.strip().lower().split("-")[0]
        if language in LOCALES and weight > 0:
            choices.append((-weight, index, language))
    return min(choices)[2] if choices else None


def plain(request: web.Request, status: int, msgid: str, **params: Any) -> web.Response:
    t = translator(request)
    return web.Response(
        status=status,
        text=t(msgid, **params) + "\n",
        content_type="text/plain",
        charset="utf-8",
        headers={"Content-Language": t.locale},
    )
