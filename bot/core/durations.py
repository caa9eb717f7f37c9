"""Durations as people type them: ``30m``, ``1h30``, ``2d``, ``24h,15m``."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.core.errors import UserError

_PART = re.compile(r"(\d+(?:[.,]\d+)?)\s*(j|d|h|m|min|s|sem|w)?", re.IGNORECASE)
_UNITS = {
    "w": 604800,
    "sem": 604800,
    "j": 86400,
    "d": 86400,
    "h": 3600,
    "m": 60,
    "min": 60,
    "s": 1,
}


def parse_duration(text: str) -> timedelta:
    """Parse ``1h30``, ``90m``, ``2d``, ``45s``, ``1j`` (a bare number means minutes)."""
    raw = text.strip().lower().replace(" ", "")
    if not raw:
        raise UserError("Durée vide. Exemples : 30m, 1h30, 2d.")
    pos, total, last_unit = 0, 0.0, None
    while pos < len(raw):
        match = _PART.match(raw, pos)
        if not match or match.end() == pos:
            raise UserError(
                "Durée illisible : « {value} ». Exemples : 30m, 1h30, 2d.", value=text[:40]
            )
        number = float(match.group(1).replace(",", "."))
        unit = match.group(2)
        if unit is None:
            # "1h30": a trailing bare number after hours means minutes.
            unit = "m" if last_unit in (None, "h") else None
            if unit is None:
                raise UserError(
                    "Durée illisible : « {value} ». Exemples : 30m, 1h30, 2d.", value=text[:40]
                )
        total += number * _UNITS[unit]
        last_unit = unit
        pos = match.end()
    if total <= 0:
        raise UserError("La durée doit être positive. Exemples : 30m, 1h30, 2d.")
    return timedelta(seconds=total)


def parse_offsets(text: str) -> list[timedelta]:
    """``24h,15m`` → two offsets, largest first, without duplicates."""
    parts = [p for p in re.split(r"[,;|\s]+", text.strip()) if p]
    if not parts:
        raise UserError("Aucun délai donné. Exemple : 24h,15m.")
    return sorted({parse_duration(p) for p in parts}, reverse=True)


def format_duration_short(delta: timedelta) -> str:
    """``1d``, ``24h``, ``15m``, ``1h30m`` — the form config and commands accept."""
    seconds = int(delta.total_seconds())
    if seconds % 86400 == 0:
        return f"{seconds // 86400}d"
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    if seconds % 60 == 0 and seconds < 3600:
        return f"{seconds // 60}m"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "")
    return text + (f"{secs}s" if secs else "")
