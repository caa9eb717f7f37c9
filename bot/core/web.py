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
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

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


T = TypeVar("T")


class WebRegistry:
    """``core.web``: the services cogs contribute, and how to address the web server."""

    def __init__(self, settings: WebSection) -> None:
        self.settings = settings
        self.calendar: CalendarFeeds | None = None
        self._services: dict[str, Any] = {}
        #: Where the server actually listens (set once started: ``port = 0`` picks one).
        self.listening: str | None = None

    @property
    def enabled(self) -> bool:
        return self.settings.enabled

    def provide_calendar(self, feeds: CalendarFeeds) -> None:
        if self.calendar is not None:
            raise ValueError("two cogs provide the calendar feeds")
        self.calendar = feeds

    def provide(self, name: str, service: object) -> None:
        """Offer the dashboard a service under ``name`` (``"overview:cafe"``, ``"members"``…).

        The web layer defines, next to the page that uses it, the neutral Protocol a service
        of that name follows (``bot/core/dashboard.py`` for the core pages); one provider
        per name."""
        if name in self._services:
            raise ValueError(f"two cogs provide the web service {name!r}")
        self._services[name] = service

    def service(self, name: str, kind: type[T] | None = None) -> T | None:
        """The service provided under ``name`` (None when its cog is not enabled)."""
        found = self._services.get(name)
        if found is not None and kind is not None and not isinstance(found, kind):
            raise TypeError(f"web service {name!r} is not a {kind.__name__}")
        return found

    def services(self, prefix: str) -> dict[str, Any]:
        """Every service whose name starts with ``prefix`` (``"overview:"``), by name."""
        return {k: v for k, v in sorted(self._services.items()) if k.startswith(prefix)}

    def url(self, path: str) -> str:
        """The public address of ``path`` (``/feeds/….ics``): ``[web] base_url`` + path."""
        base = self.settings.base_url or self.listening or self.settings.public_url
        return base.rstrip("/") + "/" + path.lstrip("/")
