"""What every response carries, and what no request gets past.

- Security headers on every response, errors included (``on_response_prepare``): a CSP that
  allows no inline script and no framing, ``nosniff``, no referrer.
- A query string longer than ``MAX_QUERY`` is refused with 414 before any handler runs
  (aiohttp's own parser already answers 400 to a request line beyond 8 KiB).
- A refused dashboard request (:class:`bot.web.auth.Refused`), an unknown address and a wrong
  method are answered with translated pages.
- An unexpected error is logged and answered with a short 500, never a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.core.i18n import N_
from bot.web.auth import Refused
from bot.web.render import error_page, refusal_page
from bot.web.text import plain

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

MAX_QUERY = 2048  # characters; no route of ours needs more

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


async def add_headers(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    if len(request.query_string) > MAX_QUERY:
        return plain(request, 414, N_("L'adresse demandée est trop longue."))
    try:
        return await handler(request)
    except Refused as refusal:
        return await refusal_page(request, refusal)
    except web.HTTPNotFound:
        # An unknown address (or id in one): a page in the reader's language, not aiohttp's.
        return error_page(
            request,
            None,
            404,
            N_("Page introuvable"),
            N_("Cette page n'existe pas (ou plus). Revenez à l'accueil du tableau de bord."),
        )
    except web.HTTPMethodNotAllowed:
        return error_page(
            request,
            None,
            405,
            N_("Action impossible"),
            N_("Cette adresse ne s'utilise pas ainsi. Revenez à la page précédente."),
        )
    except web.HTTPException:
        raise
    except Exception:
        log.exception("Web request %s %s failed", request.method, request.path)
        return plain(
            request,
            500,
            N_("Désolé, quelque chose s'est mal passé de notre côté. Réessayez plus tard."),
        )
