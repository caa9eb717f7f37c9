"""What the pages built on a cog's dashboard service share (cafés, polls, resources): finding
the service, reading an id from the address, answering a file or a picture, and turning a
cog's ``UserError`` into a translated notice or page.

A page never reads a cog's table: it asks ``core.web.service(NAME)``
(``bot.core.dashboard_pages``).
"""

from __future__ import annotations

from typing import Any, TypeVar

from aiohttp import web

from bot.core.dashboard_pages import Download
from bot.core.errors import UserError
from bot.core.i18n import N_, Translator
from bot.web.auth import Refused
from bot.web.keys import CORE

T = TypeVar("T")

#: Route pattern of an id: digits only, at most 9 (a database INTEGER); anything else is 404.
ID = r"{id:[0-9]{1,9}}"


def service(request: web.Request, name: str) -> Any:
    """The cog's dashboard service, or a translated 404 page when its cog is not enabled."""
    found = request.app[CORE].web.service(name)
    if found is None:
        raise Refused(
            404,
            N_("Page indisponible"),
            N_("Cette partie du tableau de bord n'est pas activée sur cette communauté."),
        )
    return found


def path_id(request: web.Request) -> int:
    return int(request.match_info["id"])


def not_found(error: UserError) -> Refused:
    """An unknown id in the address: the cog's own words, on a 404 page."""
    return Refused(404, N_("Introuvable"), error.msgid, **error.params)


def message(t: Translator, error: UserError) -> str:
    """A cog's refusal in the reader's language (its msgid is in the cog's catalogue)."""
    return t(error.msgid, **error.params)


def download(file: Download) -> web.Response:
    """A file to save (never shown inline: a CSV cell must not become a page)."""
    return web.Response(
        body=file.body,
        headers={
            "Content-Type": file.content_type,
            "Content-Disposition": f'attachment; filename="{file.filename}"',
            "Cache-Control": "no-store",
        },
    )


def png(data: bytes) -> web.Response:
    return web.Response(
        body=data, headers={"Content-Type": "image/png", "Cache-Control": "private, no-store"}
    )
