"""What cogs hand the dashboard's core pages, in neutral terms (no HTML, no HTTP).

A cog registers providers on ``core.web`` at ``setup(core)``:

- ``"overview:<cog>"`` → :class:`OverviewProvider`: one :class:`Card` on the overview;
- ``"me:<cog>"`` → :class:`MyPageProvider`: one :class:`Card` on a member's own page;
- ``"members"`` → :class:`MemberDirectory`: the opt-in directory and pending onboarding.

Labels are French msgids (translated per reader by the page, from the cog's catalogue);
data (titles, names) is shown as is and never translated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class Figure:
    """A number with its label. ``percent``: ``value`` is a ratio (0–1). ``of``: the value
    is also shown as a share of this total (a funnel step)."""

    label: str
    value: int | float
    percent: bool = False
    of: int | None = None


@dataclass(frozen=True, slots=True)
class Item:
    """A line of a card: ``text`` is data; ``label`` (a msgid) names it; ``note`` is a msgid
    with ``params`` after it (counts…)."""

    text: str
    label: str = ""
    when: datetime | None = None
    note: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    #: A dashboard path, or an http(s) link (a saved resource).
    href: str | None = None


@dataclass(frozen=True, slots=True)
class Card:
    """A box of the overview or of a member's page."""

    title: str
    order: int = 100
    figures: tuple[Figure, ...] = ()
    items: tuple[Item, ...] = ()
    #: Shown when there are no items (a msgid), e.g. "Aucun café à venir."
    empty: str = ""
    #: How to act on it in the chat (a msgid with ``hint_params``), e.g. the command.
    hint: str = ""
    hint_params: Mapping[str, Any] = field(default_factory=dict)
    #: A dashboard page with more (``/cafes``) and its label (a msgid).
    link: str | None = None
    link_label: str = ""


@runtime_checkable
class OverviewProvider(Protocol):
    async def overview_card(self, now: datetime) -> Card: ...


@runtime_checkable
class MyPageProvider(Protocol):
    async def my_card(self, member_id: int, now: datetime) -> Card: ...


#: Members per page of the directory.
DIRECTORY_PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    name: str
    organisation: str | None
    metier: str | None
    region: str | None
    interests: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DirectoryPage:
    entries: tuple[DirectoryEntry, ...]
    total: int
    #: The values the filters offer (from visible profiles only), as shown to members.
    regions: tuple[str, ...] = ()
    metiers: tuple[str, ...] = ()
    interests: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PendingEntry:
    member_id: int
    name: str
    #: The step they stopped at, as a msgid ("" when unknown).
    step: str
    since: datetime


@runtime_checkable
class MemberDirectory(Protocol):
    async def directory(
        self, *, region: str = "", metier: str = "", interest: str = "", page: int = 1
    ) -> DirectoryPage:
        """Visible members matching every filter given (empty: no filter), one page."""
        ...

    async def pending(self, *, limit: int = 100) -> tuple[int, list[PendingEntry]]:
        """Members still in their welcome flow: how many, and the longest idle first."""
        ...

    async def resend(self, member_id: int) -> str | None:
        """Send a pending member their current welcome step again; their name, or None when
        no such member exists (a ``UserError`` when it cannot be sent: left, finished)."""
        ...
