"""Schedules as people type them → an RFC 5545 RRULE evaluated in local wall time.

A series is stored as an RRULE body (``FREQ=MONTHLY;BYDAY=1TH``), a local start
(``2027-01-07T10:00``, naive: wall time) and an IANA zone. dateutil evaluates the rule on naive
local datetimes and each result gets the zone attached only afterwards, so "10:00 Europe/Paris"
stays 10:00 across daylight-saving changes.

Accepted forms:
- an RRULE: ``FREQ=MONTHLY;BYDAY=1TH;BYHOUR=10;BYMINUTE=0`` (``RRULE:`` prefix allowed; the time
  may also follow it: ``FREQ=WEEKLY;BYDAY=MO 18:00``);
- English: ``monthly first thursday 10:00``, ``every 2 weeks tuesday 18:30``,
  ``weekly monday 18:00``, ``every last friday 9am``, ``daily 09:00``;
- French: ``mensuel premier jeudi 10:00``, ``hebdomadaire lundi 18h``,
  ``toutes les 2 semaines mardi 18h30``, ``chaque dernier vendredi du mois 9h``;
- a day of the month: ``monthly on the 15th 10:00``, ``le 15 de chaque mois 10h``,
  ``tous les mois le 15 à 10h``, ``le dernier jour du mois 18h``, ``last day of the month 6pm``.
  A month without that day (the 31st in April, the 30th in February) is skipped, as Google
  Calendar and Sesh do (RFC 5545's rule); "the last day of the month" never skips;
- one date, as ``bot.core.when`` reads it: ``jeudi 4 mars à 10h``, ``demain 18h``,
  ``March 4 10am``, ``2027-03-04 10:00``, ``04/03/2027 10h``… (a bare ``jeudi 10h`` is weekly).

Daylight saving: a single date in a skipped or repeated hour is refused with the choices
(``bot.core.when_dst``). A recurring café whose wall time falls in one follows RFC 5545: in the
skipped hour it starts an hour later on the wall clock (02:30 → 03:30), in the repeated hour
it is the first one (summer time).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from bot.core import NotADate, UserError, parse_offsets, parse_when
from bot.core.text import fold

EXAMPLES = (
    "`monthly first thursday 10:00` · `mensuel premier jeudi 10:00` · "
    "`every 2 weeks tuesday 18:30` · `le 15 de chaque mois 10h` · `jeudi 4 mars à 10h` · "
    "`demain 18h` · `FREQ=MONTHLY;BYDAY=1TH;BYHOUR=10;BYMINUTE=0`"
)

_WEEKDAYS = {
    "MO": ("monday", "mon", "lundi", "lun", "lundis"),
    "TU": ("tuesday", "tue", "tues", "mardi", "mar", "mardis"),
    "WE": ("wednesday", "wed", "mercredi", "mer", "mercredis"),
    "TH": ("thursday", "thu", "thur", "thurs", "jeudi", "jeu", "jeudis"),
    "FR": ("friday", "fri", "vendredi", "ven", "vendredis"),
    "SA": ("saturday", "sat", "samedi", "sam", "samedis"),
    "SU": ("sunday", "sun", "dimanche", "dim", "dimanches"),
}
WEEKDAY_WORDS = {word: code for code, words in _WEEKDAYS.items() for word in words}
for _code, _words in _WEEKDAYS.items():
    for _w in list(_words):
        WEEKDAY_WORDS.setdefault(_w + "s", _code)

ORDINALS = {
    "first": 1, "1st": 1, "premier": 1, "premiere": 1, "1er": 1, "1re": 1, "1ere": 1,
    "second": 2, "2nd": 2, "deuxieme": 2, "2e": 2, "2eme": 2,
    "third": 3, "3rd": 3, "troisieme": 3, "3e": 3, "3eme": 3,
    "fourth": 4, "4th": 4, "quatrieme": 4, "4e": 4, "4eme": 4,
    "last": -1, "dernier": -1, "derniere": -1,
}  # fmt: skip

FREQ_WORDS = {
    "monthly": "MONTHLY", "mensuel": "MONTHLY", "mensuelle": "MONTHLY", "month": "MONTHLY",
    "months": "MONTHLY", "mois": "MONTHLY",
    "weekly": "WEEKLY", "hebdomadaire": "WEEKLY", "hebdo": "WEEKLY", "week": "WEEKLY",
    "weeks": "WEEKLY", "semaine": "WEEKLY", "semaines": "WEEKLY",
    "daily": "DAILY", "quotidien": "DAILY", "quotidienne": "DAILY", "day": "DAILY",
    "days": "DAILY", "jour": "DAILY", "jours": "DAILY",
}  # fmt: skip
FILLERS = frozenset(
    [
        "every",
        "each",
        "on",
        "the",
        "at",
        "of",
        "in",
        "a",
        "an",
        "chaque",
        "tous",
        "toutes",
        "tout",
        "les",
        "le",
        "la",
        "l",
        "du",
        "de",
        "des",
        "a",
        "au",
        "aux",
        "en",
        "et",
        "and",
    ]
)

_TIME = re.compile(r"^(\d{1,2})(?:(?::|h)(\d{2})?)?(am|pm)?$")
# "15", "15th", "1er": a day of the month when "le"/"the"/"on" comes before or it has a suffix.
_MONTH_DAY = re.compile(r"^(\d{1,2})(st|nd|rd|th|er|re|ere|e|eme)?$")
DAY_WORDS = frozenset(["day", "jour"])


@dataclass(frozen=True, slots=True)
class Schedule:
    """``rule`` is None for a single date."""

    rule: str | None
    start: datetime  # naive local wall time of the first occurrence (or DTSTART anchor)

    @property
    def single(self) -> bool:
        return self.rule is None

    def local_dates(self, after: datetime, count: int) -> list[datetime]:
        """Naive local datetimes strictly after the naive local ``after``."""
        if self.rule is None:
            return [self.start] if self.start > after else []
        rule = rrulestr(self.rule, dtstart=self.start)
        out: list[datetime] = []
        moment = after
        while len(out) < count:
            nxt = rule.after(moment)
            if nxt is None:
                break
            out.append(nxt)
            moment = nxt
        return out

    def dates(self, zone: ZoneInfo, after: datetime, count: int) -> list[datetime]:
        """The next ``count`` starts after the aware ``after``, as aware UTC datetimes."""
        local_after = after.astimezone(zone).replace(tzinfo=None)
        return [to_utc(d, zone) for d in self.local_dates(local_after, count)]


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """Attach the zone to a wall time. A time skipped by DST (02:30 on the spring change) is
    read with the offset before the change, i.e. one hour later on the wall clock."""
    return local.replace(tzinfo=zone).astimezone(UTC)


def _bad(text: str) -> UserError:
    return UserError(
        "Je ne comprends pas ce calendrier : « {schedule} ». Exemples : {examples}.",
        schedule=text[:80],
        examples=EXAMPLES,
    )


def parse_time(token: str) -> time | None:
    match = _TIME.match(token)
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    suffix = match.group(3)
    if suffix == "pm" and hour < 12:
        hour += 12
    elif suffix == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    if suffix is None and match.group(2) is None and "h" not in token:
        return None  # a bare number is an interval, not a time
    return time(hour, minute)


def parse_schedule(text: str, now_local: datetime, zone: ZoneInfo) -> Schedule:
    """Parse a schedule; ``now_local`` is the naive wall time now in ``zone``, the series'
    zone (a single date in a skipped or repeated hour there is refused with the choices)."""
    raw = text.strip()
    if not raw:
        raise _bad(text)
    folded = fold(raw)
    if "freq=" in folded:
        return _parse_rrule(raw, now_local)
    try:
        moment = parse_when(raw, now_local.replace(tzinfo=zone), zone, loose=False)
    except NotADate:
        return _parse_words(text, folded, now_local)
    return Schedule(None, moment.local)


def _parse_rrule(text: str, now_local: datetime) -> Schedule:
    body = re.sub(r"(?i)^\s*rrule:", "", text.strip())
    clock: time | None = None
    pieces = body.split()
    if len(pieces) == 2:
        clock = parse_time(fold(pieces[1]))
        if clock is None:
            raise _bad(text)
        body = pieces[0]
    elif len(pieces) != 1:
        raise _bad(text)
    fields = dict(part.split("=", 1) for part in body.upper().strip(";").split(";") if "=" in part)
    if clock is None:
        try:
            hour = int(fields.get("BYHOUR", ""))
            minute = int(fields.get("BYMINUTE", "0"))
            clock = time(hour, minute)
        except ValueError:
            raise UserError(
                "Il manque l'heure dans cette règle : « {schedule} ». Ajoutez BYHOUR et "
                "BYMINUTE, ou l'heure après la règle. Exemples : {examples}.",
                schedule=text[:80],
                examples=EXAMPLES,
            ) from None
    fields.pop("BYHOUR", None)
    fields.pop("BYMINUTE", None)
    fields.pop("BYSECOND", None)
    if "DTSTART" in fields:
        raise _bad(text)
    rule = ";".join(f"{k}={v}" for k, v in fields.items())
    return _finish(text, rule, clock, now_local)


def _finish(text: str, rule: str, clock: time, now_local: datetime) -> Schedule:
    # Anchor at today's date (local): "every 2 weeks" counts from the week it was created.
    start = datetime.combine(now_local.date(), clock)
    schedule = Schedule(rule, start)
    try:
        upcoming = schedule.local_dates(now_local, 1)
    except (ValueError, TypeError, KeyError):
        raise _bad(text) from None
    if not upcoming:
        raise UserError(
            "Ce calendrier n'a plus aucune date à venir : « {schedule} ».", schedule=text[:80]
        )
    return schedule


def _parse_words(text: str, folded: str, now_local: datetime) -> Schedule:
    tokens = re.findall(r"[a-z0-9:]+", folded.replace("'", " "))
    freq: str | None = None
    interval = 1
    ordinal: int | None = None
    month_day: int | None = None
    days: list[str] = []
    clock: time | None = None
    pending_number: int | None = None
    skip = False
    for index, token in enumerate(tokens):
        before = tokens[index - 1] if index else ""
        after = tokens[index + 1] if index + 1 < len(tokens) else ""
        moment = parse_time(token)
        day_number = _MONTH_DAY.match(token)
        if skip:
            skip = False
        elif after in DAY_WORDS and (token in ORDINALS or day_number):
            # "le dernier jour du mois", "the 1st day of the month"
            month_day = ORDINALS[token] if token in ORDINALS else int(re.sub(r"\D", "", token))
            skip = True
        elif (
            day_number
            and after not in WEEKDAY_WORDS
            and (before in ("le", "the", "on") or day_number[2])
        ):
            month_day = int(day_number[1])
        elif moment is not None:
            if clock is not None:
                raise _bad(text)
            clock = moment
        elif token.isdigit():
            pending_number = int(token)
        elif token in FREQ_WORDS:
            if pending_number is not None:
                interval, pending_number = pending_number, None
            freq = freq or FREQ_WORDS[token]
            if freq != FREQ_WORDS[token] and token not in ("mois", "month"):
                raise _bad(text)
        elif token in ("biweekly", "fortnightly", "bihebdomadaire", "quinzaine"):
            freq, interval = "WEEKLY", 2
        elif token in ORDINALS:
            ordinal = ORDINALS[token]
        elif token in WEEKDAY_WORDS:
            if WEEKDAY_WORDS[token] not in days:
                days.append(WEEKDAY_WORDS[token])
        elif token in FILLERS:
            continue
        else:
            raise _bad(text)
    if pending_number is not None or clock is None or not 1 <= interval <= 52:
        raise _bad(text)
    if month_day is not None:
        return _monthly_on_day(
            text, month_day, freq, interval, bool(days) or ordinal is not None, clock, now_local
        )
    if freq is None:
        if not days:
            raise _bad(text)
        freq = "MONTHLY" if ordinal is not None else "WEEKLY"
    parts = [f"FREQ={freq}"]
    if interval > 1:
        parts.append(f"INTERVAL={interval}")
    if freq == "MONTHLY":
        if not days:
            if ordinal is None:
                raise _bad(text)
            days = ["MO", "TU", "WE", "TH", "FR"]
            parts.append("BYDAY=" + ",".join(days))
            parts.append(f"BYSETPOS={ordinal}")
        else:
            prefix = str(ordinal) if ordinal is not None else "1"
            parts.append("BYDAY=" + ",".join(prefix + d for d in days))
    elif ordinal is not None:
        raise _bad(text)
    elif days:
        parts.append("BYDAY=" + ",".join(days))
    return _finish(text, ";".join(parts), clock, now_local)


def _monthly_on_day(
    text: str,
    day: int,
    freq: str | None,
    interval: int,
    weekday_too: bool,
    clock: time,
    now_local: datetime,
) -> Schedule:
    if weekday_too or freq not in (None, "MONTHLY") or not (1 <= day <= 31 or day == -1):
        raise UserError(
            "Un café mensuel a lieu soit un jour du mois (« le 15 de chaque mois 10h »), soit "
            "un jour de la semaine (« premier jeudi du mois 10h ») : « {schedule} » mélange "
            "les deux ou donne un jour qui n'existe pas.",
            schedule=text[:80],
        )
    parts = ["FREQ=MONTHLY"] + ([f"INTERVAL={interval}"] if interval > 1 else [])
    return _finish(text, ";".join([*parts, f"BYMONTHDAY={day}"]), clock, now_local)


def month_day(rule: str | None) -> int | None:
    """The day of the month a rule names (``BYMONTHDAY=31`` → 31, the last day → -1)."""
    match = re.search(r"BYMONTHDAY=(-?\d+)(?:;|$)", rule or "")
    return int(match[1]) if match else None


# Reminder offsets: a handful, each a sensible lead time. More (or longer) would let one
# member queue an unbounded number of outbox rows, or a DM months ahead nobody expects.
MAX_REMINDERS = 5
MIN_REMINDER = 60  # seconds: 1 minute
MAX_REMINDER = 30 * 86400  # seconds: 30 days


def reminder_offsets(text: str) -> list[int]:
    """``24h,15m`` → seconds, largest first; at most 5 offsets, each 1 minute … 30 days.
    Raises a UserError (nothing is stored) otherwise."""
    try:
        offsets = [int(o.total_seconds()) for o in parse_offsets(text)]
    except OverflowError:  # "99999999999999d": beyond what a timedelta holds
        offsets = [MAX_REMINDER + 1]
    if len(offsets) > MAX_REMINDERS:
        raise UserError(
            "Au plus {max} rappels par café (vous en donnez {count}). Exemple : 24h,15m.",
            max=MAX_REMINDERS,
            count=len(offsets),
        )
    if any(not MIN_REMINDER <= o <= MAX_REMINDER for o in offsets):
        raise UserError(
            "Chaque rappel doit arriver entre 1 minute et 30 jours avant le café "
            "(reçu : « {value} »). Exemple : 24h,15m.",
            value=text.strip()[:40],
        )
    return offsets


def bounded_offsets(seconds: list[int] | tuple[int, ...]) -> list[int]:
    """Offsets from elsewhere (the onboarding profile) brought within the same bounds: out of
    range ones dropped, the largest 5 kept."""
    kept = sorted({s for s in seconds if MIN_REMINDER <= s <= MAX_REMINDER}, reverse=True)
    return kept[:MAX_REMINDERS]


def describe_offsets(seconds: list[int]) -> str:
    from bot.core import format_duration_short

    return ",".join(format_duration_short(timedelta(seconds=s)) for s in seconds)
