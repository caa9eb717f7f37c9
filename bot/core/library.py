"""``core.library``: where a cog files a link in the resource library without importing it.

The café files its reports and follow-up links in the library (a collection named after the
series), but cogs never import each other: the resource cog registers a ``LibraryFiler`` here
at setup, and other cogs call ``core.library.file(...)``. With the resource cog off there is
no library: ``available`` is False and ``file`` files nothing (returns None).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class LibraryEntry:
    """A link to file: ``collection`` is the collection's name as members see it; ``author``
    the member filing it (the host or moderator who acted). Filed entries are published,
    visible to members like any resource. ``own_page``: a page of the bot's own web server
    (it may live on a private address, which shared links may not)."""

    url: str
    title: str
    summary: str
    collection: str
    author: int
    tags: tuple[str, ...] = ()
    own_page: bool = False


class LibraryFiler(Protocol):
    async def file(self, entry: LibraryEntry) -> int:
        """File ``entry`` (an existing link gains the collection and tags); its number.
        UserError for a link the library refuses (bad address)."""
        ...

    def check_url(self, url: str) -> str:
        """The link as the library would store it; UserError (translated) when refused."""
        ...


class Library:
    def __init__(self) -> None:
        self._filer: LibraryFiler | None = None

    def register(self, filer: LibraryFiler) -> None:
        if self._filer is not None:
            raise ValueError("two cogs provide the resource library")
        self._filer = filer

    @property
    def available(self) -> bool:
        return self._filer is not None

    async def file(self, entry: LibraryEntry) -> int | None:
        if self._filer is None:
            return None
        return await self._filer.file(entry)

    def check_url(self, url: str) -> str:
        """Checked by the library when there is one; else a plain http(s) check."""
        if self._filer is not None:
            return self._filer.check_url(url)
        from bot.core.links import check_link

        return check_link(url)
