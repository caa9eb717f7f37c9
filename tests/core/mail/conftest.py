"""A core with the café, the e-mail channel and a real SMTP server on 127.0.0.1 (aiosmtpd on
a free port), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from bot.adapters.email import EmailAdapter
from bot.core import Role
from bot.scheduling import FakeClock
from fakes.smtp import SmtpServer
from tests.harness import Harness, make_harness


@dataclass
class Mail:
    h: Harness
    smtp: SmtpServer
    adapter: EmailAdapter

    async def member_id(self, name: str) -> int:
        return (await self.h.core.members.find_by_name(name))[0].id or 0

    async def confirmed(self, name: str, address: str) -> None:
        """``name`` gives ``address`` and types the code it received."""
        await self.h.invoke(name, "me email address", address=address)
        await self.h.deliver()
        code = code_in(self.smtp.received[-1].message)
        reply = await self.h.invoke(name, "me email confirm", code=code)
        assert "confirm" in reply.text, reply.text


def code_in(message: object) -> str:
    import re

    body = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[attr-defined]
    found = re.search(r"\b(\d{6})\b", body)
    assert found, body
    return found.group(1)


@pytest.fixture
async def mail(db_url: str) -> AsyncIterator[Mail]:
    async with SmtpServer() as smtp:
        # Monday 4 January 2027, 09:00 UTC (10:00 in Paris).
        h = await make_harness(
            db_url,
            cogs=["cafe"],
            clock=FakeClock(datetime(2027, 1, 4, 9, 0, tzinfo=UTC)),
            email={
                "enabled": True,
                "host": "127.0.0.1",
                "port": smtp.port,
                "from": "Passerelle <bot@passerelle.test>",
                "starttls": False,
                "rate": 0,
            },
            web={"base_url": "https://bot.passerelle.test"},
        )
        adapter = EmailAdapter(h.core.settings.email)
        h.core.add_adapter(adapter)
        await adapter.start(h.core)
        h.adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR)
        try:
            yield Mail(h, smtp, adapter)
        finally:
            await h.close()
