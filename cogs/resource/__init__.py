"""The resource library: share links with tags, find them again in French, keep it clean."""

from __future__ import annotations

from bot.core import Core

from .bookmarks import Bookmarks
from .cog import Resources
from .filing import LibraryFiling
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
    service = ResourceService(core.db, core.clock, core.members, settings, library)
    # Other cogs file links here (the café's reports) through the core, never importing us.
    core.library.register(LibraryFiling(service))
    return Resources(
        core,
        settings=settings,
        service=service,
        bookmarks=Bookmarks(core.db, core.clock, settings, library),
        moderation=Moderation(core.db, core.clock, core.outbox, library),
        privacy=ResourcePrivacy(core.db, settings),
    )
