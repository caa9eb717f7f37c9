"""Core tables: members and their platform identities, rooms, the outbox, live messages, and
the ``me link`` codes, the dashboard's logins, sessions and audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.storage.types import TimestampField


class Member(SQLModel, table=True):
    """One person, whatever platforms they use (identities link to it)."""

    __tablename__ = "core_member"

    id: int | None = Field(default=None, primary_key=True)
    display_name: str = Field(max_length=200)
    locale: str | None = Field(default=None, max_length=8)
    timezone: str | None = Field(default=None, max_length=64)
    #: Indexed: the dashboard counts the members who joined this month.
    created_at: datetime = TimestampField(index=True)
    last_seen_at: datetime = TimestampField()


class Identity(SQLModel, table=True):
    """A member's account on one platform (Discord user id, Matrix user id, console name)."""

    __tablename__ = "core_identity"
    __table_args__ = (UniqueConstraint("platform", "external_id", name="uq_identity_platform"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("core_member.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    platform: str = Field(max_length=16)
    external_id: str = Field(max_length=255)
    display_name: str = Field(max_length=200)
    created_at: datetime = TimestampField()
    last_seen_at: datetime = TimestampField()


class Room(SQLModel, table=True):
    """Per-room preferences (the room's language)."""

    __tablename__ = "core_room"
    __table_args__ = (UniqueConstraint("platform", "external_id", name="uq_room_platform"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    external_id: str = Field(max_length=255)
    locale: str | None = Field(default=None, max_length=8)


class OutboxMessage(SQLModel, table=True):
    """One outgoing message, due at a time, sent exactly once (see bot.core.outbox)."""

    __tablename__ = "core_outbox"
    __table_args__ = (Index("ix_core_outbox_pending", "status", "platform", "next_try_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=64)
    platform: str = Field(max_length=16)
    member_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("core_member.id", ondelete="CASCADE"), nullable=True, index=True
        ),
    )
    room: str | None = Field(default=None, max_length=300)
    fallback_room: str | None = Field(default=None, max_length=300)
    payload: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    status: str = Field(default="pending", max_length=16)
    due_at: datetime = TimestampField()
    next_try_at: datetime = TimestampField()
    attempts: int = 0
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = TimestampField(nullable=True)
    sent_at: datetime | None = TimestampField(nullable=True)
    failure_reason: str | None = Field(default=None, max_length=200)
    created_at: datetime = TimestampField()


class LiveMessage(SQLModel, table=True):
    """A message the bot keeps up to date (e.g. live poll results), found again by its key."""

    __tablename__ = "core_live_message"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    platform: str = Field(max_length=16)
    room_id: str = Field(max_length=255)
    message_id: str = Field(max_length=255)
    updated_at: datetime = TimestampField()


class LinkCode(SQLModel, table=True):
    """A one-time code linking two identities (``me link``, a core right).

    The table keeps the name it had when linking lived in the onboarding cog: renaming it would
    change the schema for nothing (table names are part of the public surface)."""

    __tablename__ = "onboarding_link_code"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)
    member_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("core_member.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    platform: str = Field(max_length=16)
    created_at: datetime = TimestampField()
    expires_at: datetime = TimestampField()
    #: Wrong codes typed against this one (same handle, wrong secret part); the code is
    #: invalidated when they reach the limit.
    failures: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class LinkAttempt(SQLModel, table=True):
    """A wrong ``me link`` code typed by a member: too many in a while lock them out (same
    historical table name as ``LinkCode``)."""

    __tablename__ = "onboarding_link_attempt"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("core_member.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    at: datetime = TimestampField(index=True)


class WebLogin(SQLModel, table=True):
    """A one-time dashboard login link (``dashboard``): only the SHA-256 of its token is kept,
    so a copy of the database opens no session. Used rows stay until they expire, so a reused
    link is told apart from a forged one; rows also count the member's recent links (rate)."""

    __tablename__ = "core_web_login"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    member_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("core_member.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    #: The page the link opens (``/`` for moderators, ``/me`` for members).
    target: str = Field(max_length=64)
    created_at: datetime = TimestampField(index=True)
    expires_at: datetime = TimestampField()
    used_at: datetime | None = TimestampField(nullable=True)


class WebSession(SQLModel, table=True):
    """A dashboard session (the cookie holds the token, the table its SHA-256): revocable by
    deleting the row (logout, forget). Roles are not stored: they are read again on every
    request."""

    __tablename__ = "core_web_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    member_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("core_member.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    #: The anti-forgery token every form of this session carries.
    csrf: str = Field(max_length=64)
    created_at: datetime = TimestampField()
    expires_at: datetime = TimestampField(index=True)


class WebAudit(SQLModel, table=True):
    """A moderator action taken through the dashboard: who, what, when (read by admins on
    ``/audit``). The author's row may go (forget): the action stays, without its author."""

    __tablename__ = "core_web_audit"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("core_member.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )
    action: str = Field(max_length=64)
    detail: str = Field(sa_column=Column(Text, nullable=False))
    at: datetime = TimestampField(index=True)


class Lease(SQLModel, table=True):
    """Who owns a platform connection (the Matrix account, one Discord shard) right now: one
    row per connection, taken and renewed by its holder (see bot.core.leases)."""

    __tablename__ = "core_lease"

    name: str = Field(primary_key=True, max_length=200)
    holder: str = Field(max_length=100)
    acquired_at: datetime = TimestampField()
    renewed_at: datetime = TimestampField()
    expires_at: datetime = TimestampField()


class AdapterStateRow(SQLModel, table=True):
    """What an adapter keeps across restarts and hands over to the next owner of its
    connection (the Matrix sync token, DM rooms…), one JSON document per account."""

    __tablename__ = "core_adapter_state"

    platform: str = Field(primary_key=True, max_length=16)
    account: str = Field(primary_key=True, max_length=255)
    data: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    updated_at: datetime = TimestampField()


class HandledEvent(SQLModel, table=True):
    """A platform event (a command) already taken by one process: a new owner replaying the
    last seconds of its connection never answers it twice."""

    __tablename__ = "core_handled_event"

    platform: str = Field(primary_key=True, max_length=16)
    event_id: str = Field(primary_key=True, max_length=255)
    handled_at: datetime = TimestampField(index=True)


class EmailAddress(SQLModel, table=True):
    """A member's e-mail address, the send-only channel for members off the chat (``me
    email``). Nothing but the confirmation goes to it until ``confirmed_at`` is set; only the
    SHA-256 of the confirmation code and link is kept. ``unsubscribe_token`` is the capability
    in every e-mail's unsubscribe link (raw: the mail is built from it at send time)."""

    __tablename__ = "core_email"

    member_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("core_member.id", ondelete="CASCADE"), primary_key=True
        )
    )
    address: str = Field(max_length=254)
    confirmed_at: datetime | None = TimestampField(nullable=True)
    code_hash: str | None = Field(default=None, max_length=64)
    link_hash: str | None = Field(default=None, max_length=64, unique=True)
    code_expires_at: datetime | None = TimestampField(nullable=True)
    #: Wrong codes typed against the current one; it is void when they reach the limit.
    code_failures: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    #: Confirmation e-mails sent since ``sends_since`` (the rate limit's window).
    sends: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    sends_since: datetime | None = TimestampField(nullable=True)
    last_sent_at: datetime | None = TimestampField(nullable=True)
    unsubscribe_token: str = Field(max_length=64, unique=True)
    reminders: bool = False
    digest: bool = False
    #: The mail server refused the address for good (5xx): nothing more goes to it.
    refused_at: datetime | None = TimestampField(nullable=True)
    refused_reason: str | None = Field(default=None, max_length=200)
    #: The member was told on chat about the refusal (``me email``).
    refusal_told: bool = False
    created_at: datetime = TimestampField()
