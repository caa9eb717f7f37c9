"""The resource library: share links with tags, find them again in French, keep it clean."""

from __future__ import annotations

from bot.core import Core
from bot.core.dashboard_pages import RESOURCES

from .bookmarks import Bookmarks
from .bulk import BulkTransfer
from .cog import Resources
from .dashboard import ResourceDashboard
from .dashboard_page import ResourceBoard
from .digest import ResourceDigest
from .empty_searches import EmptySearches
from .filing import LibraryFiling
from .library import Library
from .moderation import Moderation
from .privacy import ResourcePrivacy
from .service import ResourceService
from .settings import ResourceSettings
from .tag_admin import TagAdmin


def setup(core: Core) -> Resources:
    """Read ``[cogs.resource]``, build the services on their explicit dependencies (one
    shared ``Library``, so one tag-label cache), then the cog; offer the dashboard's page."""
    settings = core.cog_settings("resource", ResourceSettings)
    library = Library(core.db, core.members, settings)
    empty = EmptySearches(core.db, core.clock)
    service = ResourceService(
        core.db, core.clock, core.members, settings, library, empty_searches=empty
    )
    bookmarks = Bookmarks(core.db, core.clock, settings, library)
    moderation = Moderation(core.db, core.clock, core.outbox, library)
    tag_admin = TagAdmin(core.db, core.clock, library)
    board = ResourceDashboard(core.db, bookmarks)
    core.web.provide("overview:resource", board)
    core.web.provide("me:resource", board)
    core.web.provide(
        RESOURCES,
        ResourceBoard(
            service=service,
            moderation=moderation,
            tag_admin=tag_admin,
            empty_searches=empty,
            bulk=BulkTransfer(core.db, core.clock, library),
        ),
    )
    # Other cogs file links here (the café's reports) through the core, never importing us.
    core.library.register(LibraryFiling(service))
    core.digest.register(ResourceDigest(core.db))  # new and most saved resources, monthly
    return Resources(
        core,
        settings=settings,
        service=service,
        bookmarks=bookmarks,
        moderation=moderation,
        privacy=ResourcePrivacy(core.db, settings, library.tags_changed),
        tag_admin=tag_admin,
    )
