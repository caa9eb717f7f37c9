"""``/``: the moderators' overview — members, onboarding, cafés, polls, resources at a glance.

Each number comes from a service: the core counts members; every enabled cog that registered
an ``overview:<cog>`` provider (``bot.core.dashboard_data.OverviewProvider``) adds its card.
A member (not a moderator) opening ``/`` is sent to their own page.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.core.core import Core
from bot.core.dashboard_data import Card, Figure, OverviewProvider
from bot.core.i18n import N_
from bot.core.members import parse_zone
from bot.web.auth import require_member
from bot.web.keys import CORE
from bot.web.render import add_nav, page


def month_start(now: datetime, zone: ZoneInfo | None) -> datetime:
    """The first day of ``now``'s month at midnight, in the community's zone."""
    local = now.astimezone(zone or ZoneInfo("UTC"))
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


async def member_card(core: Core, now: datetime) -> Card:
    since = month_start(now, parse_zone(core.settings.bot.timezone))
    total, recent = await core.members.counts(since)
    return Card(
        title=N_("Membres"),
        order=0,
        figures=(
            Figure(N_("Membres en tout"), total),
            Figure(N_("Nouveaux ce mois-ci"), recent),
        ),
    )


async def overview_cards(core: Core) -> list[Card]:
    now = core.clock.now()
    # One after the other, each card one statement on a pooled connection: measured with
    # 50,000 members, reading the cards concurrently was slower on SQLite (one connection
    # and one thread each) and no clearer win on PostgreSQL on this loaded 2-core machine.
    cards = [await member_card(core, now)]
    for provider in core.web.services("overview:").values():
        if isinstance(provider, OverviewProvider):
            cards.append(await provider.overview_card(now))
    return sorted(cards, key=lambda c: c.order)


async def overview(request: web.Request) -> web.Response:
    viewer = await require_member(request)
    if not viewer.is_moderator:
        raise web.HTTPSeeOther("/me")
    cards = await overview_cards(request.app[CORE])
    return page(request, viewer, "overview.html", {"cards": cards})


def setup(app: web.Application) -> None:
    app.router.add_get("/", overview)
    add_nav(app, "/", N_("Vue d'ensemble"), order=10, role="moderator")
