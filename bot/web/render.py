"""HTML pages: Jinja2 templates (``bot/web/templates``), in the viewer's language.

Every template extends ``base.html`` (skip link, navigation, language switch, logout form)
and gets ``_`` / ``ngettext`` bound to the reader's language, ``viewer`` (None on pages seen
without a session), ``nav`` (the entries this viewer may open) and ``csrf``. Autoescape is
on: a member's name can hold ``<script>`` and shows as text.

Navigation is a registry, so a page module adds its entry from its own ``setup(app)``
(:func:`add_nav`) without editing the layout.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.core.dashboard_data import Figure
from bot.core.i18n import Translator
from bot.core.members import parse_zone
from bot.web.auth import Refused, Viewer, current_viewer
from bot.web.keys import CORE
from bot.web.text import translator as request_translator

if TYPE_CHECKING:
    import jinja2

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"


@dataclass(frozen=True, slots=True)
class NavEntry:
    path: str
    label: str  # French msgid
    order: int
    role: str  # "member" | "moderator" | "admin"

    def visible_to(self, viewer: Viewer) -> bool:
        if self.role == "admin":
            return viewer.is_admin
        if self.role == "moderator":
            return viewer.is_moderator
        return True


NAV: web.AppKey[list[NavEntry]] = web.AppKey("nav", list)


class Templates:
    """The Jinja2 environment, built at the first page: a bot whose dashboard nobody opens
    never imports Jinja2 (a start and ~2 MB of memory saved)."""

    def __init__(self) -> None:
        self._env: jinja2.Environment | None = None

    def render(self, name: str, context: dict[str, Any]) -> str:
        if self._env is None:
            import jinja2

            self._env = jinja2.Environment(
                loader=jinja2.FileSystemLoader(TEMPLATES),
                autoescape=True,
                undefined=jinja2.StrictUndefined,
                trim_blocks=True,
                lstrip_blocks=True,
            )
        return self._env.get_template(name).render(context)


TEMPLATE_ENV: web.AppKey[Templates] = web.AppKey("templates", Templates)


def setup_templates(app: web.Application) -> None:
    app[TEMPLATE_ENV] = Templates()
    app[NAV] = []
    app.router.add_static("/static/", STATIC, name="static", append_version=True)


def add_nav(app: web.Application, path: str, label: str, *, order: int, role: str) -> None:
    """A navigation entry (``label``: a French msgid, translated per reader)."""
    app[NAV].append(NavEntry(path, label, order, role))
    app[NAV].sort(key=lambda e: e.order)


def translator_for(request: web.Request, viewer: Viewer | None) -> Translator:
    """The viewer's language and zone; without a session, the browser's language."""
    core = request.app[CORE]
    if viewer is None:
        t = request_translator(request)
        zone = parse_zone(core.settings.bot.timezone)
        return t.with_tz(zone) if zone else t
    zone = parse_zone(viewer.timezone) or parse_zone(core.settings.bot.timezone)
    return core.i18n.translator(viewer.locale, zone or ZoneInfo("UTC"))


def figure_text(t: Translator, figure: Figure) -> str:
    """``1 234``, ``42 %``, or a funnel step ``30 (75 %)``, in the reader's language."""
    if figure.percent:
        return t.percent(float(figure.value))
    text = t.number(figure.value)
    if figure.of:
        text += f" ({t.percent(float(figure.value) / figure.of)})"
    return text


def page(
    request: web.Request,
    viewer: Viewer | None,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    t: Translator | None = None,
) -> web.Response:
    """Render ``template`` for ``viewer`` (None: a page seen without a session), in ``t``'s
    language if given (a page whose link names its member: theirs), else the viewer's."""
    t = t or translator_for(request, viewer)
    nav = [e for e in request.app[NAV] if viewer is not None and e.visible_to(viewer)]
    full = {
        "_": t,
        "ngettext": t.n,
        "t": t,
        "figure": lambda f: figure_text(t, f),
        "now": request.app[CORE].clock.now(),
        "lang": t.locale,
        "viewer": viewer,
        "csrf": viewer.csrf if viewer else "",
        "nav": nav,
        "here": request.path,
        "here_qs": request.path_qs if len(request.path_qs) <= 512 else request.path,
        **context,
    }
    response = web.Response(
        text=request.app[TEMPLATE_ENV].render(template, full),
        status=status,
        content_type="text/html",
        charset="utf-8",
    )
    response.headers["Content-Language"] = t.locale
    # Pages show member data: never kept by shared caches or the browser's history cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def error_page(
    request: web.Request,
    viewer: Viewer | None,
    status: int,
    title: str,
    message: str,
    *,
    t: Translator | None = None,
    **params: Any,
) -> web.Response:
    """A translated error page (``title`` and ``message`` are French msgids)."""
    return page(
        request,
        viewer,
        "error.html",
        {"title": title, "message": message, "params": params, "status": status},
        status=status,
        t=t,
    )


async def refusal_page(request: web.Request, refusal: Refused) -> web.Response:
    viewer = await current_viewer(request) if refusal.status != 401 else None
    return error_page(
        request, viewer, refusal.status, refusal.title, refusal.message, **refusal.params
    )
