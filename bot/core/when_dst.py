"""Wall times on daylight-saving nights: one that does not exist (the spring hour skipped) or
exists twice (the autumn hour repeated) is never silently moved — the person is told, with the
choices to type.

For recurring schedules the rule is RFC 5545's (and Google Calendar's): an occurrence in a
skipped hour is shifted by the gap (02:30 → 03:30), one in a repeated hour is the first pass
(summer time). ``wall_time_kind`` lets callers say so.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.core.errors import UserError
from bot.core.i18n import Deferred


class WallTime(StrEnum):
    NORMAL = "normal"
    GAP = "gap"  # skipped: does not exist
    FOLD = "fold"  # repeated: exists twice


def wall_time_kind(local: datetime, zone: ZoneInfo) -> WallTime:
    """Whether the naive wall time ``local`` exists once, never or twice in ``zone``."""
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return WallTime.NORMAL
    back = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None, fold=0)
    return WallTime.FOLD if back == local.replace(fold=0) else WallTime.GAP


def _utc_label(offset: timedelta | None) -> str:
    minutes = int((offset or timedelta(0)).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{mins:02d}" if mins else "")


def _typed(offset: timedelta | None) -> str:
    minutes = int((offset or timedelta(0)).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _clock(moment: datetime) -> Deferred:
    return Deferred(lambda t: t.clock(moment.hour, moment.minute))


def _day(local: datetime) -> Deferred:
    return Deferred(lambda t: t.date(local.replace(tzinfo=UTC), ZoneInfo("UTC")))


def _gap_error(local: datetime, zone: ZoneInfo) -> UserError:
    before = local.replace(tzinfo=zone, fold=0).utcoffset() or timedelta(0)
    after = local.replace(tzinfo=zone, fold=1).utcoffset() or timedelta(0)
    jump = abs(before - after)
    # The change happens between these two readings of ``local``: find its minute.
    instant = (local - after).replace(tzinfo=UTC)
    while instant.astimezone(zone).utcoffset() != after:
        instant += timedelta(minutes=1)
    jump_from = (instant + before).replace(tzinfo=None)
    jump_to = (instant + after).replace(tzinfo=None)
    earlier, later = local - jump, local + jump
    return UserError(
        "{time} n'existe pas le {day} à {zone} : cette nuit-là, les horloges passent de "
        "{from_} à {to} (changement d'heure). Choisissez {earlier} ou {later} (ou {to}), "
        "par exemple « {example} ».",
        time=_clock(local),
        day=_day(local),
        zone=str(zone),
        from_=_clock(jump_from),
        to=_clock(jump_to),
        earlier=_clock(earlier),
        later=_clock(later),
        example=f"{later:%d/%m/%Y %H:%M}",
    )


def _fold_error(local: datetime, zone: ZoneInfo) -> UserError:
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    summer, winter = (first, second) if first.dst() else (second, first)
    return UserError(
        "{time} arrive deux fois le {day} à {zone} (retour à l'heure d'hiver). Précisez "
        "laquelle : « {typed} été » pour l'heure d'été ({summer_utc}) ou « {typed} hiver » "
        "pour l'heure d'hiver ({winter_utc}) — ou le décalage, « {typed}{summer_offset} ».",
        time=_clock(local),
        day=_day(local),
        zone=str(zone),
        typed=f"{local:%d/%m/%Y %H:%M}",
        summer_utc=_utc_label(summer.utcoffset()),
        winter_utc=_utc_label(winter.utcoffset()),
        summer_offset=_typed(summer.utcoffset()),
    )


def _offset_error(local: datetime, zone: ZoneInfo, offset: timedelta) -> UserError:
    real = local.replace(tzinfo=zone).utcoffset()
    return UserError(
        "Le décalage {typed} ne correspond pas à {zone} le {day} (il y est {real}). Retirez-le "
        "ou corrigez l'heure.",
        typed=_utc_label(offset),
        zone=str(zone),
        day=_day(local),
        real=_utc_label(real),
    )


def resolve_wall_time(
    local: datetime, zone: ZoneInfo, offset: timedelta | None, side: str | None, text: str
) -> datetime:
    """``local`` (naive) checked against ``zone``; returns it with ``fold`` set for the
    chosen pass of a repeated hour. ``offset`` (``+02:00``) or ``side`` (``summer``/``winter``)
    choose that pass; a skipped time, or a repeated one without a choice, raises."""
    kind = wall_time_kind(local, zone)
    if kind is WallTime.GAP:
        raise _gap_error(local, zone)
    if offset is not None:
        for fold in (0, 1):
            if local.replace(tzinfo=zone, fold=fold).utcoffset() == offset:
                return local.replace(fold=fold)
        raise _offset_error(local, zone, offset)
    if kind is WallTime.NORMAL:
        return local.replace(fold=0)
    if side is None:
        raise _fold_error(local, zone)
    first_is_summer = bool(local.replace(tzinfo=zone, fold=0).dst())
    return local.replace(fold=0 if (side == "summer") == first_is_summer else 1)
