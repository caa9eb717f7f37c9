"""``/resources`` (moderators): the moderation queue with approve / reject, the tags with their
counts and their tidying (rename, merge), the searches that found nothing, and the library as
CSV or JSON. Everything goes through the resource cog's dashboard service
(``bot.core.dashboard_pages.ResourceDashboard``); every action is CSRF-checked and audited.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.core.dashboard_pages import RESOURCES, ResourceDashboard
from bot.core.errors import UserError
from bot.core.i18n import N_
from bot.web.auth import Viewer, audit, form, require_moderator
from bot.web.cog_pages import ID, download, message, path_id, service
from bot.web.render import add_nav, page, translator_for

MAX_TAG = 80  # characters, as in the chat's options


def board(request: web.Request) -> ResourceDashboard:
    found: ResourceDashboard = service(request, RESOURCES)
    return found


async def show(
    request: web.Request,
    viewer: Viewer,
    *,
    notice: str = "",
    error: str = "",
    status: int = 200,
    values: dict[str, str] | None = None,
) -> web.Response:
    dash = board(request)
    return page(
        request,
        viewer,
        "resources.html",
        {
            "queue": await dash.queue(),
            "tags": await dash.tags(),
            "empty": await dash.empty_searches(),
            "notice": notice,
            "error": error,
            "values": values or {},
        },
        status=status,
    )


async def resources(request: web.Request) -> web.Response:
    return await show(request, await require_moderator(request))


async def decide(request: web.Request) -> web.Response:
    """``POST /resources/{id}/approve`` or ``/reject``."""
    viewer = await require_moderator(request)
    await form(request, viewer)
    resource_id = path_id(request)
    approve = request.path.endswith("/approve")
    t = translator_for(request, viewer)
    dash = board(request)
    try:
        title = await (dash.approve if approve else dash.reject)(resource_id)
    except UserError as refused:
        return await show(request, viewer, error=message(t, refused), status=400)
    action = "resource.approve" if approve else "resource.reject"
    await audit(request, viewer, action, f"{resource_id} {title}")
    notice = (
        t("Ressource « {title} » publiée : son auteur est prévenu.", title=title)
        if approve
        else t("Ressource « {title} » refusée : son auteur est prévenu.", title=title)
    )
    return await show(request, viewer, notice=notice)


async def retag(request: web.Request) -> web.Response:
    """``POST /resources/tags/rename`` (from, to) or ``/merge`` (from, into)."""
    viewer = await require_moderator(request)
    data = await form(request, viewer)
    merge = request.path.endswith("/merge")
    second = "into" if merge else "to"
    values = {f"{'merge' if merge else 'rename'}_{k}": data.get(k, "") for k in ("from", second)}
    old, new = data.get("from", "").strip(), data.get(second, "").strip()
    t = translator_for(request, viewer)
    if not old or not new or len(old) > MAX_TAG or len(new) > MAX_TAG:
        error = t(
            "Indiquez les deux tags, de 1 à {max} caractères chacun.",
            max=MAX_TAG,
        )
        return await show(request, viewer, error=error, status=400, values=values)
    dash = board(request)
    try:
        done = await (dash.merge_tags if merge else dash.rename_tag)(old, new)
    except UserError as refused:
        return await show(request, viewer, error=message(t, refused), status=400, values=values)
    await audit(
        request,
        viewer,
        "resource.tag_merge" if merge else "resource.tag_rename",
        f"{done.old} -> {done.new} ({done.resources})",
    )
    notice = dash.describe(done, t)
    return await show(request, viewer, notice=notice)


async def export(request: web.Request) -> web.Response:
    viewer = await require_moderator(request)
    fmt: Any = request.match_info["fmt"]
    file = await board(request).export(fmt)
    await audit(request, viewer, "resource.export", fmt)
    return download(file)


def setup(app: web.Application) -> None:
    app.router.add_get("/resources", resources)
    app.router.add_post(f"/resources/{ID}/approve", decide)
    app.router.add_post(f"/resources/{ID}/reject", decide)
    app.router.add_post("/resources/tags/rename", retag)
    app.router.add_post("/resources/tags/merge", retag)
    app.router.add_get("/resources/export.{fmt:csv|json}", export)
    add_nav(app, "/resources", N_("Ressources"), order=40, role="moderator")
