"""Café domain: statuses, the views renderers read, and pure rules (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.core import UserError
from cogs.cafe.models import CafeOccurrence, CafeSeries
from cogs.cafe.schedule import reminder_offsets


class RegistrationStatus(StrEnum):
    """A member's place at an occurrence (``cafe_registration.status``)."""

    REGISTERED = "registered"
    WAITLISTED = "waitlisted"  # in order of ``created_at``
    WALKIN = "walkin"  # checked in without a seat


class OccurrenceStatus(StrEnum):
    """``cafe_occurrence.status``."""

    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Change(StrEnum):
    """What a notice DM tells a member (the ``change`` of its payload)."""

    EDITED = "edited"
    MOVED = "moved"
    CANCELLED = "cancelled"
    PROMOTED = "promoted"


REGISTERED = RegistrationStatus.REGISTERED
WAITLISTED = RegistrationStatus.WAITLISTED
WALKIN = RegistrationStatus.WALKIN
SCHEDULED = OccurrenceStatus.SCHEDULED
CANCELLED = OccurrenceStatus.CANCELLED

#: The answer to ``cafe reminders``: offsets in seconds, ``None`` (off) or ``"default"``.
Preference = list[int] | str | None


@dataclass(slots=True)
class Occurrence:
    """An occurrence with its series' values filled in (what renderers need)."""

    row: CafeOccurrence
    series: CafeSeries
    registered: int = 0
    waitlisted: int = 0
    attended: int = 0
    my_status: RegistrationStatus | None = None
    my_position: int | None = None
    confirmed: int = 0  # registered members who answered "Toujours là ?" with yes
    my_confirmed: bool = False

    @property
    def id(self) -> int:
        assert self.row.id is not None
        return self.row.id

    @property
    def title(self) -> str:
        return self.series.title

    @property
    def starts_at(self) -> datetime:
        return self.row.starts_at

    @property
    def ends_at(self) -> datetime:
        return self.row.starts_at + timedelta(minutes=self.row.duration_minutes)

    @property
    def link(self) -> str:
        return self.row.link if self.row.link is not None else self.series.link

    @property
    def capacity(self) -> int | None:
        return self.row.capacity if self.row.capacity is not None else self.series.capacity

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.series.timezone)

    @property
    def cancelled(self) -> bool:
        return self.row.status == CANCELLED

    @property
    def full(self) -> bool:
        return self.capacity is not None and self.registered >= self.capacity


class CheckInClosed(UserError):
    """Outside every check-in window; the cog words it with the next start in the reader's
    zone."""

    def __init__(self, next_start: datetime | None) -> None:
        super().__init__("Aucun café n'est en cours : le pointage est fermé.")
        self.next_start = next_start


@dataclass(slots=True)
class JoinResult:
    occurrence: Occurrence
    status: RegistrationStatus
    position: int | None = None
    already: bool = False


@dataclass(slots=True)
class CheckIn:
    occurrence: Occurrence
    already: bool
    seated: bool = False  # was waitlisted, took a free seat while checking in


@dataclass(slots=True)
class Created:
    series: CafeSeries
    dates: list[datetime]
    first: Occurrence | None


@dataclass(slots=True)
class OccurrenceStats:
    occurrence: Occurrence
    registered: int
    waitlisted: int
    attended: int
    walkins: int

    @property
    def no_show_rate(self) -> float | None:
        if not self.registered:
            return None
        return (self.registered - self.attended) / self.registered


@dataclass(slots=True)
class Who:
    occurrence: Occurrence
    registered: list[tuple[int, bool]] = field(default_factory=list)  # member, checked in
    waitlisted: list[int] = field(default_factory=list)
    walkins: list[int] = field(default_factory=list)
    confirmed: set[int] = field(default_factory=set)  # registered members who confirmed
    names: dict[int, str] = field(default_factory=dict)  # display names; forgotten: absent

    @property
    def member_ids(self) -> list[int]:
        return [m for m, _ in self.registered] + self.waitlisted + self.walkins


# --- pure rules -------------------------------------------------------------------------------


def offsets_text_to_seconds(text: str) -> list[int]:
    return reminder_offsets(text)


def parse_preference(text: str) -> Preference:
    """A member's ``cafe reminders`` value: offsets, ``None`` (off) or ``"default"``."""
    word = text.strip().lower()
    if word in ("off", "non", "aucun", "none", "0"):
        return None
    if word in ("default", "défaut", "defaut"):
        return "default"
    return offsets_text_to_seconds(text)


def seconds_csv(values: list[int]) -> str:
    return ",".join(str(v) for v in values)


def csv_seconds(text: str) -> list[int]:
    return [int(v) for v in text.split(",") if v.strip()]


def check_capacity(capacity: int | None) -> None:
    if capacity is not None and capacity < 1:
        raise UserError(
            "La capacité doit être d'au moins 1 place (ou laissez-la vide : illimitée)."
        )


def check_link(link: str) -> str:
    """The video link, stripped; it must be a web address (or empty)."""
    link = link.strip()
    if link and not link.startswith(("https://", "http://")):
        raise UserError(
            "Le lien de visio doit commencer par https:// (reçu : « {link} »).",
            link=link[:60],
        )
    return link


def nothing_to_change() -> UserError:
    return UserError(
        "Rien à modifier : donnez au moins une option (topic, when, link, capacity…)."
    )
