"""Polls: eight kinds, one ballot per member, anonymous or named, results as text and PNG."""

from __future__ import annotations

from bot.core import Core
from cogs.poll.cog import Polls


def setup(core: Core) -> Polls:
    return Polls(core)
