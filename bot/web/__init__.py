"""The web server in the bot process (aiohttp): ``/healthz``, ``/metrics``, calendar feeds.

It reads the core (database, adapters' connection state, counters) and calls what cogs
contribute through ``core.web`` (``bot/core/web.py``) — never a cog's tables, never an adapter.
``bot/app.py`` starts it after the core and stops it first. Pages for people (the dashboard,
login) come next, on the same server and the same security headers.
"""

from bot.web.server import WebServer

__all__ = ["WebServer"]
