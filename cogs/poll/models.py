"""The poll cog's tables: polls, their options (and board ideas), ballots and quiz attempts.

Anonymous polls store no member id and no timestamp on ballots: only ``voter``, a per-poll keyed
hash (see ``secret.py``), which keeps one ballot per person without saying who it is. Ballot ids
are random 63-bit numbers, not a counter: a counter shared with named ballots would place each
anonymous ballot between named ones whose member ids and times are known.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.storage.types import TimestampField


def _member_fk(ondelete: str) -> Column[int]:
    return Column(
        Integer, ForeignKey("core_member.id", ondelete=ondelete), nullable=True, index=True
    )


def _poll_fk() -> Column[int]:
    return Column(
        Integer, ForeignKey("poll_poll.id", ondelete="CASCADE"), nullable=False, index=True
    )


class Poll(SQLModel, table=True):
    """One poll, its settings and its life (opened, closes, closed)."""

    __tablename__ = "poll_poll"

    id: int | None = Field(default=None, primary_key=True)
    question: str = Field(max_length=300)
    kind: str = Field(max_length=16)
    author_id: int | None = Field(default=None, sa_column=_member_fk("SET NULL"))
    room: str = Field(max_length=300, index=True)
    anonymous: bool = False
    results: str = Field(default="live", max_length=8)
    max_choices: int | None = None
    role: str = Field(default="member", max_length=16)
    answers: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    categories: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    salt: str = Field(max_length=32)
    created_at: datetime = TimestampField()
    closes_at: datetime | None = TimestampField(nullable=True)
    closed_at: datetime | None = TimestampField(nullable=True)
    closed_by: int | None = Field(default=None, sa_column=_member_fk("SET NULL"))
    closed_reason: str | None = Field(default=None, max_length=16)
    # Board ideas ever posted: the next idea's number. Never counted down, so an idea
    # removed by ``me forget`` never lends its number (and its supports) to a new one.
    ideas_posted: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, server_default="0")
    )


class PollOption(SQLModel, table=True):
    """A choice of a poll, or an idea posted on a board (then with its category and author)."""

    __tablename__ = "poll_option"
    __table_args__ = (UniqueConstraint("poll_id", "position", name="uq_poll_option_position"),)

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(sa_column=_poll_fk())
    position: int
    label: str = Field(max_length=300)
    category: int | None = None
    voter: str | None = Field(default=None, max_length=64)
    member_id: int | None = Field(default=None, sa_column=_member_fk("CASCADE"))


class PollBallot(SQLModel, table=True):
    """One member's ballot on one poll (unique per poll and voter; a new vote replaces it)."""

    __tablename__ = "poll_ballot"
    __table_args__ = (UniqueConstraint("poll_id", "voter", name="uq_poll_ballot_voter"),)

    # Random (``new_ballot_id``), never autoincremented. SQLite: an INTEGER PRIMARY KEY is the
    # rowid itself, so the rows carry no hidden insertion counter either.
    id: int = Field(
        sa_column=Column(
            BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False
        )
    )
    poll_id: int = Field(sa_column=_poll_fk())
    voter: str = Field(max_length=64)
    member_id: int | None = Field(default=None, sa_column=_member_fk("CASCADE"))
    choices: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    revision: int = 1
    attempts: int = 0
    correct: bool = False
    seconds: float | None = None  # quiz, named polls only: anonymous ballots keep no timing
    created_at: datetime | None = TimestampField(nullable=True)
    updated_at: datetime | None = TimestampField(nullable=True)


class PollAttempt(SQLModel, table=True):
    """Every answer given to a named quiz, right or wrong, with the seconds it took.

    Anonymous quizzes record no attempts: their order and timing would tell who answered."""

    __tablename__ = "poll_attempt"

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(sa_column=_poll_fk())
    voter: str = Field(max_length=64)
    member_id: int | None = Field(default=None, sa_column=_member_fk("CASCADE"))
    text: str = Field(sa_column=Column(Text, nullable=False))
    correct: bool = False
    seconds: float
    created_at: datetime | None = TimestampField(nullable=True)


def new_ballot_id() -> int:
    """A random positive 63-bit ballot id (fits SQLite's rowid and PostgreSQL's BIGINT)."""
    return secrets.randbits(63) or 1
