"""Onboarding tables: the flow's progress, the profile and interests (tags).

``me link`` codes are a core right: their tables are in ``bot.storage.models``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.storage.types import TimestampField


def _member_fk(primary_key: bool = False) -> Column[int]:
    return Column(
        Integer,
        ForeignKey("core_member.id", ondelete="CASCADE"),
        primary_key=primary_key,
        nullable=False,
        index=not primary_key,
    )


class OnboardingFlow(SQLModel, table=True):
    """Where a member is in the newcomer flow (the funnel is read from these timestamps)."""

    __tablename__ = "onboarding_flow"

    member_id: int = Field(sa_column=_member_fk(primary_key=True))
    step: str = Field(default="language", max_length=32)
    #: Steps answered / skipped, comma-separated step names.
    done: str = Field(default="", max_length=300)
    skipped: str = Field(default="", max_length=300)
    joins: int = 0
    # Every funnel stamp is indexed: on SQLite the dashboard counts each step from its index
    # alone (``queries.overview_counts``).
    joined_at: datetime | None = TimestampField(nullable=True, index=True)
    started_at: datetime | None = TimestampField(nullable=True, index=True)
    coc_accepted_at: datetime | None = TimestampField(nullable=True, index=True)
    profile_at: datetime | None = TimestampField(nullable=True, index=True)
    completed_at: datetime | None = TimestampField(nullable=True, index=True)
    left_at: datetime | None = TimestampField(nullable=True)
    updated_at: datetime = TimestampField()


class OnboardingProfile(SQLModel, table=True):
    """What a member tells the community about themselves."""

    __tablename__ = "onboarding_profile"
    __table_args__ = (
        Index("ix_onboarding_profile_region", "visible", "region_key"),
        Index("ix_onboarding_profile_metier", "visible", "metier_key"),
    )

    member_id: int = Field(sa_column=_member_fk(primary_key=True))
    organisation: str | None = Field(default=None, max_length=200)
    metier: str | None = Field(default=None, max_length=200)
    metier_key: str | None = Field(default=None, max_length=200)
    region: str | None = Field(default=None, max_length=200)
    region_key: str | None = Field(default=None, max_length=200)
    #: Café reminders chosen at onboarding: "24h,15m", "off", or None (defaults).
    notifications: str | None = Field(default=None, max_length=100)
    visible: bool = False
    welcome: bool = False
    #: Folded name, organisation, métier, region and interests: what ``query`` searches.
    search_key: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    #: Indexed: the dashboard counts the profiles updated in the last twelve months.
    updated_at: datetime = TimestampField(index=True)


class OnboardingInterest(SQLModel, table=True):
    """One interest tag of a member (``key`` folded with ``fold_key``)."""

    __tablename__ = "onboarding_interest"
    __table_args__ = (
        UniqueConstraint("member_id", "key", name="uq_onboarding_interest"),
        Index("ix_onboarding_interest_key", "key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(sa_column=_member_fk())
    key: str = Field(sa_column=Column(String(60), nullable=False))
    label: str = Field(max_length=60)


class OnboardingReachTag(SQLModel, table=True):
    """One "je cherche" (``kind`` = "need") or "je peux apporter" ("offer") tag of a member,
    folded like resource tags (``bot.core.tags``)."""

    __tablename__ = "onboarding_reach_tag"
    __table_args__ = (
        UniqueConstraint("member_id", "kind", "key", name="uq_onboarding_reach_tag"),
        Index("ix_onboarding_reach_tag_kind_key", "kind", "key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(sa_column=_member_fk())
    kind: str = Field(sa_column=Column(String(8), nullable=False))
    key: str = Field(sa_column=Column(String(60), nullable=False))
    label: str = Field(max_length=60)


class OnboardingIntroduction(SQLModel, table=True):
    """``members introduce``: ``asker`` asked to meet ``target``; contacts are shared only
    once the target accepts. Pending requests expire at ``expires_at``."""

    __tablename__ = "onboarding_introduction"

    id: int | None = Field(default=None, primary_key=True)
    asker_id: int = Field(sa_column=_member_fk())
    target_id: int = Field(sa_column=_member_fk())
    #: pending | accepted | declined | expired
    status: str = Field(default="pending", max_length=16)
    created_at: datetime = TimestampField()
    expires_at: datetime = TimestampField()
    answered_at: datetime | None = TimestampField(nullable=True)


class OnboardingFreshness(SQLModel, table=True):
    """Profile freshness reminders: when the last one was sent and which due date is queued
    (the freshness stamp itself is ``onboarding_profile.updated_at``)."""

    __tablename__ = "onboarding_freshness"

    member_id: int = Field(sa_column=_member_fk(primary_key=True))
    asked_at: datetime | None = TimestampField(nullable=True)
    scheduled_for: datetime | None = TimestampField(nullable=True)
