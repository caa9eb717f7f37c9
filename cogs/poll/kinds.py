"""The kinds of poll and their modes: plain words, importable without the poll's tables (the
command index resolves ``poll create kind:`` from here at start; see bot/core/cog_index.py)."""

from __future__ import annotations

from enum import StrEnum


class PollKind(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    RANKING = "ranking"
    RATING = "rating"
    OPEN = "open"
    WORDCLOUD = "wordcloud"
    QUIZ = "quiz"
    BOARD = "board"


class ResultsMode(StrEnum):
    """When results are shown: as votes come (``live``) or at the closing (``hidden``)."""

    LIVE = "live"
    HIDDEN = "hidden"


class CloseReason(StrEnum):
    """Who closed a poll: its timer, or a member (the author or a moderator)."""

    TIMER = "timer"
    MEMBER = "member"
