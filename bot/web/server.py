"""The aiohttp application and its life in the bot process (started and stopped by the app).

Binding is on ``[web] host`` and ``port`` (127.0.0.1 only by default; ``port = 0`` takes a
free port, see :attr:`WebServer.port`). A port already taken does not stop the bot: the chat
platforms matter more than the web side, so the failure is logged and the bot runs without it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiohttp import web

from bot.core.dashboard import web_logins
from bot.web import email_links, feeds, health, metrics, pages, reports
from bot.web.keys import CORE, LOGINS
from bot.web.render import setup_templates
from bot.web.security import add_headers, guard

if TYPE_CHECKING:
    from bot.core.core import Core

log = logging.getLogger(__name__)


def build_app(core: Core) -> web.Application:
    """The application: routes, security headers and guards (tests use it directly)."""
    app = web.Application(middlewares=[guard], client_max_size=64 * 1024)
    app[CORE] = core
    app[LOGINS] = web_logins(core)
    app.on_response_prepare.append(add_headers)
    app.router.add_get("/healthz", health.healthz)
    metrics.setup(app)
    feeds.setup(app)
    setup_templates(app)
    pages.setup(app)
    reports.setup(app)
    email_links.setup(app)
    return app


class WebServer:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.settings = core.settings.web
        self.app = build_app(core)
        self._runner: web.AppRunner | None = None
        self.port: int | None = None  # the bound port once started (port = 0: chosen)

    async def start(self) -> bool:
        """Listen; False (logged) when the address cannot be bound."""
        runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.settings.host, self.settings.port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            log.error(
                "Web server not started: cannot listen on %s:%s (%s); the bot runs without it",
                self.settings.host,
                self.settings.port,
                exc.strerror or exc,
            )
            return False
        self._runner = runner
        addresses = runner.addresses
        self.port = int(addresses[0][1]) if addresses else self.settings.port
        self.core.web.listening = self.address
        log.debug("Web server listening on %s", self.address)  # the ready line says it
        return True

    @property
    def address(self) -> str:
        """Where the server listens (``http://host:port``), once started."""
        host = f"[{self.settings.host}]" if ":" in self.settings.host else self.settings.host
        return f"http://{host}:{self.port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            self.core.web.listening = None
