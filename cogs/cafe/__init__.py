"""Monthly cafés: recurring online meetings, registration, reminder DMs, check-in, calendars."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core import Cog, Core


def setup(core: Core) -> Cog:
    from cogs.cafe.cog import Cafe

    return Cafe(core)
