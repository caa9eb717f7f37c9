"""``/polls`` (moderators): every poll's results as a data table beside its picture
(``/polls/{id}.png``, with alt text), under the chat's rules (an anonymous poll shows nothing
under three ballots; "hidden until closed" stays hidden); ``/polls/{id}/export.csv`` gives
the ballots as ``poll export`` does (anonymous: no identity, no time). Through the poll cog's
``PollDashboard`` service only.
"""

from __future__ import annotations

from aiohttp import web

from bot.core.dashboard_pages import POLLS, PollDashboard
from bot.core.errors import UserError
from bot.core.i18n import N_
from bot.web.auth import audit, require_moderator
from bot.web.cog_pages import ID, download, message, not_found, path_id, png, service
from bot.web.render import add_nav, error_page, page, translator_for

LIST_LIMIT = 50


def board(request: web.Request) -> PollDashboard:
    found: PollDashboard = service(request, POLLS)
    return found


async def polls(request: web.Request) -> web.Response:
    viewer = await require_moderator(request)
    summaries = await board(request).polls(translator_for(request, viewer), LIST_LIMIT)
    return page(request, viewer, "polls.html", {"polls": summaries, "single": False})


async def one_poll(request: web.Request) -> web.Response:
    viewer = await require_moderator(request)
    try:
        summary = await board(request).poll(path_id(request), translator_for(request, viewer))
    except UserError as unknown:
        raise not_found(unknown) from None
    return page(request, viewer, "polls.html", {"polls": [summary], "single": True})


async def picture(request: web.Request) -> web.Response:
    viewer = await require_moderator(request)
    try:
        found = await board(request).picture(path_id(request), translator_for(request, viewer))
    except UserError as unknown:
        raise not_found(unknown) from None
    if found is None:
        raise not_found(UserError("Les résultats de ce sondage ne sont pas encore visibles."))
    return png(found.png)


async def export(request: web.Request) -> web.Response:
    viewer = await require_moderator(request)
    poll_id = path_id(request)
    dash = board(request)
    t = translator_for(request, viewer)
    try:
        await dash.poll(poll_id, t)
    except UserError as unknown:
        raise not_found(unknown) from None
    try:
        file = await dash.export(poll_id, viewer.member_id, moderator=True)
    except UserError as refused:
        # An anonymous poll with too few ballots to export without giving them away: the
        # cog's own words.
        return error_page(
            request, viewer, 409, N_("Export impossible"), "{reason}", reason=message(t, refused)
        )
    await audit(request, viewer, "poll.export", str(poll_id))
    return download(file)


def setup(app: web.Application) -> None:
    app.router.add_get("/polls", polls)
    app.router.add_get(f"/polls/{ID}", one_poll)
    app.router.add_get(f"/polls/{ID}.png", picture)
    app.router.add_get(f"/polls/{ID}/export.csv", export)
    add_nav(app, "/polls", N_("Sondages"), order=30, role="moderator")
