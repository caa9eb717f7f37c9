"""What the cafés, polls and resources cogs show on the web dashboard, in neutral terms.

(The core pages' types — overview cards, my page, the directory — are in ``dashboard_data``.)

A cog offers one of these services with ``core.web.provide(NAME, service)`` at setup; the web
layer asks ``core.web.service(NAME)`` and renders pages from the dataclasses below. Nothing
here knows HTTP, and the web layer never reads a cog's tables. Bad input (an unknown id, a
tag that does not exist) raises ``bot.core.UserError``: the page shows it translated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from bot.core.i18n import Translator

CAFES = "dashboard.cafes"
POLLS = "dashboard.polls"
RESOURCES = "dashboard.resources"

ExportFormat = Literal["csv", "json"]


@dataclass(frozen=True, slots=True)
class Download:
    """A file to hand over as an attachment."""

    filename: str
    content_type: str
    body: bytes


@dataclass(frozen=True, slots=True)
class Picture:
    """A chart as a PNG, with the alt text that says what it shows (never just its title)."""

    png: bytes
    alt: str


# --- cafés ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CafeSeriesRow:
    id: int
    title: str
    recurring: bool
    timezone: str
    active: bool
    occurrences: int
    next_start: datetime | None


@dataclass(frozen=True, slots=True)
class CafeOccurrenceRow:
    """One meeting with its figures; ``present`` counts registered members who checked in,
    ``walkins`` those who came without registering. ``no_show_rate``: None without
    registrations or before it started."""

    id: int
    series_id: int
    title: str
    topic: str
    starts_at: datetime
    cancelled: bool
    started: bool
    capacity: int | None
    registered: int
    waitlisted: int
    present: int
    walkins: int

    @property
    def no_show_rate(self) -> float | None:
        if not self.started or not self.registered:
            return None
        return (self.registered - self.present) / self.registered


@dataclass(frozen=True, slots=True)
class CafeMonth:
    """Registrations against attendance (checked in, walk-ins included) in one month."""

    month: date
    registered: int
    present: int


@dataclass(frozen=True, slots=True)
class Registrant:
    name: str
    status: str  # registered | waitlisted | walkin
    checked_in: bool
    confirmed: bool


@dataclass(slots=True)
class OccurrencePage:
    items: list[CafeOccurrenceRow]
    page: int
    has_next: bool


class CafeDashboard(Protocol):
    async def series(self) -> list[CafeSeriesRow]: ...

    async def occurrences(self, page: int = 1) -> OccurrencePage:
        """Newest first: the coming ones, then the past."""
        ...

    async def occurrence(self, occurrence_id: int) -> CafeOccurrenceRow: ...

    async def registrants(self, occurrence_id: int) -> list[Registrant]:
        """Moderators only (the web layer checks): who registered, waits, came."""
        ...

    async def months(self, count: int = 12) -> list[CafeMonth]:
        """The last ``count`` months, oldest first, this month included."""
        ...

    def chart(self, months: list[CafeMonth], t: Translator) -> Picture: ...

    def month_label(self, month: date, t: Translator) -> str:
        """``janv. 2027`` / ``Jan 2027``."""
        ...

    def chart_alt(self, months: list[CafeMonth], t: Translator) -> str:
        """The chart's alt text alone (the page shows it without drawing the picture)."""
        ...

    async def export(self) -> Download:
        """Every occurrence with its figures (CSV)."""
        ...


# --- polls ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResultRow:
    """One line of a poll's data table: an answer and its figure (``value`` is already
    written for the reader: "12 (40 %)", "3,4 / 5", "17 points")."""

    label: str
    value: str


@dataclass(slots=True)
class PollSummary:
    """A poll as everyone may see its results now (anonymity and "hidden until closed" rules
    applied: then ``shown`` is False and ``note`` says why)."""

    id: int
    question: str
    kind: str
    anonymous: bool
    closed: bool
    created_at: datetime
    voters: int
    shown: bool
    note: str = ""
    rows: list[ResultRow] = field(default_factory=list)
    alt: str = ""  # the picture's alt text (empty while results are not shown)


class PollDashboard(Protocol):
    async def polls(self, t: Translator, limit: int = 50) -> list[PollSummary]: ...

    async def poll(self, poll_id: int, t: Translator) -> PollSummary: ...

    async def picture(self, poll_id: int, t: Translator) -> Picture | None:
        """None while the results are not shown."""
        ...

    async def export(self, poll_id: int, member_id: int, *, moderator: bool) -> Download:
        """The ballots as CSV, as ``poll export`` gives them to this member."""
        ...


# --- resources -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueuedResource:
    id: int
    title: str
    url: str
    summary: str
    author: str | None
    submitted_at: datetime
    tags: list[str]


@dataclass(frozen=True, slots=True)
class TagCount:
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class TagChangeDone:
    merged: bool
    old: str
    new: str
    resources: int
    duplicates: int


@dataclass(frozen=True, slots=True)
class EmptySearchRow:
    query: str
    count: int
    last_seen: datetime


class ResourceDashboard(Protocol):
    async def queue(self) -> list[QueuedResource]: ...

    async def approve(self, resource_id: int) -> str:
        """Publish it (its author is told); returns its title."""
        ...

    async def reject(self, resource_id: int) -> str:
        """Remove a waiting resource; returns its title."""
        ...

    async def tags(self) -> list[TagCount]: ...

    async def rename_tag(self, old: str, new: str) -> TagChangeDone: ...

    async def merge_tags(self, old: str, into: str) -> TagChangeDone: ...

    def describe(self, done: TagChangeDone, t: Translator) -> str:
        """What a rename or merge did, in the reader's words (as the chat says it)."""
        ...

    async def empty_searches(self, limit: int = 50) -> list[EmptySearchRow]: ...

    async def export(self, fmt: ExportFormat) -> Download: ...
