"""The resource library: share links with tags, find them again in French, keep it clean."""

from __future__ import annotations

from bot.core import Core

from .bookmarks import Bookmarks
from .cog import Resources
from .dashboard import ResourceDashboard
from .library import Library
from .moderation import Moderation
from .privacy import ResourcePrivacy
from .service import ResourceService
from .settings import ResourceSettings


def setup(core: Core) -> Resources:
    """Read ``[cogs.resource]``, build the services on their explicit dependencies (one
    shared ``Library``, so one tag-label cache), then the cog."""
    settings = core.cog_settings("resource", ResourceSettings)
    library = Library(core.db, core.members, settings)
    bookmarks = Bookmarks(core.db, core.clock, settings, library)
    moderation = Moderation(core.db, core.clock, core.outbox, library)
    board = ResourceDashboard(core.db, bookmarks)
    core.web.provide("overview:resource", board)
    core.web.provide("me:resource", board)
    return Resources(
        core,
        settings=settings,
        service=ResourceService(core.db, core.clock, core.members, settings, library),
        bookmarks=bookmarks,
        moderation=moderation,
        privacy=ResourcePrivacy(core.db, settings),
    )
