"""The resource library's tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, Text
from sqlmodel import Field, SQLModel

from bot.storage.types import TimestampField


class Resource(SQLModel, table=True):
    """One shared link. ``url_key`` is the normalised URL (dedupe); ``search_text`` is the
    indexed document (see cogs.resource.search and the migration's full-text part)."""

    __tablename__ = "resource_item"
    __table_args__ = (Index("ix_resource_item_status_created", "status", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=2000)
    url_key: str = Field(max_length=2000, unique=True)
    title: str = Field(max_length=300)
    summary: str = Field(default="", sa_column=Column(Text, nullable=False))
    author_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("core_member.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )
    status: str = Field(default="published", max_length=16)
    origin: str = Field(default="chat", max_length=16)  # "chat" | "import"
    created_at: datetime = TimestampField()
    updated_at: datetime = TimestampField()
    search_text: str = Field(default="", sa_column=Column(Text, nullable=False))


class ResourceTag(SQLModel, table=True):
    """A tag on a resource: ``key`` folds spelling; ``label`` is the spelling used."""

    __tablename__ = "resource_tag"
    __table_args__ = (
        Index("ix_resource_tag_key", "key", "resource_id"),
        # Counting tags by spelling reads this index alone (tag lists, the dashboard).
        Index("ix_resource_tag_key_label", "key", "label"),
    )

    resource_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("resource_item.id", ondelete="CASCADE"), primary_key=True
        )
    )
    key: str = Field(max_length=80, primary_key=True)
    label: str = Field(max_length=80)


class ResourceCollection(SQLModel, table=True):
    """A resource's place in a named collection (e.g. a café's reading pack)."""

    __tablename__ = "resource_collection"
    __table_args__ = (Index("ix_resource_collection_key", "key", "resource_id"),)

    resource_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("resource_item.id", ondelete="CASCADE"), primary_key=True
        )
    )
    key: str = Field(max_length=120, primary_key=True)
    name: str = Field(max_length=120)


class ResourceBookmark(SQLModel, table=True):
    """A member's saved resource."""

    __tablename__ = "resource_bookmark"

    member_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("core_member.id", ondelete="CASCADE"), primary_key=True
        )
    )
    resource_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("resource_item.id", ondelete="CASCADE"),
            primary_key=True,
            index=True,
        )
    )
    created_at: datetime = TimestampField()


class ResourceEmptySearch(SQLModel, table=True):
    """A search that found nothing, counted: what the library lacks. Only the folded words and
    tags are kept — never who searched (nor an author filter, which names a member)."""

    __tablename__ = "resource_empty_search"

    query: str = Field(max_length=200, primary_key=True)
    count: int = 1
    last_seen: datetime = TimestampField()
