"""Monthly cafés: recurring online meetings, registration, reminder DMs, check-in, calendars."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core import Cog, Core


def setup(core: Core) -> Cog:
    """Read ``[cogs.cafe]``, build the service on the core's database, clock, outbox and
    members, and the cog on top of it."""
    from cogs.cafe.cog import Cafe
    from cogs.cafe.service import CafeService
    from cogs.cafe.settings import CafeSettings

    settings = core.cog_settings("cafe", CafeSettings)
    service = CafeService(
        db=core.db,
        clock=core.clock,
        outbox=core.outbox,
        members=core.members,
        settings=settings,
    )
    return Cafe(core, settings=settings, service=service)
