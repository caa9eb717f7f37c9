"""``/cafes`` (moderators): series, occurrences with registered / waitlisted / present /
no-show figures, twelve months of registrations against attendance (``/cafes/chart.png`` with
its alt text, and the same figures as a table), one café's registrants (``/cafes/{id}``), and
every occurrence as CSV. Through the café cog's ``CafeDashboard`` service only.
"""

from __future__ import annotations

from aiohttp import web

from bot.core.dashboard_pages import CAFES, CafeDashboard
from bot.core.errors import UserError
from bot.core.i18n import N_
from bot.web.auth import audit, require_moderator
from bot.web.cog_pages import ID, download, not_found, path_id, png, service
from bot.web.pages.members import page_number
from bot.web.render import add_nav, page, translator_for


def board(request: web.Request) -> CafeDashboard:
    found: CafeDashboard = service(request, CAFES)
    return found


async def cafes(request: web.Request) -> web.Response:
    viewer = await require_moderator(request)
    number = page_number(request)
    dash = board(request)
    months = await dash.months()
    t = translator_for(request, viewer)
    return page(
        request,
        viewer,
        "cafes.html",
        {
            "series": await dash.series(),
            "occurrences": await dash.occurrences(number),
            "months": [(dash.month_label(m.month, t), m) for m in months],
            "chart_alt": dash.chart_alt(months, t),
        },
    )


async def chart(request: web.Request) -> web.Response:
    viewer = await require_moderator(request)
    dash = board(request)
    picture = dash.chart(await dash.months(), translator_for(request, viewer))
    return png(picture.png)


async def occurrence(request: web.Request) -> web.Response:
    viewer = await require_moderator(request)
    dash = board(request)
    try:
        row = await dash.occurrence(path_id(request))
    except UserError as unknown:
        raise not_found(unknown) from None
    registrants = await dash.registrants(row.id)
    return page(request, viewer, "cafe.html", {"row": row, "registrants": registrants})


async def export(request: web.Request) -> web.Response:
    viewer = await require_moderator(request)
    file = await board(request).export()
    await audit(request, viewer, "cafe.export", file.filename)
    return download(file)


def setup(app: web.Application) -> None:
    app.router.add_get("/cafes", cafes)
    app.router.add_get("/cafes/chart.png", chart)
    app.router.add_get("/cafes/export.csv", export)
    app.router.add_get(f"/cafes/{ID}", occurrence)
    add_nav(app, "/cafes", N_("Cafés"), order=20, role="moderator")
