"""A member's bookmarks: save, unsave, list what was saved (answers are private)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import queries
from .domain import ResourceView, SearchPage
from .library import Library
from .models import ResourceBookmark
from .settings import ResourceSettings

if TYPE_CHECKING:
    from bot.scheduling import Clock
    from bot.storage.db import Database


class Bookmarks:
    def __init__(
        self, db: Database, clock: Clock, settings: ResourceSettings, library: Library
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.library = library

    async def save(self, member_id: int, resource_id: int, *, moderator: bool) -> ResourceView:
        view = await self.library.get(resource_id, member_id, moderator=moderator)
        async with self.db.session() as s:
            if await s.get(ResourceBookmark, (member_id, resource_id)) is None:
                s.add(
                    ResourceBookmark(
                        member_id=member_id,
                        resource_id=resource_id,
                        created_at=self.clock.now(),
                    )
                )
        view.saved = True
        return view

    async def unsave(self, member_id: int, resource_id: int) -> bool:
        async with self.db.session() as s:
            row = await s.get(ResourceBookmark, (member_id, resource_id))
            if row is None:
                return False
            await s.delete(row)
            return True

    async def saved(self, member_id: int, page: int = 1) -> SearchPage:
        size = self.settings.page_size
        async with self.db.session() as s:
            rows = await queries.saved(s, member_id, (page - 1) * size, size + 1)
        views = await self.library.views(rows[:size], member_id)
        return SearchPage(views, page, len(rows) > size)
