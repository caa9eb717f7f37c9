"""What cogs offer the web layer: a small registry they contribute to, in neutral terms.

Cogs never import ``bot.web`` (or aiohttp's server): at ``setup(core)`` a cog registers a
service here (``core.web.provide_calendar(...)``), and the web layer, which owns HTTP, calls it.
So the web server reaches the cogs' use cases, never their tables, and the cog stays testable
without a server. :meth:`WebRegistry.url` builds the public address of a path from
``[web] base_url`` (what a cog puts in a reply, e.g. a member's feed URL).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.config import WebSection


@dataclass(frozen=True, slots=True)
class CalendarFeed:
    """A calendar the web layer may answer with.

    ``etag`` fingerprints everything the feed shows (computed from the rows, without building
    the file), so an unchanged feed is answered ``304 Not Modified`` cheaply; ``render``
    builds the ``text/calendar`` body only when it is needed."""

    etag: str
    render: Callable[[], bytes]


class CalendarFeeds(Protocol):
    """A cog's calendar feeds: ``/feeds/community.ics`` and ``/feeds/<token>.ics``."""

    async def community_feed(self) -> CalendarFeed:
        """The public calendar of the community (no private links)."""
        ...

    async def member_feed(self, token: str) -> CalendarFeed | None:
        """A member's private calendar by its token; None when unknown or revoked."""
        ...


@dataclass(frozen=True, slots=True)
class ReportPage:
    """A self-contained HTML page (``body``, UTF-8) and the inline style blocks it carries,
    which the web layer allows by their hashes in its Content-Security-Policy (no script)."""

    body: bytes
    styles: tuple[str, ...] = ()


class ReportPages(Protocol):
    """A cog's reports, at ``/reports/<token>.html`` (the café's session reports)."""

    async def report_page(self, token: str) -> ReportPage | None:
        """The page of ``token``; None when unknown (or the report was removed)."""
        ...


class WebRegistry:
    """``core.web``: the services cogs contribute, and how to address the web server."""

    def __init__(self, settings: WebSection) -> None:
        self.settings = settings
        self.calendar: CalendarFeeds | None = None
        self.reports: ReportPages | None = None

    @property
    def enabled(self) -> bool:
        return self.settings.enabled

    def provide_calendar(self, feeds: CalendarFeeds) -> None:
        if self.calendar is not None:
            raise ValueError("two cogs provide the calendar feeds")
        self.calendar = feeds

    def provide_reports(self, pages: ReportPages) -> None:
        if self.reports is not None:
            raise ValueError("two cogs provide the report pages")
        self.reports = pages

    def url(self, path: str) -> str:
        """The public address of ``path`` (``/feeds/….ics``): ``[web] base_url`` + path."""
        return self.settings.public_url.rstrip("/") + "/" + path.lstrip("/")
