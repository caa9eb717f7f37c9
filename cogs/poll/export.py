"""The CSV export of a poll's ballots (``poll export``), written by ``bot/core/csvfile``."""

from __future__ import annotations

from typing import Any

from bot.core.csvfile import csv_bytes
from cogs.poll.domain import CHOICE_KINDS, PollView, ballot_choices
from cogs.poll.kinds import PollKind
from cogs.poll.models import PollBallot


def ballots_csv(poll: PollView, ballots: list[PollBallot], names: dict[int, str]) -> bytes:
    """One row per ballot; anonymous polls carry no identity and no time (not even quiz
    seconds). Written by ``csvfile``: formula cells neutralised, UTF-8 BOM."""
    header = ["poll", "kind", "ballot"]
    if not poll.anonymous:
        header += ["member", "updated_at"]
    header += ["choices", "text", "comment", "attempts", "correct"]
    if not poll.anonymous:
        header.append("seconds")
    rows: list[list[Any]] = []
    for number, b in enumerate(ballots, start=1):
        row: list[Any] = [poll.id, poll.kind.value, number]
        if not poll.anonymous:
            row += [
                names.get(b.member_id or 0, ""),
                b.updated_at.isoformat() if b.updated_at else "",
            ]
        values = ballot_choices(b)
        if poll.kind in CHOICE_KINDS or poll.kind is PollKind.BOARD:
            values = [poll.label(v) for v in values]
        row += [
            " | ".join(str(v) for v in values),
            b.text or "",
            b.comment or "",
            b.attempts if poll.kind is PollKind.QUIZ else "",
            ("yes" if b.correct else "no") if poll.kind is PollKind.QUIZ else "",
        ]
        if not poll.anonymous:
            row.append(b.seconds if b.seconds is not None else "")
        rows.append(row)
    if poll.kind is PollKind.BOARD:
        rows.append([])
        rows.append(["poll", "kind", "idea", "category", "text"])
        for o in poll.options:
            category = poll.categories[o.category or 0] if poll.categories else ""
            rows.append([poll.id, "idea", o.position, category, o.label])
    return csv_bytes(header, rows)
