"""The poll cog's part of ``me export | forget | link`` (the core's ``PrivacyHooks``).

Named ballots carry the member's id; anonymous ones only a per-poll keyed hash, which the hooks
derive again from the ballot secret for every anonymous poll: forgetting a member removes both,
and linking two accounts moves both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.privacy import MergeNote
from bot.storage.db import Database
from cogs.poll import queries
from cogs.poll.domain import ballot_choices
from cogs.poll.secret import BallotSecret, anonymous_voter, named_voter


class PollPrivacy:
    """``PrivacyHooks`` for polls. ``changed`` is called after rows were removed or moved
    (the service drops what it cached about polls)."""

    def __init__(self, db: Database, secret: BallotSecret, changed: Callable[[], None]) -> None:
        self.db = db
        self.secret = secret
        self.changed = changed

    async def export(self, member_id: int) -> dict[str, Any] | None:
        async with self.db.session() as session:
            ballots, ideas, authored = await queries.member_rows(session, member_id)
        return {
            "polls_created": [{"poll": p.id, "question": p.question} for p in authored],
            "ballots": [
                {
                    "poll": b.poll_id,
                    "choices": ballot_choices(b),
                    "text": b.text,
                    "comment": b.comment,
                    "updated_at": b.updated_at.isoformat() if b.updated_at else None,
                }
                for b in ballots
            ],
            "ideas": [{"poll": i.poll_id, "idea": i.label} for i in ideas],
            "note": "Anonymous ballots are not linked to you and cannot be exported.",
        }

    async def forget(self, member_id: int) -> None:
        async with self.db.session() as session:
            await queries.delete_member_rows(session, member_id)
            for poll_id, key in (await self._anonymous_keys(session, member_id)).items():
                await queries.delete_voter_rows(session, poll_id, key)
            await queries.unlink_polls(session, member_id)
        self.changed()

    async def merge(self, kept: int, merged: int) -> list[MergeNote]:
        """Move ``merged``'s ballots to ``kept``; where both voted, ``kept``'s ballot stays."""
        async with self.db.session() as session:
            pairs: list[tuple[str, str, int | None]] = [
                (named_voter(merged), named_voter(kept), None)
            ]
            kept_keys = await self._anonymous_keys(session, kept)
            for poll_id, key in (await self._anonymous_keys(session, merged)).items():
                pairs.append((key, kept_keys[poll_id], poll_id))
            for old, new, scope in pairs:
                # Anonymous ballots (one poll each) carry no member id; named ones move to kept.
                member = None if scope is not None else kept
                await queries.move_voter(session, old, new, scope, member)
            await queries.move_authorship(session, kept, merged)
        self.changed()
        return []

    async def _anonymous_keys(self, session: AsyncSession, member_id: int) -> dict[int, str]:
        """The member's voter key in every anonymous poll."""
        secret = None
        keys: dict[int, str] = {}
        for poll_id, salt in await queries.anonymous_salts(session):
            secret = secret or self.secret.get()
            keys[poll_id] = anonymous_voter(secret, poll_id, salt, member_id)
        return keys
