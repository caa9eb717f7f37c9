"""Dates and times as people type them, French and English, day before month — one grammar for
every date option (a café's date, a poll's closing time…).

Understood: ``4 mars 2027 10h``, ``jeudi 4 mars à 10h``, ``le 4/3 à 10 h``, ``4/3/2027 10:00``,
``demain 18h``, ``aujourd'hui 14h30``, ``après-demain 9h``, ``March 4 10am``,
``4 March 2027 10:30``, ``tomorrow 6pm``, ``next thursday 10am``, ``jeudi prochain 10h``,
``1er mars``/``March 1st``, ISO ``2027-03-04 10:00``; with ``loose`` also a bare weekday
(``jeudi 18h``: the coming one, today if the hour is still ahead) or a bare time (``18:00``: the
next one). ``next thursday``/``jeudi prochain`` is the coming Thursday, never today.

Rules: a year left out means the next time that date comes; a weekday that contradicts the date
is refused and the right one named; "31 février" gets its own message; a wall time skipped or
repeated by a daylight-saving change is refused with the choices (``bot.core.when_dst``) — a
repeated one is accepted with ``été``/``hiver`` (``summer``/``winter``, ``CEST``/``CET``) or an
offset (``+02:00``).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.core import when_words as w
from bot.core.errors import UserError
from bot.core.i18n import N_, Deferred, Translator
from bot.core.text import fold
from bot.core.when_dst import resolve_wall_time

# Shown in the reader's language and typography (no « » in English).
EXAMPLES = Deferred(lambda t: t(N_("« 4 mars 2027 10h », « jeudi 4 mars à 10h », « demain 18h »")))


class NotADate(UserError):
    """Nothing in the text reads as a date: a caller may try another grammar (a recurring
    schedule) before showing this message."""


@dataclass(frozen=True, slots=True)
class Moment:
    """A wall time in a zone. ``local`` is naive; its ``fold`` is 1 for the second pass of a
    repeated hour (the zone's standard time)."""

    local: datetime
    zone: ZoneInfo

    @property
    def aware(self) -> datetime:
        return self.local.replace(tzinfo=self.zone)


@dataclass(slots=True)
class _Parts:
    year: int | None = None
    month: int | None = None
    day: int | None = None
    weekday: int | None = None
    relative: int | None = None
    next: bool = False
    clock: time | None = None
    offset: timedelta | None = None
    side: str | None = None  # "summer" | "winter"
    unknown: str | None = None

    @property
    def dated(self) -> bool:
        return self.month is not None or self.relative is not None


def _bad(text: str, word: str | None = None) -> UserError:
    if word:
        return UserError(
            "Je ne comprends pas « {word} » dans la date « {value} ». Exemples : {examples}.",
            word=word[:30],
            value=text[:60],
            examples=EXAMPLES,
        )
    return NotADate(
        "Je ne comprends pas cette date : « {value} ». Exemples : {examples}.",
        value=text[:60],
        examples=EXAMPLES,
    )


def _clock(match: tuple[str | None, ...], token: str) -> time | None:
    hour_s, minute_s, suffix = match[0], match[1], match[2]
    if minute_s is None and suffix is None and "h" not in token:
        return None  # a bare number is a day or a year, not a time
    hour, minute = int(hour_s or 0), int(minute_s or 0)
    if suffix and suffix[0] == "p" and hour < 12:
        hour += 12
    elif suffix and suffix[0] == "a" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59 or (suffix and not 1 <= int(hour_s or 0) <= 12):
        raise UserError(
            "L'heure « {value} » n'existe pas : de 0h00 à 23h59, ou 1am à 12pm.", value=token
        )
    return time(hour, minute)


def _offset(sign: str, hours: str, minutes: str | None) -> timedelta:
    delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
    return -delta if sign == "-" else delta


def _read(text: str) -> _Parts:
    folded = fold(text.replace("’", "'"))
    for pattern, repl in w.REWRITES:
        folded = pattern.sub(repl, folded)
    p = _Parts()
    for token in folded.split():
        if m := w.ISO_DATE.match(token):
            p.year, p.month, p.day = int(m[1]), int(m[2]), int(m[3])
        elif m := w.SLASH_DATE.match(token):
            p.day, p.month = int(m[1]), int(m[2])
            if m[3]:
                p.year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
        elif (m := w.CLOCK.match(token)) and (clock := _clock(m.groups()[:3], token)):
            p.clock = clock
            if m[4]:
                p.offset = _offset(m[4], m[5], m[6])
            elif m[7]:
                p.offset = timedelta(0)
        elif m := w.OFFSET.match(token):
            p.offset = _offset(m[1], m[2], m[3])
        elif w.NUMBER.match(token):
            number = int(token)
            if len(token) == 4:
                p.year = number
            elif p.day is None:
                p.day = number
            else:
                p.unknown = p.unknown or token
        elif token in w.MONTHS:
            p.month = w.MONTHS[token]
        elif token in w.WEEKDAYS:
            p.weekday = w.WEEKDAYS[token]
        elif token in w.RELATIVE_DAYS:
            p.relative = w.RELATIVE_DAYS[token]
        elif token in w.NAMED_TIMES:
            p.clock = time(*w.NAMED_TIMES[token])
        elif token in w.NEXT_WORDS:
            p.next = True
        elif token in w.SUMMER_WORDS or token in w.WINTER_WORDS:
            p.side = "summer" if token in w.SUMMER_WORDS else "winter"
        elif token not in w.FILLERS:
            p.unknown = p.unknown or token
    return p


def weekday_name(index: int) -> Deferred:
    return Deferred(lambda t: t(w.WEEKDAY_NAMES[index]))


def month_name(index: int) -> Deferred:
    return Deferred(lambda t: t(w.MONTH_NAMES[index - 1]))


def day_text(day: date) -> Deferred:
    """``4 mars 2027`` / ``4 March 2027``."""
    return Deferred(lambda t: format_date(day, "d MMMM y", locale=t.locale))


def _check_day(text: str, year: int, month: int, day: int) -> date:
    if not 1 <= month <= 12:
        raise UserError(
            "Le mois {month} n'existe pas dans « {value} » : le jour vient avant le mois, "
            "par exemple « 4/3 » pour le 4 mars.",
            month=month,
            value=text[:60],
        )
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise UserError(
            "{month} n'a que {days} jours en {year} : « {value} » n'existe pas. Choisissez un "
            "jour entre 1 et {days}.",
            month=month_name(month),
            days=last,
            year=year,
            value=text[:60],
        )
    return date(year, month, day)


def _day(text: str, p: _Parts, today: date, clock: time, now_local: datetime) -> date:
    """The calendar day the parts name (the next one when the year is left out)."""
    if p.month is not None:
        if p.day is None:
            raise _bad(text)
        if p.year is not None:
            return _check_day(text, p.year, p.month, p.day)
        year = today.year
        if (p.month, p.day, clock) <= (today.month, today.day, now_local.time()):
            year += 1
        if p.month == 2 and p.day == 29 and not calendar.isleap(year):
            _check_day(text, year, 2, 29)  # says "février n'a que 28 jours en <year>"
        return _check_day(text, year, p.month, p.day)
    if p.relative is not None:
        return today + timedelta(days=p.relative)
    if p.day is not None:  # "le 15 à 10h": the next 15th
        day = p.day
        if not 1 <= day <= 31:
            _check_day(text, today.year, today.month, day)  # says which days this month has
        year, month = today.year, today.month
        for _ in range(13):
            if day <= calendar.monthrange(year, month)[1]:
                candidate = date(year, month, day)
                if datetime.combine(candidate, clock) > now_local:
                    return candidate
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return _check_day(text, year, month, day)
    if p.weekday is None:  # a year alone ("2027 10h")
        raise _bad(text)
    ahead = (p.weekday - today.weekday()) % 7
    if ahead == 0 and (p.next or clock <= now_local.time()):
        ahead = 7
    return today + timedelta(days=ahead)


def parse_when(
    text: str,
    now: datetime,
    zone: ZoneInfo,
    *,
    default_time: time | None = None,
    loose: bool = True,
    past_ok: bool = False,
) -> Moment:
    """Read ``text`` as one moment in ``zone``; ``now`` is aware.

    ``default_time`` fills a date typed without a time (else the time is asked for);
    ``loose`` accepts a bare weekday or a bare time. Raises ``NotADate`` when nothing reads
    as a date, another ``UserError`` (translated, with what to type) when it is wrong.
    """
    raw = text.strip()
    p = _read(raw)
    has_day = p.dated or p.day is not None or p.year is not None
    has_weekday_date = p.weekday is not None and (p.next or loose)
    if not (has_day or has_weekday_date or (loose and p.clock is not None)):
        raise _bad(raw)
    if p.unknown is not None:
        # Only a month, a numeric date or a word like "demain" make it surely a date.
        raise _bad(raw, p.unknown) if p.dated or p.next else _bad(raw)
    now_local = now.astimezone(zone).replace(tzinfo=None)
    clock = p.clock or default_time
    if clock is None:
        raise UserError(
            "Il manque l'heure dans « {value} ». Ajoutez-la, par exemple « {value} 10h ».",
            value=raw[:60],
        )
    today = now_local.date()
    if has_day or p.weekday is not None:
        day = _day(raw, p, today, clock, now_local)
    else:  # a bare time: the next one
        day = today if clock > now_local.time() else today + timedelta(days=1)
    if p.weekday is not None and day.weekday() != p.weekday:
        raise UserError(
            "Le {day} est un {weekday}, pas un {typed} : corrigez le jour ou la date.",
            day=day_text(day),
            weekday=weekday_name(day.weekday()),
            typed=weekday_name(p.weekday),
        )
    local = resolve_wall_time(datetime.combine(day, clock), zone, p.offset, p.side, raw)
    moment = Moment(local, zone)
    if not past_ok and moment.aware <= now:
        raise UserError(
            "Cette date est déjà passée : « {value} » ({when}). Donnez une date à venir, "
            "par exemple « demain 18h ».",
            value=raw[:60],
            when=Deferred(lambda t: _full(t, moment)),
        )
    return moment


def _full(t: Translator, moment: Moment) -> str:
    return t.datetime(moment.aware, moment.zone, now=datetime(1970, 1, 1, tzinfo=UTC))
