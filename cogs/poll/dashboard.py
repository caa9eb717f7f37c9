"""What polls show on the web dashboard's overview (``overview:poll``): the open polls, the
newest first, with how many there are. The Polls page itself is ``dashboard pages``' business.
"""

from __future__ import annotations

from datetime import datetime

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
        async with self.db.session() as s:
            total = int(
                (await s.exec(select(func.count()).select_from(Poll).where(*is_open))).one()
            )
            rows = list(
                await s.exec(
                    select(Poll)
                    .where(*is_open)
                    .order_by(col(Poll.created_at).desc(), col(Poll.id).desc())
                    .limit(SHOWN)
                )
            )
        items = []
        for poll in rows:
            if poll.closes_at is not None:
                items.append(Item(poll.question, when=poll.closes_at, note=N_("fin du vote")))
            else:
                items.append(Item(poll.question, note=N_("sans date de fin")))
        return Card(
            title=N_("Sondages ouverts"),
            order=30,
            figures=(Figure(N_("Sondages ouverts"), total),),
            items=tuple(items),
            empty=N_("Aucun sondage ouvert."),
        )
