"""Shared by the resource tests: a harness factory with a stub link preview, and a local web
server (127.0.0.1 only) that serves pages for the link preview tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web

from bot.config import load_settings
from bot.core import Role
from cogs.resource.preview import Preview, PreviewError
from tests.harness import Harness, make_harness

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<title>Titre de secours</title>
<meta property="og:title" content="Guide de la médiation numérique">
<meta property="og:description" content="Comment accueillir les publics éloignés.">
</head><body><p>Bonjour</p></body></html>"""


# ASCII text whose long run after a "-" makes Python's punycode decoder insert character after
# character (quadratic: about 4 s for this page, 107 s for 1 MB) when the page is decoded as
# it declares.
PUNY_PAGE = b"<html><head><title>Ordinaire</title></head><body>-" + b"a" * 150_000
LATIN_PAGE = "<html><head><title>Café théâtre</title></head></html>".encode("latin-1")


class LocalSite:
    def __init__(self, port: int) -> None:
        self.port = port
        self.hits: list[str] = []

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
async def site() -> AsyncIterator[LocalSite]:
    holder: dict[str, LocalSite] = {}

    async def page(request: web.Request) -> web.Response:
        holder["site"].hits.append(request.path)
        return web.Response(text=PAGE, content_type="text/html")

    async def plain_title(request: web.Request) -> web.Response:
        holder["site"].hits.append(request.path)
        return web.Response(
            text="<html><head><title> Un  titre\n simple </title></head></html>",
            content_type="text/html",
        )

    async def pdf(request: web.Request) -> web.Response:
        holder["site"].hits.append(request.path)
        return web.Response(body=b"%PDF-1.4", content_type="application/pdf")

    async def huge(request: web.Request) -> web.StreamResponse:
        holder["site"].hits.append(request.path)
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        await response.write(b"<html><head><title>Grand</title></head><body>")
        chunk = b"x" * 65536
        try:
            for _ in range(200):  # 13 MB if the reader never stopped
                await response.write(chunk)
        except (ConnectionResetError, RuntimeError):
            pass
        return response

    async def slow(request: web.Request) -> web.Response:
        holder["site"].hits.append(request.path)
        await asyncio.sleep(3)
        return web.Response(text=PAGE, content_type="text/html")

    async def redirect(request: web.Request) -> web.Response:
        holder["site"].hits.append(request.path)
        target = request.query["to"]
        raise web.HTTPFound(target)

    async def loop(request: web.Request) -> web.Response:
        holder["site"].hits.append(request.path)
        n = int(request.match_info["n"])
        raise web.HTTPFound(f"/loop/{n + 1}")

    async def missing(request: web.Request) -> web.Response:
        holder["site"].hits.append(request.path)
        return web.Response(status=404, text="non", content_type="text/html")

    async def charset(request: web.Request) -> web.Response:
        # A page that declares the charset named in the path (header, or <meta> with ?meta).
        holder["site"].hits.append(request.path)
        name = request.match_info["name"]
        body = PUNY_PAGE if name == "punycode" else LATIN_PAGE
        if "meta" in request.query:
            body = body.replace(b"<head>", b'<head><meta charset="' + name.encode() + b'">')
            return web.Response(body=body, headers={"Content-Type": "text/html"})
        return web.Response(body=body, headers={"Content-Type": f"text/html; charset={name}"})

    app = web.Application()
    app.router.add_get("/page", page)
    app.router.add_get("/plain", plain_title)
    app.router.add_get("/file.pdf", pdf)
    app.router.add_get("/huge", huge)
    app.router.add_get("/slow", slow)
    app.router.add_get("/redirect", redirect)
    app.router.add_get("/loop/{n}", loop)
    app.router.add_get("/missing", missing)
    app.router.add_get("/charset/{name}", charset)
    runner = web.AppRunner(app)
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    port = tcp._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    holder["site"] = LocalSite(port)
    yield holder["site"]
    await runner.cleanup()


class StubFetcher:
    """Answers previews from a dict; anything else fails like an unreachable page."""

    def __init__(self, pages: dict[str, Preview] | None = None) -> None:
        self.pages = pages or {}
        self.calls: list[str] = []

    async def fetch(self, url: str) -> Preview:
        self.calls.append(url)
        if url in self.pages:
            return self.pages[url]
        raise PreviewError("le nom « {host} » est introuvable", host="nulle.part")


HarnessFactory = Callable[..., Any]


@pytest.fixture
async def make(db_url: str) -> AsyncIterator[HarnessFactory]:
    made: list[Harness] = []

    async def factory(fetcher: Any = None, **section: Any) -> Harness:
        settings = load_settings(None, cogs={"resource": section})
        h = await make_harness(db_url, cogs=["resource"], settings=settings)
        if fetcher is not False:
            h.core.cogs["resource"].service.fetcher = fetcher or StubFetcher()  # type: ignore[attr-defined]
        h.adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR)
        made.append(h)
        return h

    yield factory
    for h in made:
        await h.core.stop()
        await h.db.dispose()


async def reply_text(h: Harness, who: str, line: str) -> str:
    reply = await h.say(who, line)
    assert reply is not None
    return reply.plain_text()
