"""When the digest goes out: ``[cogs.digest] schedule``, read in the community's time zone.

Grammar (English or French words, case and accents ignored)::

    monthly first monday 09:00      mensuel premier lundi 9h
    monthly last friday 18:30       mensuel dernier vendredi 18h30
    monthly 1 09:00                 (the 1st of each month)
    weekly monday 09:00             hebdomadaire lundi 9h

Runs are computed with dateutil's rrule on the local wall time, then placed in the zone, so
"09:00 Europe/Paris" stays 09:00 across daylight-saving changes. Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import FR, MO, MONTHLY, SA, SU, TH, TU, WE, WEEKLY, rrule, weekday

from bot.core.text import fold

_WEEKDAYS: dict[str, weekday] = {}
for _names, _day in (
    (("monday", "lundi"), MO),
    (("tuesday", "mardi"), TU),
    (("wednesday", "mercredi"), WE),
    (("thursday", "jeudi"), TH),
    (("friday", "vendredi"), FR),
    (("saturday", "samedi"), SA),
    (("sunday", "dimanche"), SU),
):
    for _name in _names:
        _WEEKDAYS[_name] = _day

_NTH = {
    "first": 1, "premier": 1, "1st": 1, "1er": 1,
    "second": 2, "deuxieme": 2, "2nd": 2, "2e": 2,
    "third": 3, "troisieme": 3, "3rd": 3, "3e": 3,
    "fourth": 4, "quatrieme": 4, "4th": 4, "4e": 4,
    "last": -1, "dernier": -1,
}  # fmt: skip
_MONTHLY = {"monthly", "mensuel", "mensuelle"}
_WEEKLY = {"weekly", "hebdomadaire"}
_TIME = re.compile(r"^(\d{1,2})(?:[:h](\d{2})?)?$")

EXAMPLE = "monthly first monday 09:00"


class BadSchedule(ValueError):
    """The schedule cannot be read; the message says what is expected."""


@dataclass(frozen=True, slots=True)
class Schedule:
    text: str
    rule: str  # the rrule's parts, for messages and tests
    zone: ZoneInfo
    _rrule: rrule

    def _to_utc(self, local: datetime) -> datetime:
        # fold=0: a wall time repeated by a DST change runs at its first pass; one skipped
        # (02:30 in March) runs an hour later — never twice, never not at all.
        aware = local.replace(tzinfo=self.zone)
        return aware.astimezone(UTC)

    def next_after(self, moment: datetime) -> datetime:
        """The first run strictly after ``moment`` (UTC-aware in, UTC-aware out)."""
        local = moment.astimezone(self.zone).replace(tzinfo=None)
        while True:
            found = self._rrule.after(local)
            if found is None:  # cannot happen with an endless rule; keeps mypy honest
                raise BadSchedule(self.text)
            run = self._to_utc(found)
            if run > moment:
                return run
            local = found

    def latest_at(self, moment: datetime) -> datetime:
        """The last run at or before ``moment``."""
        local = moment.astimezone(self.zone).replace(tzinfo=None)
        while True:
            found = self._rrule.before(local, inc=True)
            if found is None:
                raise BadSchedule(self.text)
            run = self._to_utc(found)
            if run <= moment:
                return run
            local = found - timedelta(seconds=1)

    def edition_id(self, run: datetime) -> str:
        """An edition's name: the local date of its run (``2027-02-01``)."""
        return run.astimezone(self.zone).date().isoformat()


def parse_schedule(text: str, zone: ZoneInfo) -> Schedule:
    """``monthly first monday 09:00`` → a ``Schedule``; ``BadSchedule`` says what to write."""
    words = fold(text).replace(",", " ").split()
    if len(words) < 3:
        raise BadSchedule(_expected(text))
    freq_word, *middle, clock = words
    match = _TIME.match(clock)
    if match is None:
        raise BadSchedule(_expected(text, f"the time {clock!r} is not HH:MM"))
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        raise BadSchedule(_expected(text, f"the time {clock!r} is not HH:MM"))
    # A year before any run: rrule counts from dtstart, at the right wall time.
    start = datetime(2000, 1, 1, hour, minute)
    if freq_word in _WEEKLY and len(middle) == 1 and middle[0] in _WEEKDAYS:
        rule = rrule(WEEKLY, dtstart=start, byweekday=_WEEKDAYS[middle[0]])
        return Schedule(text, f"WEEKLY {middle[0]} {hour:02d}:{minute:02d}", zone, rule)
    if freq_word in _MONTHLY and len(middle) == 2 and middle[0] in _NTH:
        day = _WEEKDAYS.get(middle[1])
        if day is None:
            raise BadSchedule(_expected(text, f"{middle[1]!r} is not a weekday"))
        nth = _NTH[middle[0]]
        rule = rrule(MONTHLY, dtstart=start, byweekday=day(nth))
        return Schedule(text, f"MONTHLY {nth} {middle[1]} {hour:02d}:{minute:02d}", zone, rule)
    if freq_word in _MONTHLY and len(middle) == 1 and middle[0].isdigit():
        day_of_month = int(middle[0])
        if not 1 <= day_of_month <= 28:
            raise BadSchedule(
                _expected(text, "a day of the month must be 1 to 28 (every month has it)")
            )
        rule = rrule(MONTHLY, dtstart=start, bymonthday=day_of_month)
        return Schedule(text, f"MONTHLY day {day_of_month} {hour:02d}:{minute:02d}", zone, rule)
    raise BadSchedule(_expected(text))


def _expected(text: str, why: str | None = None) -> str:
    reason = f" ({why})" if why else ""
    return (
        f"cannot read the digest schedule {text!r}{reason}: write e.g. "
        f"{EXAMPLE!r}, 'monthly last friday 18:30', 'monthly 1 09:00' or 'weekly monday 09:00'"
    )
