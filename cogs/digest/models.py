"""The digest's table: who asked for it (``me digest on|off``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from bot.storage.types import TimestampField


class DigestSubscription(SQLModel, table=True):
    """A member's choice: the digest is opt-in, so a member without a row does not get it."""

    __tablename__ = "digest_subscription"

    member_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("core_member.id", ondelete="CASCADE"), primary_key=True
        )
    )
    enabled: bool = Field(default=False, index=True)
    updated_at: datetime = TimestampField()
