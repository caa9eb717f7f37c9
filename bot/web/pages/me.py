"""``/me``: a member's own page — their cafés, saved resources, profile (and how to change it
in the chat), and their data export (``/me/export``, the same file as ``me export``).

The cards come from every enabled cog's ``me:<cog>`` provider
(``bot.core.dashboard_data.MyPageProvider``); the core adds the member's settings.
"""

from __future__ import annotations

import json

from aiohttp import web

from bot.core import privacy
from bot.core.dashboard_data import Card, Figure, Item, MyPageProvider
from bot.core.i18n import N_
from bot.web.auth import Viewer, require_member
from bot.web.keys import CORE, LOGINS
from bot.web.render import add_nav, page


async def settings_card(request: web.Request, viewer: Viewer) -> Card:
    core = request.app[CORE]
    sessions = await request.app[LOGINS].sessions_of(viewer.member_id)
    zone = viewer.timezone or core.settings.bot.timezone
    return Card(
        title=N_("Mes réglages"),
        order=90,
        figures=(Figure(N_("Sessions ouvertes sur le tableau de bord"), sessions),),
        items=(
            Item(viewer.locale.upper(), note=N_("langue (commande language)")),
            Item(zone, note=N_("fuseau horaire (commande timezone)")),
        ),
    )


async def me(request: web.Request) -> web.Response:
    viewer = await require_member(request)
    core = request.app[CORE]
    now = core.clock.now()
    cards = [await settings_card(request, viewer)]
    for provider in core.web.services("me:").values():
        if isinstance(provider, MyPageProvider):
            cards.append(await provider.my_card(viewer.member_id, now))
    cards.sort(key=lambda c: c.order)
    return page(request, viewer, "me.html", {"cards": cards})


async def export(request: web.Request) -> web.Response:
    """Everything the bot keeps about the member, as a JSON download (read-only: a GET)."""
    viewer = await require_member(request)
    core = request.app[CORE]
    data = await privacy.export_member(core, viewer.member_id)
    stamp = core.clock.now().strftime("%Y%m%d")
    return web.Response(
        body=json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8"),
        content_type="application/json",
        charset="utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="passerelle-export-{stamp}.json"',
            "Cache-Control": "no-store",
        },
    )


def setup(app: web.Application) -> None:
    app.router.add_get("/me", me)
    app.router.add_get("/me/export", export)
    add_nav(app, "/me", N_("Ma page"), order=90, role="member")
