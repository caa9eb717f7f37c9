"""The dashboard's pages: one module per page (or family of pages), each with
``def setup(app: web.Application) -> None`` adding its routes and navigation entry.

Modules are found by name (every module of this package), so adding a page is adding a file:
no list to edit, nothing to merge. Handlers start with ``require_member`` /
``require_moderator`` (``bot.web.auth``) and answer with ``bot.web.render.page``.
"""

from __future__ import annotations

import importlib
import pkgutil

from aiohttp import web


def page_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.ispkg)


def setup(app: web.Application) -> None:
    for name in page_modules():
        module = importlib.import_module(f"{__name__}.{name}")
        module.setup(app)
