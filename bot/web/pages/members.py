"""``/members``: the opt-in directory with filters (region, métier, interest), for every
member; ``/members/pending``: who is still in their welcome flow, for moderators.

Both read the onboarding cog's ``members`` provider
(``bot.core.dashboard_data.MemberDirectory``); without it, the page says the directory is off.
"""

from __future__ import annotations

from aiohttp import web

from bot.core.dashboard_data import DIRECTORY_PAGE_SIZE, MemberDirectory
from bot.core.errors import UserError
from bot.core.i18n import N_
from bot.core.text import fold_key
from bot.web.auth import Refused, audit, form, require_member, require_moderator
from bot.web.keys import CORE
from bot.web.render import add_nav, page

MAX_FILTER = 100  # characters: longer is no region, métier or interest of ours
MAX_PAGE = 10_000


def _filter(request: web.Request, name: str) -> str:
    value = request.query.get(name, "").strip()
    if len(value) > MAX_FILTER:
        raise Refused(
            400,
            N_("Filtre trop long"),
            N_("Un filtre fait au plus {limit} caractères : raccourcissez-le."),
            limit=MAX_FILTER,
        )
    return value


def page_number(request: web.Request) -> int:
    """``?page=`` (1 by default); anything else than a page number is a clear 400."""
    raw = request.query.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise Refused(
            400,
            N_("Page inconnue"),
            N_("Le numéro de page doit être un nombre entre 1 et {limit}."),
            limit=MAX_PAGE,
        )
    return int(raw)


def directory_of(request: web.Request) -> MemberDirectory | None:
    return request.app[CORE].web.service("members", MemberDirectory)


async def directory(request: web.Request) -> web.Response:
    viewer = await require_member(request)
    filters = {name: _filter(request, name) for name in ("region", "metier", "interest")}
    number = page_number(request)
    provider = directory_of(request)
    found = await provider.directory(**filters, page=number) if provider else None
    return page(
        request,
        viewer,
        "members.html",
        {
            "found": found,
            "filters": filters,
            "fold": fold_key,  # a filter typed "bretagne" selects the option "Bretagne"
            "page_number": number,
            "page_size": DIRECTORY_PAGE_SIZE,
        },
    )


async def pending(request: web.Request) -> web.Response:
    viewer = await require_moderator(request)
    provider = directory_of(request)
    total, rows = await provider.pending(limit=200) if provider else (0, [])
    return page(
        request,
        viewer,
        "pending.html",
        {
            "enabled": provider is not None,
            "total": total,
            "rows": rows,
            "resent": request.query.get("resent") == "1",
        },
    )


async def resend(request: web.Request) -> web.Response:
    """A moderator sends a pending member their current welcome step again (audited)."""
    viewer = await require_moderator(request)
    await form(request, viewer)
    provider = directory_of(request)
    member_id = int(request.match_info["member_id"])
    try:
        name = await provider.resend(member_id) if provider else None
    except UserError as error:
        raise Refused(409, N_("Relance impossible"), error.msgid, **error.params) from None
    if name is None:
        raise Refused(
            404,
            N_("Membre inconnu"),
            N_("Aucun membre n'a ce numéro (il a peut-être été effacé)."),
        )
    await audit(request, viewer, "onboarding.resend", f"{name} (#{member_id})")
    return web.Response(status=303, headers={"Location": "/members/pending?resent=1"})


def setup(app: web.Application) -> None:
    app.router.add_get("/members", directory)
    app.router.add_get("/members/pending", pending)
    app.router.add_post(r"/members/pending/{member_id:\d{1,12}}/resend", resend)
    add_nav(app, "/members", N_("Membres"), order=50, role="member")
