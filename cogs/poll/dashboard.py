"""What polls show on the web dashboard's overview (``overview:poll``): the open polls, the
newest first, with how many there are. The Polls page itself is ``dashboard pages``' business.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import col, select

from bot.core.dashboard_data import Card, Figure, Item
from bot.core.i18n import N_
from bot.storage.db import Database
from cogs.poll.models import Poll

SHOWN = 5


class PollDashboard:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def overview_card(self, now: datetime) -> Card:
        is_open = (
            col(Poll.closed_at).is_(None),
            or_(col(Poll.closes_at).is_(None), col(Poll.closes_at) > now),
        )
        # One statement: the newest few and, on each row, how many there are in all (a
        # subquery evaluated once; no row at all means none is open).
        total_open = select(func.count()).select_from(Poll).where(*is_open).scalar_subquery()
        stmt: Any = (
            select(Poll.question, Poll.closes_at, total_open)
            .where(*is_open)
            .order_by(col(Poll.created_at).desc(), col(Poll.id).desc())
            .limit(SHOWN)
        )
        async with self.db.read() as conn:
            rows = (await conn.execute(stmt)).all()
        total = int(rows[0][2]) if rows else 0
        items = []
        for question, closes_at, _ in rows:
            if closes_at is not None:
                items.append(Item(question, when=closes_at, note=N_("fin du vote")))
            else:
                items.append(Item(question, note=N_("sans date de fin")))
        return Card(
            title=N_("Sondages ouverts"),
            order=30,
            figures=(Figure(N_("Sondages ouverts"), total),),
            items=tuple(items),
            empty=N_("Aucun sondage ouvert."),
        )
