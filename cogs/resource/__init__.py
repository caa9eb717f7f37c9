"""The resource library: share links with tags, find them again in French, keep it clean."""

from __future__ import annotations

from bot.core import Core

from .cog import Resources


def setup(core: Core) -> Resources:
    return Resources(core)
