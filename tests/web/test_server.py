"""The web server's foundation: /healthz, /metrics, security headers, bad requests, life."""

from __future__ import annotations

import socket
from datetime import timedelta

from aiohttp import ClientSession
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import App
from bot.config import load_settings
from bot.core import Reply
from bot.scheduling import FakeClock
from bot.web import WebServer
from bot.web.security import CSP
from tests.harness import make_harness
from tests.web.conftest import Web


def assert_secure(headers: object) -> None:
    h = dict(headers)  # type: ignore[call-overload]
    assert h["Content-Security-Policy"] == CSP
    assert "'unsafe-inline'" not in CSP and "frame-ancestors 'none'" in CSP
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "no-referrer"


# --- /healthz ---------------------------------------------------------------------------------


async def test_healthz_reports_database_adapters_and_outbox(web: Web) -> None:
    resp = await web.client.get("/healthz")
    assert resp.status == 200
    body = await resp.json()
    assert body["status"] == "ok" and body["database"]["ok"] is True
    assert body["adapters"] == {"memory": {"connected": True, "standby": False}}
    assert body["outbox"] == {"backlog": 0, "oldest_overdue_seconds": None}
    assert_secure(resp.headers)


async def test_healthz_is_503_when_an_adapter_is_disconnected(web: Web) -> None:
    web.h.adapter.connected = False
    resp = await web.client.get("/healthz")
    assert resp.status == 503
    body = await resp.json()
    assert body["status"] == "unhealthy" and body["adapters"]["memory"]["connected"] is False


async def test_healthz_counts_a_standby_adapter_as_healthy(web: Web) -> None:
    """Another process owns the connection: not connected, by design, and still healthy."""
    web.h.adapter.connected = False
    web.h.adapter.can_send = False  # type: ignore[attr-defined]
    resp = await web.client.get("/healthz")
    assert resp.status == 200
    body = await resp.json()
    assert body["adapters"]["memory"] == {"connected": False, "standby": True}


async def test_healthz_counts_the_backlog_and_the_oldest_overdue(web: Web) -> None:
    core, clock = web.h.core, web.h.clock
    alice = await web.h.adapter.member_joins("alice")
    for n in range(3):
        await core.outbox.enqueue(f"test:{n}", clock.now(), member_id=alice, reply=Reply(text="x"))
    later = clock.now() + timedelta(hours=1)
    await core.outbox.enqueue("test:later", later, member_id=alice, reply=Reply(text="x"))
    assert isinstance(clock, FakeClock)
    clock.advance(timedelta(minutes=2))
    body = await (await web.client.get("/healthz")).json()
    assert body["outbox"] == {"backlog": 3, "oldest_overdue_seconds": 120.0}
    assert body["status"] == "ok"  # two minutes: within the limit
    clock.advance(timedelta(minutes=4))
    resp = await web.client.get("/healthz")
    assert resp.status == 503
    assert (await resp.json())["outbox"]["oldest_overdue_seconds"] == 360.0


async def test_healthz_is_503_when_the_database_is_unreachable(web: Web) -> None:
    real = web.h.db.engine
    broken = create_async_engine("sqlite+aiosqlite:////nonexistent-dir/passerelle.db")
    web.h.db.engine = broken
    try:
        resp = await web.client.get("/healthz")
    finally:
        web.h.db.engine = real
        await broken.dispose()
    assert resp.status == 503
    body = await resp.json()
    assert body["database"]["ok"] is False and body["outbox"]["backlog"] is None


# --- /metrics ---------------------------------------------------------------------------------


async def test_metrics_count_commands_by_outcome_with_latency(web: Web) -> None:
    h = web.h
    await h.invoke("alice", "cafe list")
    await h.invoke("alice", "cafe list")
    await h.invoke("alice", "cafe info", occurrence=999)  # no such café: user error
    await h.invoke("alice", "cafe who")  # moderators only: denied
    resp = await web.client.get("/metrics")
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = await resp.text()
    assert 'passerelle_commands_total{command="cafe list",outcome="ok"} 2.0' in text
    assert 'passerelle_commands_total{command="cafe info",outcome="user_error"} 1.0' in text
    assert 'passerelle_commands_total{command="cafe who",outcome="denied"} 1.0' in text
    assert 'passerelle_command_duration_seconds_count{command="cafe list"} 2.0' in text
    assert 'passerelle_command_duration_seconds_bucket{command="cafe list",le="+Inf"} 2.0' in text
    assert 'passerelle_adapter_connected{platform="memory"} 1.0' in text
    assert 'passerelle_adapter_reconnects_total{platform="memory"} 0.0' in text


async def test_metrics_count_a_failing_command_as_error(web: Web) -> None:
    h = web.h

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    h.core.cogs["cafe"].service.upcoming = broken  # type: ignore[attr-defined]
    reply = await h.invoke("alice", "cafe list")
    assert "Désolé" in reply.text
    text = await (await web.client.get("/metrics")).text()
    assert 'passerelle_commands_total{command="cafe list",outcome="error"} 1.0' in text


