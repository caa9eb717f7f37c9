"""RFC 5545 calendars: one occurrence, or a whole series (RRULE + VTIMEZONE + overrides).

One event, one UID, whichever file describes it: a recurring series is the VEVENT with UID
``cafe-series-{id}@passerelle`` and its RRULE; one of its occurrences — in the series file or in
the occurrence file — is that same UID with a RECURRENCE-ID (the rule's local wall time), so a
calendar that imports both files, in any order, keeps one series and overrides one instance
(RFC 5545 §3.8.4.4) instead of showing the café twice. A one-date café has no rule: both files
describe it with the occurrence UID and no RECURRENCE-ID. The VTIMEZONE covers the series from
its first occurrence to its last (UNTIL / COUNT), or ``HORIZON_YEARS`` ahead for an endless rule.
The video link goes in only when the reader is registered (the caller decides).
"""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from cogs.cafe.domain import CANCELLED
from cogs.cafe.models import CafeOccurrence, CafeSeries
from cogs.cafe.schedule import to_utc

if TYPE_CHECKING:
    # icalendar is imported when a file is written, not when the bot starts (footprint).
    from icalendar import Calendar, Event, Timezone, vRecur

PRODID = "-//Passerelle//Cafe//FR"
HORIZON_YEARS = 20  # an endless rule: time zone transitions this far past today
_MAX_WALK = 5000  # a COUNT above this is treated as endless (up to the horizon)
_MARGIN = timedelta(days=7)  # a moved occurrence may sit a little outside the rule's dates


def _ical(cal: Calendar) -> bytes:
    data: bytes = cal.to_ical()  # icalendar ships no type hints
    return data


def series_uid(series: CafeSeries) -> str:
    return f"cafe-series-{series.id}@passerelle"


def occurrence_uid(series: CafeSeries, occ: CafeOccurrence) -> str:
    assert series.id is not None
    return uid_of(series.id, occ.recurrence_id)


def uid_of(series_id: int, recurrence_id: str) -> str:
    """An occurrence's UID from its series and its stable recurrence id (the feeds, which
    read columns rather than rows, call this directly)."""
    stamp = recurrence_id.replace("-", "").replace(":", "")
    return f"cafe-{series_id}-{stamp}@passerelle"


def _recurrence_id(occ: CafeOccurrence, zone: ZoneInfo) -> datetime:
    return datetime.fromisoformat(occ.recurrence_id).replace(tzinfo=zone)


def rule_end(series: CafeSeries, first: datetime, stamp: datetime) -> date:
    """The last date the series' rule produces (naive local ``first`` is its start), capped
    at ``HORIZON_YEARS`` past ``stamp`` — which is also where an endless rule stops."""
    from icalendar import vRecur

    horizon = stamp.astimezone(ZoneInfo(series.timezone)).replace(tzinfo=None)
    horizon = horizon.replace(year=horizon.year + HORIZON_YEARS, month=1, day=1)
    if series.rule is None:
        return first.date()
    parts = vRecur.from_ical(series.rule)
    last = horizon
    if parts.get("UNTIL"):
        last = min(last, _until_local(parts["UNTIL"][0], ZoneInfo(series.timezone)))
    elif parts.get("COUNT") and int(parts["COUNT"][0]) <= _MAX_WALK:
        # Walk the dates only when there are few: COUNT comes from the moderator's input.
        last = first
        for moment in islice(rrulestr(series.rule, dtstart=first), int(parts["COUNT"][0])):
            if moment > horizon:
                last = horizon
                break
            last = moment
    return max(last.date(), first.date())


def _until_local(until: date | datetime, zone: ZoneInfo) -> datetime:
    """An RRULE UNTIL as naive wall time in the series' zone (the rule is evaluated so)."""
    if not isinstance(until, datetime):
        return datetime.combine(until, datetime.max.time())
    if until.tzinfo is not None:
        return until.astimezone(zone).replace(tzinfo=None)
    return until


def _ics_rule(rule: str, zone: ZoneInfo) -> vRecur:
    """The stored rule for a DTSTART with a TZID: RFC 5545 wants its UNTIL in UTC."""
    from icalendar import vRecur

    parts: vRecur = vRecur.from_ical(rule)
    if parts.get("UNTIL"):
        local = _until_local(parts["UNTIL"][0], zone).replace(microsecond=0)
        parts["UNTIL"] = [to_utc(local, zone)]
    return parts


