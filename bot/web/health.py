"""``GET /healthz``: is this bot process able to do its work?

JSON with the database (one ``SELECT 1``, bounded in time), each adapter's connection, the
outbox backlog (pending rows due now) and how long the oldest of them has waited. 200 when
healthy, 503 otherwise: the database unreachable, an adapter disconnected, or a message due
for more than ``OVERDUE_LIMIT`` (the sender is stuck or the platform refuses it).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from aiohttp import web
from sqlalchemy import text

from bot.web.keys import CORE

log = logging.getLogger(__name__)

DB_TIMEOUT = 2.0  # seconds the database check may take
OVERDUE_LIMIT = timedelta(minutes=5)


async def healthz(request: web.Request) -> web.Response:
    core = request.app[CORE]
    body: dict[str, Any] = {}
    database = await _database_ok(request)
    body["database"] = {"ok": database, "dialect": core.db.dialect}
    connections = core.connections()
    standby = core.standby_platforms()
    body["adapters"] = {
        name: {"connected": up, "standby": name in standby}
        for name, up in sorted(connections.items())
    }
    backlog, oldest_age = None, None
    if database:
        try:
            count, oldest = await asyncio.wait_for(core.outbox.backlog(), DB_TIMEOUT)
            backlog = count
            if oldest is not None:
                oldest_age = max((core.clock.now() - oldest).total_seconds(), 0.0)
        except Exception:
            log.warning("Health: the outbox backlog could not be read", exc_info=True)
    body["outbox"] = {"backlog": backlog, "oldest_overdue_seconds": oldest_age}
    healthy = (
        database
        # A standby is not connected by design: another process owns its connection.
        and all(up or name in standby for name, up in connections.items())
        and backlog is not None
        and (oldest_age is None or oldest_age <= OVERDUE_LIMIT.total_seconds())
    )
    body["status"] = "ok" if healthy else "unhealthy"
    return web.json_response(
        body, status=200 if healthy else 503, headers={"Cache-Control": "no-store"}
    )


async def _database_ok(request: web.Request) -> bool:
    core = request.app[CORE]

    async def ping() -> None:
        async with core.db.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    try:
        await asyncio.wait_for(ping(), DB_TIMEOUT)
    except Exception:
        log.warning("Health: the database is not reachable", exc_info=True)
        return False
    return True
