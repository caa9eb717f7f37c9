"""``GET /reports/<token>.html``: a session report, as the cog that made it serves it.

The page is self-contained (pictures as ``data:`` URIs, one inline style block, no script): its
style is allowed by hash in this response's Content-Security-Policy, nothing else is. An
unknown token is a plain 404, the same for all.
"""

from __future__ import annotations

import base64
import hashlib

from aiohttp import web

from bot.core.i18n import N_
from bot.web.keys import CORE
from bot.web.security import CSP
from bot.web.text import plain


def _csp(styles: tuple[str, ...]) -> str:
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
        for s in styles
    )
    return CSP.replace("style-src 'self'", f"style-src 'self' {hashes}".rstrip()).replace(
        "script-src 'self'", "script-src 'none'"
    )


async def report(request: web.Request) -> web.StreamResponse:
    pages = request.app[CORE].web.reports
    found = None if pages is None else await pages.report_page(request.match_info["token"])
    if found is None:
        return plain(request, 404, N_("Ce compte-rendu n'existe pas (ou plus)."))
    return web.Response(
        body=found.body,
        content_type="text/html",
        charset="utf-8",
        headers={
            "Content-Security-Policy": _csp(found.styles),
            "Cache-Control": "private, max-age=300",
        },
    )


def setup(app: web.Application) -> None:
    app.router.add_get(r"/reports/{token:[A-Za-z0-9_-]{16,64}}.html", report)
