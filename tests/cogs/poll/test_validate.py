"""The pure option checks and parsers, without a database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.errors import UserError
from bot.core.refs import RoomRef
from cogs.poll import validate
from cogs.poll.domain import OptionView, PollView
from cogs.poll.kinds import PollKind, ResultsMode


def view(kind: PollKind, *labels: str, max_choices: int | None = None) -> PollView:
    return PollView(
        id=1,
        question="Q ?",
        kind=kind,
        author_id=1,
        room=RoomRef("memory", "general"),
        anonymous=False,
        results=ResultsMode.LIVE,
        max_choices=max_choices,
        role="member",
        answers=(),
        categories=(),
        created_at=datetime(2027, 1, 1, tzinfo=UTC),
        closes_at=None,
        closed_at=None,
        closed_reason=None,
        options=tuple(OptionView(i, label) for i, label in enumerate(labels, start=1)),
    )


def test_choices_by_number_or_label_ignoring_case_and_accents() -> None:
    poll = view(PollKind.MULTIPLE, "Café", "Thé", "Eau")
    assert validate.parse_choices("#2 | cafe | 2", poll) == [2, 1]
    with pytest.raises(UserError):
        validate.parse_choices("Jus", poll)


def test_ratings_accept_stars_and_fractions() -> None:
    assert validate.parse_rating("★★★") == 3
    assert validate.parse_rating("4/5") == 4
    with pytest.raises(UserError):
        validate.parse_rating("6")


def test_words_are_deduplicated_by_folded_form_and_limited() -> None:
    assert validate.parse_words("Médiation, mediation | rentrée", 2) == ["Médiation", "rentrée"]
    with pytest.raises(UserError):
        validate.parse_words("a, b, c", 2)


def test_labels_must_differ_and_be_at_least_two() -> None:
    assert validate.check_labels("Oui | Non", PollKind.SINGLE) == ["Oui", "Non"]
    for raw in ("Oui", "Oui | oui"):
        with pytest.raises(UserError):
            validate.check_labels(raw, PollKind.SINGLE)
    assert validate.check_results("hidden") is ResultsMode.HIDDEN
