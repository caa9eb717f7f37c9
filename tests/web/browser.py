"""Shared by the browser tests: Debian's Chromium driven by Playwright (never Playwright's own
browser download), a `passerelle console` process to chat with, and an in-process server on a
fake clock for what real time cannot reach (an expired link)."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp import web

from tests.subprocess_env import passerelle_env

CHROMIUM = os.environ.get("PASSERELLE_CHROMIUM", "/usr/bin/chromium")
#: The browser to drive: Debian's package, or whatever ``chromium`` is on PATH.
BROWSER = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
WAIT = 30.0  # seconds for the console to answer
LINK = re.compile(r"http://127\.0\.0\.1:\d+/login/[A-Za-z0-9_-]{16,64}")

needs_chromium = pytest.mark.skipif(
    BROWSER is None,
    reason="Debian's chromium is not installed (apt-get install -y chromium; .ci/run does)",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def chromium(locale: str = "fr-FR") -> AsyncIterator[object]:
    """A fresh browser context (its own cookies), French by default like the community."""
    os.environ["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1"
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=BROWSER,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        try:
            context = await browser.new_context(locale=locale)
            yield context
        finally:
            await browser.close()


class Console:
    """A real ``passerelle console`` process, typed into line by line."""

    def __init__(self, proc: asyncio.subprocess.Process, port: int, db: Path) -> None:
        self.proc = proc
        self.port = port
        self.db = db
        self.output: list[str] = []

    async def type(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((line + "\n").encode())
        await self.proc.stdin.drain()

    async def wait_for(self, pattern: re.Pattern[str]) -> str:
        """The first output line (from now on) that matches ``pattern``."""
        assert self.proc.stdout is not None

        async def read() -> str:
            assert self.proc.stdout is not None
            while True:
                raw = await self.proc.stdout.readline()
                if not raw:
                    raise AssertionError("the console ended:\n" + "".join(self.output))
                line = raw.decode("utf-8", "replace")
                self.output.append(line)
                found = pattern.search(line)
                if found:
                    return found.group(0)

        return await asyncio.wait_for(read(), WAIT)

    async def login_link(self, who: str) -> str:
        await self.type(f":as {who}")
        await self.type("!dashboard")
        return await self.wait_for(LINK)


@asynccontextmanager
async def console(tmp_path: Path) -> AsyncIterator[Console]:
    port = free_port()
    db = tmp_path / "console.db"
    env = passerelle_env()
    env.update(PASSERELLE_WEB__PORT=str(port), PYTHONUNBUFFERED="1")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "console",
        "--db",
        f"sqlite:///{db}",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=tmp_path,
        env=env,
    )
    session = Console(proc, port, db)
    try:
        yield session
    finally:
        if proc.stdin is not None and not proc.stdin.is_closing():
            proc.stdin.close()
        try:
            await asyncio.wait_for(proc.wait(), 20)
        except TimeoutError:
            proc.kill()
            await proc.wait()


@asynccontextmanager
async def served(app: web.Application) -> AsyncIterator[str]:
    """``app`` on a loopback port; yields its base URL."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()
