"""RFC 5545 calendars: one occurrence, or a whole series (RRULE + VTIMEZONE + overrides).

UIDs are stable (derived from the series id and the rule's local start), so importing the same
file again updates the event instead of duplicating it. The video link goes in only when the
reader is registered (the caller decides).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vRecur

from cogs.cafe.models import CafeOccurrence, CafeSeries

PRODID = "-//Passerelle//Cafe//FR"


def series_uid(series: CafeSeries) -> str:
    return f"cafe-series-{series.id}@passerelle"


def occurrence_uid(series: CafeSeries, occ: CafeOccurrence) -> str:
    stamp = occ.recurrence_id.replace("-", "").replace(":", "")
    return f"cafe-{series.id}-{stamp}@passerelle"


def _calendar(zone: ZoneInfo, first: date, last: date) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add_component(
        Timezone.from_tzinfo(
            zone,
            str(zone),
            first_date=first - timedelta(days=366),
            last_date=last + timedelta(days=366),
        )
    )
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
    zone = ZoneInfo(series.timezone)
    cal = _calendar(zone, occ.starts_at.date(), occ.starts_at.date())
    event = Event()
    event.add("uid", occurrence_uid(series, occ))
    _fill(event, series, occ, occ.starts_at, occ.duration_minutes, link, stamp)
    event.add("sequence", occ.revision)
    event.add("status", "CANCELLED" if occ.status == "cancelled" else "CONFIRMED")
    cal.add_component(event)
    return cal.to_ical()


def series_ics(
    series: CafeSeries, occurrences: list[CafeOccurrence], link: str | None, stamp: datetime
) -> bytes:
    """The rule as one recurring VEVENT; cancelled occurrences become EXDATEs and edited or
    moved ones get their own VEVENT with a RECURRENCE-ID."""
    zone = ZoneInfo(series.timezone)
    first_local = datetime.fromisoformat(series.local_start)
    last = max([o.starts_at.date() for o in occurrences] + [first_local.date()])
    cal = _calendar(zone, first_local.date(), last)
    if series.rule is None:
        for occ in occurrences:
            event = Event()
            event.add("uid", occurrence_uid(series, occ))
            _fill(event, series, occ, occ.starts_at, occ.duration_minutes, link, stamp)
            event.add("status", "CANCELLED" if occ.status == "cancelled" else "CONFIRMED")
            cal.add_component(event)
        return cal.to_ical()
    # Start the rule at its first materialised occurrence, so no date before it appears.
    first = min(
        (datetime.fromisoformat(o.recurrence_id) for o in occurrences), default=first_local
    )
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
    master.add("rrule", vRecur.from_ical(series.rule))
    for occ in occurrences:
        if occ.status == "cancelled":
            master.add("exdate", datetime.fromisoformat(occ.recurrence_id).replace(tzinfo=zone))
    cal.add_component(master)
    for occ in occurrences:
        if occ.status == "cancelled":
            continue
        if not (occ.moved or occ.topic or occ.description or occ.host or occ.revision):
            continue
        event = Event()
        event.add("uid", series_uid(series))
        event.add("recurrence-id", datetime.fromisoformat(occ.recurrence_id).replace(tzinfo=zone))
        event.add("sequence", occ.revision)
        _fill(event, series, occ, occ.starts_at, occ.duration_minutes, link, stamp)
        cal.add_component(event)
    return cal.to_ical()
