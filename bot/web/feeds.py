"""``GET /feeds/community.ics`` and ``GET /feeds/<token>.ics``: calendars to subscribe to.

The cog that provides them (``core.web.calendar``) answers with an ETag and a way to build the
body; an ``If-None-Match`` that matches gets ``304 Not Modified`` without the body ever being
built. An unknown or revoked token, or no calendar provider, is a plain 404 (translated), the
same for all: the answer tells nothing about which tokens exist.
"""

from __future__ import annotations

from aiohttp import web

from bot.core.i18n import N_
from bot.core.web import CalendarFeed
from bot.web.keys import CORE
from bot.web.text import plain

CONTENT_TYPE = "text/calendar"
#: Readers poll; they must ask again (If-None-Match) rather than trust a copy for long.
CACHE_CONTROL = "private, max-age=300, must-revalidate"


def etag_matches(header: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison of ``If-None-Match`` with our ETag (``*`` matches)."""
    if not header:
        return False
    ours = etag.removeprefix("W/")
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == ours:
            return True
    return False


def _answer(request: web.Request, feed: CalendarFeed, *, private: bool) -> web.Response:
    cache = CACHE_CONTROL if private else CACHE_CONTROL.replace("private", "public")
    headers = {"ETag": feed.etag, "Cache-Control": cache}
    if etag_matches(request.headers.get("If-None-Match"), feed.etag):
        return web.Response(status=304, headers=headers)
    return web.Response(
        body=feed.render(),
        content_type=CONTENT_TYPE,
        charset="utf-8",
        headers={**headers, "Content-Disposition": 'inline; filename="passerelle.ics"'},
    )


async def feed(request: web.Request) -> web.StreamResponse:
    calendar = request.app[CORE].web.calendar
    name = request.match_info["name"]
    if calendar is None:
        return _not_found(request)
    if name == "community":
        return _answer(request, await calendar.community_feed(), private=False)
    found = await calendar.member_feed(name)
    if found is None:
        return _not_found(request)
    return _answer(request, found, private=True)


def _not_found(request: web.Request) -> web.Response:
    return plain(
        request,
        404,
        N_(
            "Ce calendrier n'existe pas ou son adresse a été remplacée. Demandez la nouvelle "
            "au bot : me calendar."
        ),
    )


def setup(app: web.Application) -> None:
    app.router.add_get(r"/feeds/{name:[A-Za-z0-9_-]{1,64}}.ics", feed)
