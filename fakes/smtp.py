"""A recording SMTP server on loopback (aiosmtpd), in the caller's event loop.

Tests and ``bench/email_delivery.py`` send real SMTP to it: every accepted message is parsed
and kept (with its arrival time), recipients can be refused for good (550) or for now (451),
and the server can go down and come back on the same port.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    at: float  # time.monotonic() when the server accepted it


@dataclass
class RecordingHandler:
    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # 550: "no such user"
    defer: set[str] = field(default_factory=set)  # 451: "try again later"

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address.lower() in self.refuse:
            return "550 5.1.1 No such user here"
        if address.lower() in self.defer:
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(
            Received(str(envelope.mail_from), list(envelope.rcpt_tos), message, time.monotonic())
        )
        return "250 Message accepted"


class SmtpServer:
    """``async with SmtpServer() as smtp:`` — ``smtp.port``, ``smtp.received``."""

    def __init__(self, port: int = 0) -> None:
        self.handler = RecordingHandler()
        self.port = port
        self._server: asyncio.base_events.Server | None = None
        self._sessions: list[SMTP] = []

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    async def start(self) -> None:
        loop = asyncio.get_running_loop()

        def session() -> SMTP:
            smtp = SMTP(self.handler, hostname="localhost", enable_SMTPUTF8=True)
            self._sessions.append(smtp)
            return smtp

        self._server = await loop.create_server(session, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Go down: new connections are refused until ``start`` (same port)."""
        if self._server is not None:
            self._server.close()
            # Connections a client keeps open go down too (a real outage drops them).
            for smtp in self._sessions:
                if smtp.transport is not None:
                    smtp.transport.close()
            self._sessions.clear()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> SmtpServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()
