"""Café tables: series (a rule in local time), occurrences, registrations, preferences."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, Text, UniqueConstraint, true
from sqlmodel import Field, SQLModel

from bot.storage.types import TimestampField


class CafeSeries(SQLModel, table=True):
    """A recurring café: an RRULE body + local wall-time start + IANA zone (or one date)."""

    __tablename__ = "cafe_series"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    rule: str | None = Field(default=None, max_length=300)  # None: a single date
    local_start: str = Field(max_length=32)  # naive ISO wall time, e.g. 2027-01-07T10:00:00
    timezone: str = Field(max_length=64)
    duration_minutes: int = 60
    capacity: int | None = None
    link: str = Field(default="", max_length=500)
    reminders: str = Field(default="", max_length=200)  # offsets in seconds, "86400,900"
    members_only: bool = True
    room: str = Field(max_length=300)  # the announce room (where it was created)
    created_by: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("core_member.id", ondelete="SET NULL")),
    )
    created_at: datetime = TimestampField()
    active: bool = True
    # Attendance confirmation (confirmation.py): ask "Toujours là ?" this many seconds before
    # the start (None: never); with release_unconfirmed, give unconfirmed seats to the
    # waitlist release_before seconds before the start.
    confirm_before: int | None = None
    release_unconfirmed: bool = False
    release_before: int = 7200


class CafeOccurrence(SQLModel, table=True):
    """One meeting of a series, materialised ahead; it may be edited, moved or cancelled."""

    __tablename__ = "cafe_occurrence"
    __table_args__ = (
        UniqueConstraint("series_id", "recurrence_id", name="uq_cafe_occurrence_series"),
    )

    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("cafe_series.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    recurrence_id: str = Field(max_length=32)  # the rule's local wall time (stable)
    starts_at: datetime = TimestampField(index=True)
    duration_minutes: int = 60
    topic: str = Field(default="", max_length=300)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    host: str = Field(default="", max_length=200)
    link: str | None = Field(default=None, max_length=500)
    capacity: int | None = None
    status: str = Field(default="scheduled", max_length=16)  # scheduled | cancelled
    revision: int = 0  # bumped on each change members are told about
    moved: bool = False


class CafeRegistration(SQLModel, table=True):
    """A member's place: registered, waitlisted (in order) or walk-in; check-in time."""

    __tablename__ = "cafe_registration"
    __table_args__ = (
        UniqueConstraint("occurrence_id", "member_id", name="uq_cafe_registration"),
        Index("ix_cafe_registration_order", "occurrence_id", "status", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    occurrence_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("cafe_occurrence.id", ondelete="CASCADE"), nullable=False
        )
    )
    member_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("core_member.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    status: str = Field(default="registered", max_length=16)  # registered|waitlisted|walkin
    created_at: datetime = TimestampField()
    checked_in_at: datetime | None = TimestampField(nullable=True)
    confirmed_at: datetime | None = TimestampField(nullable=True)  # "Toujours là ?" → Oui
    confirm_asked_at: datetime | None = TimestampField(nullable=True)  # the question went out


class CafePreference(SQLModel, table=True):
    """A member's own reminder offsets (``off`` or seconds "86400,3600")."""

    __tablename__ = "cafe_preference"

    member_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("core_member.id", ondelete="CASCADE"), primary_key=True
        )
    )
    offsets: str = Field(default="", max_length=200)
    # The report of a café they registered for but missed, by DM (``me reports off``).
    reports: bool = Field(
        default=True, sa_column=Column(Boolean, nullable=False, server_default=true())
    )


# --- the programme (programme.py) ---------------------------------------------------------------


class CafeActivity(SQLModel, table=True):
    """One prepared activity of an occurrence's programme (a poll to run live), in order."""

    __tablename__ = "cafe_activity"
    __table_args__ = (
        UniqueConstraint("occurrence_id", "position", name="uq_cafe_activity_position"),
    )

    id: int | None = Field(default=None, primary_key=True)
    occurrence_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("cafe_occurrence.id", ondelete="CASCADE"), nullable=False
        )
    )
    position: int  # 1, 2, 3… in the order the host runs them
    kind: str = Field(max_length=16)  # the provider's kind: single, quiz, board…
    question: str = Field(max_length=300)
    options: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    seconds: int | None = None  # moves on by itself after this long (None: the host decides)
    created_by: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("core_member.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )
    created_at: datetime = TimestampField()


class CafeFeedToken(SQLModel, table=True):
    """A member's private calendar feed (``me calendar``): the SHA-256 of its random token,
    never the token itself (shown once, in the reply). One per member; revoking replaces it."""

    __tablename__ = "cafe_feed_token"

    member_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("core_member.id", ondelete="CASCADE"), primary_key=True
        )
    )
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = TimestampField()