@functools.lru_cache(maxsize=64)
def _timezone(zone: ZoneInfo, first_year: int, last_year: int) -> Timezone:
    """The VTIMEZONE block of ``zone`` over whole years: built once per zone and span, as
    every ``cafe join`` attaches a calendar (building it cost 8 % of a join's time). The
    component is only read when a calendar is written, so calendars may share it."""
    from icalendar import Timezone

    return Timezone.from_tzinfo(
        zone,
        str(zone),
        first_date=date(first_year, 1, 1) - _MARGIN,
        last_date=date(last_year, 12, 31) + _MARGIN,
    )


def _calendar(zone: ZoneInfo, first: date, last: date) -> Calendar:
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add_component(_timezone(zone, first.year, last.year))
    return cal


def _summary(series: CafeSeries, occ: CafeOccurrence | None) -> str:
    if occ is not None and occ.topic:
        return f"{series.title} — {occ.topic}"
    return series.title


def _fill(
    event: Event,
    series: CafeSeries,
    occ: CafeOccurrence | None,
    start: datetime,
    minutes: int,
    link: str | None,
    stamp: datetime,
) -> None:
    zone = ZoneInfo(series.timezone)
    event.add("summary", _summary(series, occ))
    event.add("dtstart", start.astimezone(zone))
    event.add("dtend", (start + timedelta(minutes=minutes)).astimezone(zone))
    event.add("dtstamp", stamp)
    lines = []
    if occ is not None and occ.description:
        lines.append(occ.description)
    if occ is not None and occ.host:
        lines.append(f"Animation : {occ.host}")
    if link:
        lines.append(link)
        event.add("url", link)
        event.add("location", link)
    if lines:
        event.add("description", "\n".join(lines))


def occurrence_ics(
    series: CafeSeries, occ: CafeOccurrence, link: str | None, stamp: datetime
) -> bytes:
    """One café. For a recurring series this is the series' own event (same UID) with the
    RECURRENCE-ID of this instance, so it merges with the series file rather than adding a
    second event."""
    from icalendar import Event

    zone = ZoneInfo(series.timezone)
    local = occ.starts_at.astimezone(zone).date()
    original = _recurrence_id(occ, zone).date()
    cal = _calendar(zone, min(local, original), max(local, original))
    event = Event()
    if series.rule is None:
        event.add("uid", occurrence_uid(series, occ))
    else:
        event.add("uid", series_uid(series))
        event.add("recurrence-id", _recurrence_id(occ, zone))
    _fill(event, series, occ, occ.starts_at, occ.duration_minutes, link, stamp)
    event.add("sequence", occ.revision)
    event.add("status", "CANCELLED" if occ.status == CANCELLED else "CONFIRMED")
    cal.add_component(event)
    return _ical(cal)


def series_ics(
    series: CafeSeries, occurrences: list[CafeOccurrence], link: str | None, stamp: datetime
) -> bytes:
    """The rule as one recurring VEVENT; cancelled occurrences become EXDATEs and edited or
    moved ones get their own VEVENT with a RECURRENCE-ID."""
    from icalendar import Event

    zone = ZoneInfo(series.timezone)
    # The wall time (an offset is stored only for the second pass of a repeated hour).
    first_local = datetime.fromisoformat(series.local_start).replace(tzinfo=None)
    # Start the rule at its first materialised occurrence, so no date before it appears.
    first = min(
        (datetime.fromisoformat(o.recurrence_id) for o in occurrences), default=first_local
    )
    starts = [o.starts_at.astimezone(zone).date() for o in occurrences]
    cal = _calendar(
        zone,
        min([first.date(), *starts]),
        max([rule_end(series, first, stamp), *starts]),
    )
    if series.rule is None:
        for occ in occurrences:
            event = Event()
            event.add("uid", occurrence_uid(series, occ))
            _fill(event, series, occ, occ.starts_at, occ.duration_minutes, link, stamp)
            event.add("status", "CANCELLED" if occ.status == CANCELLED else "CONFIRMED")
            cal.add_component(event)
        return _ical(cal)
    master = Event()
    master.add("uid", series_uid(series))
    _fill(
        master,
        series,
        None,
        first.replace(tzinfo=zone),
        series.duration_minutes,
        link,
        stamp,
    )
    master.add("rrule", _ics_rule(series.rule, zone))
    for occ in occurrences:
        if occ.status == "cancelled":
            master.add("exdate", _recurrence_id(occ, zone))
    cal.add_component(master)
    for occ in occurrences:
        if occ.status == "cancelled":
            continue
        if not (occ.moved or occ.topic or occ.description or occ.host or occ.revision):
            continue
        event = Event()
        event.add("uid", series_uid(series))
        event.add("recurrence-id", _recurrence_id(occ, zone))
        event.add("sequence", occ.revision)
        _fill(event, series, occ, occ.starts_at, occ.duration_minutes, link, stamp)
        cal.add_component(event)
    return _ical(cal)
