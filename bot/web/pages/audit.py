"""``/audit``: every moderator action taken through the dashboard (who, what, when), for
administrators. Pages add entries with ``bot.web.auth.audit`` as they act."""

from __future__ import annotations

from aiohttp import web

from bot.core.i18n import N_
from bot.web.auth import require_admin
from bot.web.keys import CORE, LOGINS
from bot.web.pages.members import page_number
from bot.web.render import add_nav, page

PAGE_SIZE = 100


async def audit_page(request: web.Request) -> web.Response:
    viewer = await require_admin(request)
    number = page_number(request)
    entries = await request.app[LOGINS].audit_trail(
        limit=PAGE_SIZE + 1, offset=(number - 1) * PAGE_SIZE
    )
    more = len(entries) > PAGE_SIZE
    entries = entries[:PAGE_SIZE]
    ids = sorted({e.member_id for e in entries if e.member_id is not None})
    names = await request.app[CORE].members.names(ids)
    return page(
        request,
        viewer,
        "audit.html",
        {"entries": entries, "names": names, "page_number": number, "more": more},
    )


def setup(app: web.Application) -> None:
    app.router.add_get("/audit", audit_page)
    add_nav(app, "/audit", N_("Journal"), order=95, role="admin")
