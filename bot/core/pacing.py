"""Spacing sends evenly under a platform's rate (messages per second), in one process.

Adapters own their platform's limits; this is the one pacing rule they share (the Discord
adapter under Discord's global REST limit, the e-mail adapter under ``[email] rate``).
"""

from __future__ import annotations

import asyncio


class Pacer:
    """Hands out evenly spaced send slots: at most ``rate`` per second (0 or None: no
    pacing). Concurrent senders each get their own slot, in the order they ask."""

    def __init__(self, rate: float | None) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self._next = 0.0

    async def wait(self) -> None:
        if not self.interval:
            return
        loop = asyncio.get_running_loop()
        now = loop.time()
        slot = max(now, self._next)
        self._next = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)
