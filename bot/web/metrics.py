"""``GET /metrics``: the core's counters in Prometheus' text format (prometheus-client).

The core counts in plain Python (``bot/core/metrics.py``); here a collector registered on this
server's own registry turns a snapshot into metric families at each scrape:

- ``passerelle_commands_total{command, outcome}`` — outcome: ok, user_error, denied, error
- ``passerelle_command_duration_seconds{command}`` — histogram, dispatch to reply
- ``passerelle_outbox_messages_total{outcome}`` — sent, late (sent after a restart, also in
  sent), failed, skipped (beyond the grace window)
- ``passerelle_adapter_reconnects_total{platform}`` — connections lost and regained
- ``passerelle_adapter_connected{platform}`` — 1 or 0 now
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.web.keys import CORE

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@dataclass(slots=True)
class _Registry:
    """This server's registry (not the process-global one: two bots in one test process),
    made at the first scrape (prometheus-client is imported then, not at start)."""

    registry: CollectorRegistry | None = None


REGISTRY: web.AppKey[_Registry] = web.AppKey("metrics", _Registry)


async def metrics(request: web.Request) -> web.Response:
    from prometheus_client import generate_latest

    from bot.web.metrics_collector import registry_for

    holder = request.app[REGISTRY]
    if holder.registry is None:
        holder.registry = registry_for(request.app[CORE])
    body: Any = generate_latest(holder.registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


def setup(app: web.Application) -> None:
    app[REGISTRY] = _Registry()
    app.router.add_get("/metrics", metrics)
