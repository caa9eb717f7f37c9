"""Logging in with a one-time link, logging out, and the language switch.

``GET /login/<token>`` only looks at the link and shows a button; ``POST`` uses it up and
opens the session. Chat platforms fetch the links they see to draw previews: if opening the
link logged in, a Discord preview would burn a moderator's link before they click it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from bot.core.i18n import N_
from bot.core.rights import PreferenceChanged
from bot.core.web_login import LinkState
from bot.web.auth import COOKIE, Refused, cookie_of, current_viewer, form, require_member
from bot.web.keys import CORE, LOGINS
from bot.web.render import page

TOKEN = r"{token:[A-Za-z0-9_-]{16,64}}"

_LINK_REFUSALS = {
    LinkState.UNKNOWN: (
        404,
        N_("Lien inconnu"),
        N_(
            "Ce lien de connexion n'est pas valable (il est incomplet ou a été modifié). "
            "Tapez la commande dashboard dans le chat pour en recevoir un nouveau."
        ),
    ),
    LinkState.USED: (
        410,
        N_("Lien déjà utilisé"),
        N_(
            "Ce lien de connexion a déjà servi : chaque lien ne marche qu'une fois. Tapez la "
            "commande dashboard dans le chat pour en recevoir un nouveau."
        ),
    ),
    LinkState.EXPIRED: (
        410,
        N_("Lien expiré"),
        N_(
            "Ce lien de connexion a expiré (il vaut 10 minutes). Tapez la commande dashboard "
            "dans le chat pour en recevoir un nouveau."
        ),
    ),
}


def see_other(location: str) -> web.Response:
    """A 303 redirect after a POST (the browser then GETs ``location``)."""
    return web.Response(status=303, headers={"Location": location})


async def bad_link(request: web.Request) -> web.Response:
    """Whatever else follows /login/: a mangled link, explained like a forged one."""
    raise _refuse(LinkState.UNKNOWN)


def _refuse(state: LinkState) -> Refused:
    status, title, message = _LINK_REFUSALS[state]
    return Refused(status, title, message)


async def login_page(request: web.Request) -> web.Response:
    state = await request.app[LOGINS].check(request.match_info["token"])
    if state is not LinkState.VALID:
        raise _refuse(state)
    return page(request, None, "login.html", {"action": request.path})


async def login(request: web.Request) -> web.Response:
    opened = await request.app[LOGINS].redeem(request.match_info["token"])
    if isinstance(opened, LinkState):
        raise _refuse(opened)
    settings = request.app[CORE].settings.web
    response = see_other(opened.target)
    response.set_cookie(
        COOKIE,
        opened.token,
        max_age=settings.session_hours * 3600,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=settings.base_url.startswith("https://"),
    )
    return response


async def logout(request: web.Request) -> web.Response:
    viewer = await current_viewer(request)
    if viewer is not None:
        await form(request, viewer)  # a page elsewhere cannot log a moderator out
        await request.app[LOGINS].end(cookie_of(request))
    response = see_other("/logged-out")
    response.del_cookie(COOKIE, path="/")
    return response


async def logged_out(request: web.Request) -> web.Response:
    return page(request, None, "logged_out.html", {})


def safe_next(value: str) -> str:
    """A local path to go back to (never another site: ``//evil``, ``https://…``)."""
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
        return "/"
    return value[:512]


async def language(request: web.Request) -> web.Response:
    """The FR/EN switch: stored as the member's language, the one the bot uses in the chat
    too (one write path, and cogs are told as with the ``language`` command)."""
    viewer = await require_member(request)
    data = await form(request, viewer)
    lang = data.get("lang", "")
    if lang not in ("fr", "en"):
        raise Refused(
            400,
            N_("Langue inconnue"),
            N_("Choisissez le français ou l'anglais dans le sélecteur de langue."),
        )
    core = request.app[CORE]
    value = await core.members.set_locale(viewer.member_id, lang)
    await core.events.emit(PreferenceChanged(viewer.member_id, "language", value))
    return see_other(safe_next(data.get("next", "/")))


def setup(app: web.Application) -> None:
    app.router.add_get(f"/login/{TOKEN}", login_page)
    app.router.add_post(f"/login/{TOKEN}", login)
    app.router.add_route("*", "/login/{rest:.*}", bad_link)
    app.router.add_post("/logout", logout)
    app.router.add_get("/logged-out", logged_out)
    app.router.add_post("/language", language)
