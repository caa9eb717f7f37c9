"""The library as the core's ``LibraryFiler``: other cogs file links here (``core.library``).

A filed link is published at once (it comes from a moderator's action or the bot itself) in
the named collection; a link already in the library gains the collection and tags instead.
"""

from __future__ import annotations

from bot.core import LibraryEntry

from .service import ResourceService


class LibraryFiling:
    def __init__(self, service: ResourceService) -> None:
        self.service = service

    def check_url(self, url: str) -> str:
        return self.service.library.check_url(url)

    async def file(self, entry: LibraryEntry) -> int:
        result = await self.service.add(
            entry.author,
            entry.url,
            title=entry.title,
            summary=entry.summary or entry.title,
            tags=", ".join(entry.tags) or None,
            collection=entry.collection,
            moderator=True,
            own_page=entry.own_page,
        )
        assert result.resource is not None  # a moderator's share is never hidden from them
        return result.resource.id
