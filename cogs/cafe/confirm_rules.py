"""The rules of ``confirm:`` and ``release_before:`` (cafe create / edit, ``[cogs.cafe]``):
pure, without the café's tables, since the settings check at every start reads them."""

from __future__ import annotations

from bot.core import UserError
from bot.core.durations import parse_duration

#: ``confirm:`` and ``release_before:`` bounds (seconds).
MIN_BEFORE, MAX_BEFORE = 5 * 60, 30 * 86400
OFF_WORDS = ("off", "non", "no", "aucun", "none", "0", "false")


def _bounded(text: str, option: str) -> int:
    seconds = int(parse_duration(text).total_seconds())
    if not MIN_BEFORE <= seconds <= MAX_BEFORE:
        raise UserError(
            "{option} doit être entre 5 minutes et 30 jours avant le début, par exemple 24h "
            "(reçu : « {value} »).",
            option=option,
            value=text[:40],
        )
    return seconds


def parse_confirm(text: str) -> int | None:
    """``confirm:24h`` → seconds before the start; ``off`` → None (no question)."""
    if text.strip().lower() in OFF_WORDS:
        return None
    return _bounded(text, "confirm")


def parse_release_before(text: str) -> int:
    return _bounded(text, "release_before")


def check_options(confirm: int | None, release: bool, release_before: int) -> None:
    """The deadline comes after the question; releasing needs a question."""
    if release and confirm is None:
        raise UserError(
            "release_unconfirmed:true demande aussi une confirmation : ajoutez par exemple "
            "confirm:24h."
        )
    if release and confirm is not None and release_before >= confirm:
        raise UserError(
            "release_before doit être plus court que confirm : la place n'est rendue qu'après "
            "la question (par exemple confirm:24h release_before:2h)."
        )
