"""The digest's part of members' privacy rights (``PrivacyHooks``): the opt-in is personal
data — ``me export`` shows it, ``me forget`` erases it, ``me link`` keeps the stronger choice."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlmodel import col, delete

from bot.core.privacy import MergeNote
from cogs.digest.models import DigestSubscription

if TYPE_CHECKING:
    from bot.storage.db import Database


class DigestPrivacy:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def export(self, member_id: int) -> dict[str, Any] | None:
        async with self.db.session() as s:
            row = await s.get(DigestSubscription, member_id)
        if row is None:
            return None
        return {"digest": row.enabled, "updated_at": row.updated_at.isoformat()}

    async def forget(self, member_id: int) -> None:
        async with self.db.session() as s:
            await s.exec(
                delete(DigestSubscription).where(col(DigestSubscription.member_id) == member_id)
            )

    async def merge(self, kept: int, merged: int) -> list[MergeNote]:
        """Linked accounts: the digest stays on if either account asked for it."""
        async with self.db.session() as s:
            old = await s.get(DigestSubscription, merged)
            if old is None:
                return []
            mine = await s.get(DigestSubscription, kept)
            if mine is None:
                s.add(
                    DigestSubscription(
                        member_id=kept, enabled=old.enabled, updated_at=old.updated_at
                    )
                )
            elif old.enabled and not mine.enabled:
                mine.enabled = True
                mine.updated_at = old.updated_at
                s.add(mine)
            await s.delete(old)
        return []