async def test_metrics_count_outbox_sent_late_and_failed(web: Web) -> None:
    h = web.h
    core, clock = h.core, h.clock
    alice = await h.adapter.member_joins("alice")
    bob = await h.adapter.member_joins("bob")
    await h.deliver()
    h.adapter.sent.clear()
    # Due while "the bot was down": sent late (the sender started after it was due).
    due = clock.now()
    core.outbox.started_at = due + timedelta(minutes=10)
    await core.outbox.enqueue("test:late", due, member_id=alice, reply=Reply(text="x"))
    h.adapter.refuse_dms.add("bob")
    await core.outbox.enqueue("test:refused", due, member_id=bob, reply=Reply(text="x"))
    assert isinstance(clock, FakeClock)
    clock.advance(timedelta(minutes=11))
    report = await h.deliver()
    assert report.sent >= 1 and report.failed == 1
    text = await (await web.client.get("/metrics")).text()
    snap = core.metrics.snapshot().outbox
    assert snap["late"] == 1 and snap["failed"] == 1
    assert f'passerelle_outbox_messages_total{{outcome="sent"}} {float(snap["sent"])}' in text
    assert 'passerelle_outbox_messages_total{outcome="late"} 1.0' in text
    assert 'passerelle_outbox_messages_total{outcome="failed"} 1.0' in text


def test_the_core_counts_reconnects_per_platform() -> None:
    from bot.core.metrics import Metrics

    metrics = Metrics()
    metrics.reconnected("matrix")
    metrics.reconnected("matrix")
    assert metrics.snapshot().reconnects == {"matrix": 2}


# --- every response: headers; bad requests -----------------------------------------------------


async def test_security_headers_on_errors_too(web: Web) -> None:
    resp = await web.client.get("/nothing-here")
    assert resp.status == 404
    assert_secure(resp.headers)


async def test_a_huge_query_string_is_refused_without_a_traceback(web: Web) -> None:
    resp = await web.client.get("/healthz?" + "a" * 5000, headers={"Accept-Language": "en"})
    assert resp.status == 414
    assert await resp.text() == "The requested address is too long.\n"
    assert_secure(resp.headers)
    # Beyond the request line aiohttp's parser accepts: 400 before any handler.
    resp = await web.client.get("/healthz?" + "a" * 20000)
    assert resp.status == 400
    assert "Traceback" not in await resp.text()


async def test_an_unexpected_error_is_a_short_500(web: Web) -> None:
    async def broken() -> None:
        raise RuntimeError("secret detail")

    web.h.core.outbox.backlog = broken  # type: ignore[method-assign]
    web.h.core.connections = lambda: 1 / 0  # type: ignore[method-assign]
    resp = await web.client.get("/healthz", headers={"Accept-Language": "fr-CA,en;q=0.5"})
    assert resp.status == 500
    text = await resp.text()
    assert "Désolé" in text and "secret" not in text and "Traceback" not in text
    assert_secure(resp.headers)


# --- life in the bot process -------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_the_app_starts_and_stops_the_web_server(tmp_path) -> None:  # type: ignore[no-untyped-def]
    port = _free_port()
    settings = load_settings(None, web={"port": port}, cogs={"enabled": ["cafe"]})
    settings.database.url = f"sqlite+aiosqlite:///{tmp_path}/app.db"
    app = App(settings, [], scheduler=False)
    await app.start()
    try:
        assert app.web is not None and app.web.port == port
        async with ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/healthz") as resp:
                assert resp.status == 200
                assert (await resp.json())["adapters"] == {}
            async with session.get(f"http://127.0.0.1:{port}/feeds/community.ics") as resp:
                assert resp.status == 200
    finally:
        await app.stop()
    assert app.web is None
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))  # released


async def test_web_disabled_starts_no_server(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings(None, web={"enabled": False}, cogs={"enabled": []})
    settings.database.url = f"sqlite+aiosqlite:///{tmp_path}/app.db"
    app = App(settings, [], scheduler=False)
    await app.start()
    try:
        assert app.web is None
    finally:
        await app.stop()


async def test_a_taken_port_does_not_stop_the_bot(db_url: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = load_settings(None, web={"port": port})
        async with await make_harness(db_url, settings=settings) as h:
            server = WebServer(h.core)
            assert await server.start() is False
            await server.stop()
            reply = await h.invoke("alice", "me language", lang="en")
            assert reply.text


async def test_port_zero_takes_a_free_port(db_url: str) -> None:
    settings = load_settings(None, web={"port": 0})
    async with await make_harness(db_url, settings=settings) as h:
        server = WebServer(h.core)
        assert await server.start() is True
        try:
            assert server.port and server.port > 0
            url = f"http://127.0.0.1:{server.port}/healthz"
            async with ClientSession() as session, session.get(url) as resp:
                assert resp.status == 200
        finally:
            await server.stop()
