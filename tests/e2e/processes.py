"""``passerelle run`` as a real process for the two-process tests: its own config, its log in
a file, killed or paused like a crashed host."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.core.refs import RoomRef
from bot.core.reply import Reply

if TYPE_CHECKING:
    from fakes.discord import FakeDiscord

REPO = Path(__file__).resolve().parents[2]


def process_config(path: Path, db_url: str, failover: float, platform: str) -> Path:
    """A two-process test's config: one platform's section (TOML) between what both tests
    share — the failover time, the database, a quick outbox poll, no web, the café cog."""
    path.write_text(
        f"""
[core]
failover_seconds = {failover}

[database]
url = "{db_url}"

[outbox]
poll_interval = "1s"

{platform.strip()}

[web]
enabled = false

[cogs]
enabled = ["cafe"]
""",
        encoding="utf-8",
    )
    return path


def discord_process_config(
    fake: FakeDiscord, db_url: str, tmp: Path, name: str, failover: float, extra: str = ""
) -> Path:
    """A two-process test's config against the fake Discord (``extra``: more ``[discord]``
    keys); each process keeps its own command-sync state, as on its own host."""
    discord = f"""
[discord]
enabled = true
token = "fake-token"
guild_id = "{fake.guild_id}"
api_base = "{fake.api_base}"
gateway_url = "{fake.gateway_url}"
guild_ready_timeout = 0.05
sync_state = "{tmp / f"{name}-commands.json"}"
{extra.strip()}

[discord.roles]
moderator = ["{fake.moderator_role}"]
"""
    return process_config(tmp / f"{name}.toml", db_url, failover, discord)


class Process:
    """One ``passerelle run`` with its own config and store directory (as on its own host),
    its log in a file."""

    def __init__(self, name: str, config: Path, tmp: Path) -> None:
        self.name = name
        self.log = tmp / f"{name}.log"
        self._handle = self.log.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--config", str(config)],
            cwd=REPO,
            stdout=self._handle,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    async def wait_log(self, needle: str, wait_s: float = 30.0, *, count: int = 1) -> float:
        """Wait until the log holds ``needle`` (``count`` times); returns when it was seen
        (monotonic)."""
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if self.text().count(needle) >= count:
                return time.monotonic()
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited:\n{self.text()}")
            await asyncio.sleep(0.05)
        raise AssertionError(f"{self.name}: no {needle!r} in\n{self.text()}")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._handle.close()


async def queue_reminders(core: Any, prefix: str, count: int, room: RoomRef) -> None:
    """``count`` reminders to ``room``, one a second from now (before, across and after a
    switch of owner), keyed ``<prefix>:<i>`` and reading ``rappel <i>``."""
    start = core.clock.now()
    for i in range(count):
        await core.outbox.enqueue(
            f"{prefix}:{i}",
            start + timedelta(seconds=i),
            reply=Reply(text=f"rappel {i}"),
            room=room,
            platform=room.platform,
        )


async def each_reminder_posted_once(fake: FakeDiscord, count: int) -> None:
    """Wait until the fake Discord's channel holds the ``count`` reminders of
    :func:`queue_reminders`, and check that none came twice."""

    def posted() -> Counter[str]:
        texts = [str(m.get("content", "")) for m in fake.channel_messages()]
        return Counter(t for t in texts if t.startswith("rappel"))

    async def all_posted() -> bool:
        return len(posted()) == count

    await until(all_posted, 30, "every reminder")
    assert posted() == Counter(f"rappel {i}" for i in range(count))


async def until(check: Any, wait_s: float, what: str) -> None:
    deadline = time.monotonic() + wait_s
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)
