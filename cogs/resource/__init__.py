"""The resource library: share links with tags, find them again in French, keep it clean."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core import Core
    from cogs.resource.cog import Resources


def setup(core: Core) -> Resources:
    """Read ``[cogs.resource]``, build the services on their explicit dependencies (one
    shared ``Library``, so one tag-label cache), then the cog; offer the dashboard's page."""
    # Imported here, not at the top: the package stays light to import (its settings are
    # checked at every start, before the cogs are loaded).
    from bot.core.dashboard_pages import RESOURCES
    from cogs.resource.bookmarks import Bookmarks
    from cogs.resource.bulk import BulkTransfer
    from cogs.resource.cog import Resources
    from cogs.resource.dashboard import ResourceDashboard
    from cogs.resource.dashboard_page import ResourceBoard
    from cogs.resource.digest import ResourceDigest
    from cogs.resource.empty_searches import EmptySearches
    from cogs.resource.filing import LibraryFiling
    from cogs.resource.library import Library
    from cogs.resource.moderation import Moderation
    from cogs.resource.privacy import ResourcePrivacy
    from cogs.resource.service import ResourceService
    from cogs.resource.settings import ResourceSettings
    from cogs.resource.tag_admin import TagAdmin

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
