"""Typed keys of what the aiohttp application holds."""

from __future__ import annotations

from aiohttp import web

from bot.core.core import Core

CORE: web.AppKey[Core] = web.AppKey("core", Core)
