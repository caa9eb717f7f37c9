"""Who is looking at a dashboard page, checked again on every request.

The session cookie names a session row (``bot.core.web_login``); the member's roles are then
asked of the platforms (``bot.core.roles``), never remembered from the login: a moderator
demoted at noon sees no moderator page at 12:01. A page handler starts with
``viewer = await require_member(request)`` (or ``require_moderator`` / ``require_admin``);
a refusal is raised as :class:`Refused` and rendered by the guard as a translated page.
Every form carries the session's CSRF token (field ``csrf``), checked by :func:`form`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web
from multidict import MultiDict, MultiDictProxy

from bot.core.i18n import N_
from bot.core.refs import Role
from bot.core.roles import has_role, roles_of_identities
from bot.web.keys import CORE, LOGINS

COOKIE = "passerelle_session"


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is looking, re-checked on every request against current roles."""

    member_id: int
    name: str
    locale: str
    is_moderator: bool
    is_admin: bool
    csrf: str
    #: The member's IANA time zone ("" when unset: the community's).
    timezone: str = ""


#: The request's viewer, looked up once per request (None: nobody logged in).
_VIEWER: web.RequestKey[Viewer | None] = web.RequestKey("passerelle.viewer")


class Refused(Exception):
    """A request that may not go on: rendered by the guard as a translated page with
    ``status`` (the handler's work is not done, nothing is changed)."""

    def __init__(self, status: int, title: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message
        self.params = params


def cookie_of(request: web.Request) -> str:
    return request.cookies.get(COOKIE, "")


async def current_viewer(request: web.Request) -> Viewer | None:
    """The viewer behind the request's session cookie, or None (no session, expired, or no
    longer a member anywhere)."""
    if _VIEWER in request:
        return request[_VIEWER]
    viewer = await _lookup(request)
    request[_VIEWER] = viewer
    return viewer


async def _lookup(request: web.Request) -> Viewer | None:
    core = request.app[CORE]
    visitor = await request.app[LOGINS].visitor(cookie_of(request))
    if visitor is None:
        return None
    member = visitor.member
    roles = await roles_of_identities(core, member.id, visitor.identities)
    if not has_role(roles, Role.MEMBER):
        return None
    return Viewer(
        member_id=member.id,
        name=member.display_name,
        locale=member.locale or core.i18n.default_locale,
        is_moderator=has_role(roles, Role.MODERATOR),
        is_admin=has_role(roles, Role.ADMIN),
        csrf=visitor.csrf,
        timezone=member.timezone or "",
    )


async def require_member(request: web.Request) -> Viewer:
    """The viewer, or a translated 401 page (no session, expired, logged out, not a member)."""
    viewer = await current_viewer(request)
    if viewer is None:
        raise Refused(
            401,
            N_("Connexion nécessaire"),
            N_(
                "Votre session a expiré ou n'existe pas. Pour vous connecter, tapez la "
                "commande dashboard dans le chat : le bot vous enverra un nouveau lien."
            ),
        )
    return viewer


async def require_moderator(request: web.Request) -> Viewer:
    """A moderator (or admin), or a translated 403 page for a member."""
    viewer = await require_member(request)
    if not viewer.is_moderator:
        raise Refused(
            403,
            N_("Page réservée aux modérateurs"),
            N_("Cette page est réservée aux modérateurs. Votre page est « Ma page »."),
        )
    return viewer


async def require_admin(request: web.Request) -> Viewer:
    """An administrator, or a translated 403 page."""
    viewer = await require_member(request)
    if not viewer.is_admin:
        raise Refused(
            403,
            N_("Page réservée aux administrateurs"),
            N_("Cette page est réservée aux administrateurs de la communauté."),
        )
    return viewer


async def form(request: web.Request, viewer: Viewer) -> MultiDictProxy[str]:
    """The POSTed form, once its ``csrf`` field matches the session's; otherwise a 403 page
    (and the action is not done)."""
    data = await request.post()
    token = data.get("csrf")
    if not isinstance(token, str) or not request.app[LOGINS].csrf_matches(viewer.csrf, token):
        raise Refused(
            403,
            N_("Formulaire refusé"),
            N_(
                "Ce formulaire n'a pas pu être vérifié (jeton de sécurité absent ou périmé) : "
                "rien n'a été modifié. Rechargez la page et recommencez."
            ),
        )
    # Files are accepted by no form of ours: only text fields go on.
    return MultiDictProxy(MultiDict((k, v) for k, v in data.items() if isinstance(v, str)))


async def audit(request: web.Request, viewer: Viewer, action: str, detail: str) -> None:
    """Record a moderator's action through the dashboard (who, what, when) for ``/audit``."""
    await request.app[LOGINS].record(viewer.member_id, action, detail)