# --- the live session (live.py) -----------------------------------------------------------------


class CafeSession(SQLModel, table=True):
    """An occurrence run live (``cafe start`` … ``cafe end``): where it stands in its programme
    and the activity (poll) opened for each place. A restart reads it back as it was."""

    __tablename__ = "cafe_session"

    occurrence_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("cafe_occurrence.id", ondelete="CASCADE"), primary_key=True
        )
    )
    position: int = 0  # the activity open now (1…N); 0: none opened yet
    current_open: bool = False  # whether the activity at ``position`` is still open
    polls: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    started_by: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("core_member.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )
    started_at: datetime = TimestampField()
    ended_at: datetime | None = TimestampField(nullable=True)


# --- the live challenge (leaderboards.py) -------------------------------------------------------


class CafePseudonym(SQLModel, table=True):
    """The name a member chose to appear under on one café's leaderboard (``cafe pseudo``).
    ``name_key`` is the folded name (pseudonym.pseudonym_key): unique at the café."""

    __tablename__ = "cafe_pseudonym"
    __table_args__ = (
        UniqueConstraint("occurrence_id", "name_key", name="uq_cafe_pseudonym_name"),
    )

    occurrence_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("cafe_occurrence.id", ondelete="CASCADE"), primary_key=True
        )
    )
    member_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("core_member.id", ondelete="CASCADE"), primary_key=True, index=True
        )
    )
    name: str = Field(max_length=100)
    name_key: str = Field(max_length=100)
    created_at: datetime = TimestampField()


# --- questions from the floor (questions.py) ----------------------------------------------------


class CafeQuestion(SQLModel, table=True):
    """A question asked during a live session (``cafe ask``), numbered 1…N per occurrence.

    ``author_id`` is kept even for an anonymous question, only to enforce the per-member limit
    and members' privacy rights (export, forget); ``author_name`` is empty when anonymous, so
    no name of an anonymous asker is ever stored to be shown."""

    __tablename__ = "cafe_question"
    __table_args__ = (
        UniqueConstraint("occurrence_id", "number", name="uq_cafe_question_number"),
        UniqueConstraint("occurrence_id", "text_key", name="uq_cafe_question_text"),
    )

    id: int | None = Field(default=None, primary_key=True)
    occurrence_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("cafe_occurrence.id", ondelete="CASCADE"), nullable=False
        )
    )
    number: int
    text: str = Field(max_length=300)
    text_key: str = Field(max_length=300)  # folded text: the same question asked twice
    author_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("core_member.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )
    author_name: str = Field(default="", max_length=200)
    anonymous: bool = False
    status: str = Field(default="open", max_length=16)  # review | open | hidden
    answering: bool = False  # the one the host highlights now ("en cours")
    asked_at: datetime = TimestampField()
    answered_at: datetime | None = TimestampField(nullable=True)


class CafeQuestionSupport(SQLModel, table=True):
    """One member's support of one question (at most one each; removing it is allowed)."""

    __tablename__ = "cafe_question_support"

    question_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("cafe_question.id", ondelete="CASCADE"), primary_key=True
        )
    )
    member_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("core_member.id", ondelete="CASCADE"), primary_key=True, index=True
        )
    )
    created_at: datetime = TimestampField()


# --- after the session: report and follow-up (report.py, followup.py) ---------------------------


class CafeSharedLink(SQLModel, table=True):
    """A link a member posted in the café's room while its session ran (only the link: the
    message itself is never kept). Forgetting the member deletes their rows."""

    __tablename__ = "cafe_shared_link"
    __table_args__ = (Index("ix_cafe_shared_link_occurrence", "occurrence_id", "shared_at"),)

    id: int | None = Field(default=None, primary_key=True)
    occurrence_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("cafe_occurrence.id", ondelete="CASCADE"), nullable=False
        )
    )
    member_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("core_member.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    url: str = Field(sa_column=Column(Text, nullable=False))
    shared_at: datetime = TimestampField()


class CafeReport(SQLModel, table=True):
    """A session's report: made at ``cafe end``. Its content is never stored — it is built from
    the database each time (so a member who is forgotten disappears from it) — only the
    random token of its web page, where it was filed, and the follow-up sent."""

    __tablename__ = "cafe_report"

    occurrence_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("cafe_occurrence.id", ondelete="CASCADE"), primary_key=True
        )
    )
    token: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = TimestampField()
    resource_id: int | None = None  # the library entry it was filed as
    followup_at: datetime | None = TimestampField(nullable=True)
    followup_by: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("core_member.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )
