"""SMTP connections kept open between messages.

A connection per message costs a TCP handshake, EHLO, STARTTLS and AUTH before the first byte
of mail: on a fan-out (a monthly digest to every member) that, not the mail server, sets the
pace. Idle connections are kept (at most ``size``) and reused; one idle for longer than
``IDLE_SECONDS`` is closed rather than trusted (servers drop idle clients). A reused
connection that turns out dead is replaced once, silently; every other error closes the
connection and propagates (the adapter makes it a delivery error).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from email.message import EmailMessage
from typing import TYPE_CHECKING

import aiosmtplib

if TYPE_CHECKING:
    from bot.config import EmailSection

IDLE_SECONDS = 20.0


@dataclass
class _Idle:
    client: aiosmtplib.SMTP
    since: float


class SmtpPool:
    def __init__(self, settings: EmailSection, size: int) -> None:
        self.settings = settings
        self.size = size
        self._idle: list[_Idle] = []

    async def _connect(self) -> aiosmtplib.SMTP:
        s = self.settings
        client = aiosmtplib.SMTP(
            hostname=s.host,
            port=s.port,
            username=s.username or None,
            password=s.password or None,
            start_tls=s.starttls,
            timeout=s.timeout,
        )
        await client.connect()
        return client

    def _take(self) -> aiosmtplib.SMTP | None:
        now = time.monotonic()
        while self._idle:
            idle = self._idle.pop()
            if now - idle.since < IDLE_SECONDS and idle.client.is_connected:
                return idle.client
            idle.client.close()
        return None

    async def send(self, message: EmailMessage) -> None:
        client = self._take()
        reused = client is not None
        if client is None:
            client = await self._connect()
        try:
            try:
                await client.send_message(message)
            except aiosmtplib.SMTPServerDisconnected:
                if not reused:
                    raise
                client.close()  # dropped while idle: one fresh try
                client = await self._connect()
                await client.send_message(message)
        except BaseException:
            client.close()
            raise
        if len(self._idle) < self.size:
            self._idle.append(_Idle(client, time.monotonic()))
        else:
            client.close()

    async def close(self) -> None:
        while self._idle:
            idle = self._idle.pop()
            try:
                await idle.client.quit()
            except (aiosmtplib.SMTPException, OSError):
                idle.client.close()
