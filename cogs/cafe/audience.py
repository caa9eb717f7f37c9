"""The audience of a café's activities: the people present at its live session.

Wherever a session's poll shows its results — the post after ``cafe next``, ``poll results``
typed later, a live refresh — participation counts against those present ("37 / 71"), not
against the whole room. The poll cog asks ``core.activities.audience(poll_id)``; this answers.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sqlmodel import select

from cogs.cafe.models import CafeSession

if TYPE_CHECKING:
    from bot.storage.db import Database
    from cogs.cafe.live import LiveSessions


class SessionAudience:
    def __init__(self, db: Database, live: LiveSessions) -> None:
        self.db = db
        self.live = live
        # poll id → occurrence: a session's polls never change café, so this only grows.
        self._occurrence_of: dict[int, int] = {}

    async def __call__(self, poll_id: int) -> int | None:
        occurrence = self._occurrence_of.get(poll_id)
        if occurrence is None:
            occurrence = await self._find(poll_id)
            if occurrence is None:
                return None
        return len(await self.live.presence(occurrence))

    async def _find(self, poll_id: int) -> int | None:
        # Sessions are a handful a month: reading them all beats a JSON query per database.
        async with self.db.session() as s:
            rows = await s.exec(select(CafeSession.occurrence_id, CafeSession.polls))
            for occurrence, polls in rows:
                for activity_poll in json.loads(polls or "{}").values():
                    self._occurrence_of[int(activity_poll)] = occurrence
        return self._occurrence_of.get(poll_id)
