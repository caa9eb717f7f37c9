"""Typed keys of what the aiohttp application holds."""

from __future__ import annotations

from aiohttp import web

from bot.core.core import Core
from bot.core.web_login import WebLogins

CORE: web.AppKey[Core] = web.AppKey("core", Core)
LOGINS: web.AppKey[WebLogins] = web.AppKey("logins", WebLogins)
