"""Neutral inbound events and the bus cogs listen on (cogs talk to each other only here)."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from bot.core.refs import MemberRef, RoomRef

log = logging.getLogger(__name__)


class Event:
    """Base class of every event on the bus."""


@dataclass(frozen=True, slots=True)
class MemberJoined(Event):
    """A member arrived (on Discord: once the rules screening is passed)."""

    member_id: int
    ref: MemberRef
    room: RoomRef | None = None


@dataclass(frozen=True, slots=True)
class MemberLeft(Event):
    member_id: int
    ref: MemberRef
    room: RoomRef | None = None


@dataclass(frozen=True, slots=True)
class MembersMerged(Event):
    """Two member ids became one (identity linking): cogs move their rows to ``kept``."""

    kept: int
    merged: int


E = TypeVar("E", bound=Event)
# Any arity: ``@listener`` decorates cog methods (self, event); the bus calls bound ones.
Listener = Callable[..., Awaitable[None]]


def listener(event_type: type[Event]) -> Callable[[Listener], Listener]:
    """Mark a cog method as a listener for ``event_type``."""

    def decorate(func: Listener) -> Listener:
        func.__passerelle_listens__ = event_type  # type: ignore[attr-defined]
        return func

    return decorate


class EventBus:
    def __init__(self) -> None:
        self._listeners: dict[type[Event], list[Listener]] = defaultdict(list)
        #: Awaited before each delivery (the core's: until every cog is loaded).
        self.gate: Callable[[], Awaitable[None]] | None = None

    def subscribe(self, event_type: type[E], handler: Callable[[E], Awaitable[None]]) -> None:
        self._listeners[event_type].append(handler)

    async def emit(self, event: Event) -> None:
        """Run every listener; one failing listener is logged and does not stop the others."""
        if self.gate is not None:
            await self.gate()
        handlers = [h for t, hs in self._listeners.items() if isinstance(event, t) for h in hs]
        results = await asyncio.gather(*(h(event) for h in handlers), return_exceptions=True)
        for handler, result in zip(handlers, results, strict=True):
            if isinstance(result, BaseException):
                log.error(
                    "Listener %s failed on %s",
                    getattr(handler, "__qualname__", handler),
                    type(event).__name__,
                    exc_info=result,
                )


@dataclass(frozen=True, slots=True)
class ReminderPreferenceChanged(Event):
    """A member chose their café reminder offsets (``None``: reminders off; ``()``: defaults).

    Emitted by onboarding's notifications step, stored by the café cog.
    """

    member_id: int
    offsets_seconds: tuple[int, ...] | None


@dataclass(frozen=True, slots=True)
class LinksShared(Event):
    """Someone posted a message with links in a room (not a command). Only the links travel:
    the rest of the message is never handed to cogs. ``member`` is the platform identity,
    not resolved: a cog that keeps a link resolves it (``core.members.resolve``), so people
    who merely chat get no member record. Emitted by ``Core.room_message``."""

    member: MemberRef
    room: RoomRef
    urls: tuple[str, ...]
