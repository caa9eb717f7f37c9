"""Fixtures: the digest with the café, library and onboarding cogs on a fake clock.

The clock starts on Monday 4 January 2027, 09:00 UTC: the January edition (first Monday,
09:00 in Paris = 08:00 UTC) has just gone; the next one is Monday 1 February, 08:00 UTC."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.config import load_settings
from bot.core import MemberRef, Role
from bot.scheduling import FakeClock
from cogs.resource.models import Resource, ResourceBookmark, ResourceTag
from tests.harness import Harness, make_harness

COGS = ["cafe", "resource", "onboarding", "digest"]
START = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
FEBRUARY = datetime(2027, 2, 1, 8, 0, tzinfo=UTC)


async def digest_harness(db_url: str, clock: FakeClock | None = None, **digest: Any) -> Harness:
    settings = load_settings(
        None,
        bot={"timezone": "Europe/Paris"},
        cogs={"onboarding": {"welcome_room": "memory:welcome"}, "digest": digest},
    )
    h = await make_harness(db_url, cogs=COGS, settings=settings, clock=clock or FakeClock(START))
    h.adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR)
    return h


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    harness = await digest_harness(db_url)
    yield harness
    await harness.close()


async def member_id(h: Harness, name: str) -> int:
    return (await h.core.members.resolve(MemberRef("memory", name, name))).id


async def add_resource(
    h: Harness,
    title: str,
    tags: list[str],
    *,
    saved_by: list[int] = (),  # type: ignore[assignment]
) -> int:
    """A published resource shared now (the library's own command would fetch the page)."""
    from bot.core.text import fold_key

    now = h.clock.now()
    async with h.db.session() as s:
        row = Resource(
            url=f"https://r.example/{fold_key(title).replace(' ', '-')}",
            url_key=f"r.example/{title}",
            title=title,
            created_at=now,
            updated_at=now,
        )
        s.add(row)
        await s.flush()
        assert row.id is not None
        for tag in tags:
            s.add(ResourceTag(resource_id=row.id, key=fold_key(tag), label=tag))
        for m in saved_by:
            s.add(ResourceBookmark(member_id=m, resource_id=row.id, created_at=now))
        return row.id


async def deliver_at(h: Harness, moment: datetime) -> int:
    """Move the clock to ``moment``, queue the edition due, deliver it; rows newly queued."""
    h.clock.set(moment)
    queued = await h.core.cogs["digest"].run_due()  # type: ignore[attr-defined]
    await h.deliver()
    return int(queued)
