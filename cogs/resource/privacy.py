"""The library's part of the community's privacy rights (``me export | forget | link``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, update
from sqlmodel import col, select

from bot.core.privacy import MergeNote

from .models import Resource, ResourceBookmark
from .settings import ResourceSettings

if TYPE_CHECKING:
    from bot.storage.db import Database


class ResourcePrivacy:
    """``PrivacyHooks`` for the library: what a member shared and saved.

    Forgetting deletes the bookmarks; shared resources stay, anonymous, unless
    ``keep_shared_on_forget = false``.
    """

    def __init__(
        self,
        db: Database,
        settings: ResourceSettings,
        tags_changed: Callable[[], None] = lambda: None,
    ) -> None:
        self.db = db
        self.settings = settings
        # Deleting someone's resources changes the tag counts the library keeps.
        self.tags_changed = tags_changed

    async def export(self, member_id: int) -> dict[str, Any] | None:
        async with self.db.session() as s:
            shared = (
                await s.exec(
                    select(Resource)
                    .where(Resource.author_id == member_id)
                    .order_by(col(Resource.id))
                )
            ).all()
            saved = (
                await s.exec(
                    select(ResourceBookmark.resource_id, ResourceBookmark.created_at).where(
                        ResourceBookmark.member_id == member_id
                    )
                )
            ).all()
        return {
            "shared": [
                {
                    "id": r.id,
                    "url": r.url,
                    "title": r.title,
                    "summary": r.summary,
                    "status": r.status,
                    "created_at": r.created_at.isoformat(),
                }
                for r in shared
            ],
            "saved": [{"id": rid, "saved_at": at.isoformat()} for rid, at in saved],
        }

    async def forget(self, member_id: int) -> None:
        session: Any
        async with self.db.session() as session:
            await session.exec(
                delete(ResourceBookmark).where(col(ResourceBookmark.member_id) == member_id)
            )
            if self.settings.keep_shared_on_forget:
                await session.exec(
                    update(Resource)
                    .where(col(Resource.author_id) == member_id)
                    .values(author_id=None)
                )
            else:
                await session.exec(delete(Resource).where(col(Resource.author_id) == member_id))
        if not self.settings.keep_shared_on_forget:
            self.tags_changed()

    async def merge(self, kept: int, merged: int) -> list[MergeNote]:
        """The kept member gets the merged one's resources and bookmarks (a resource both
        saved keeps the kept member's bookmark). Nothing to tell the member."""
        session: Any
        async with self.db.session() as session:
            await session.exec(
                update(Resource).where(col(Resource.author_id) == merged).values(author_id=kept)
            )
            have = set(
                (
                    await session.exec(
                        select(ResourceBookmark.resource_id).where(
                            ResourceBookmark.member_id == kept
                        )
                    )
                ).all()
            )
            moved = delete(ResourceBookmark).where(col(ResourceBookmark.member_id) == merged)
            if have:
                await session.exec(
                    moved.where(col(ResourceBookmark.resource_id).in_(sorted(have)))
                )
            await session.exec(
                update(ResourceBookmark)
                .where(col(ResourceBookmark.member_id) == merged)
                .values(member_id=kept)
            )
        return []
