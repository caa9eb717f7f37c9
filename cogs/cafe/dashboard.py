"""What the café shows on the web dashboard's core pages (``bot.core.dashboard_data``):
``overview:cafe`` (the next cafés with their seats) and ``me:cafe`` (the cafés the member is
registered or waitlisted for). The Cafés page itself is ``dashboard pages``' business."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select

from bot.core.dashboard_data import Card, Item
from bot.core.i18n import N_, Deferred
from bot.storage.db import Database
from cogs.cafe import dashboard_queries
from cogs.cafe.domain import RegistrationStatus
from cogs.cafe.models import CafeOccurrence, CafeRegistration
from cogs.cafe.service import CafeService

NEXT = 5  # cafés on the overview
MINE = 20  # cafés on a member's page


def _seats(title: str, starts_at: datetime, registered: int, waitlisted: int) -> Item:
    return Item(
        title,
        when=starts_at,
        note=N_("{registered}, {waitlisted}"),
        params={
            "registered": Deferred(lambda t: t.n("{n} inscrit", "{n} inscrits", registered)),
            "waitlisted": Deferred(lambda t: t.n("{n} en attente", "{n} en attente", waitlisted)),
        },
    )


class CafeDashboard:
    def __init__(self, db: Database, service: CafeService) -> None:
        self.db = db
        self.service = service

    async def overview_card(self, now: datetime) -> Card:
        # Straight from the stored occurrences, in one statement: the schedule materialises
        # them ahead of time, and a page view must not write (``service.upcoming``
        # materialises first).
        async with self.db.read() as conn:
            upcoming = await dashboard_queries.next_with_seats(conn, now, NEXT)
        return Card(
            title=N_("Prochains cafés"),
            order=20,
            items=tuple(_seats(*row) for row in upcoming),
            empty=N_("Aucun café à venir."),
            hint=N_("Pour en programmer un : commande cafe create dans le chat."),
        )

    async def my_card(self, member_id: int, now: datetime) -> Card:
        async with self.db.session() as s:
            ids = list(
                await s.exec(
                    select(CafeRegistration.occurrence_id)
                    .join(
                        CafeOccurrence,
                        col(CafeOccurrence.id) == col(CafeRegistration.occurrence_id),
                    )
                    .where(
                        CafeRegistration.member_id == member_id,
                        col(CafeOccurrence.starts_at) > now - timedelta(hours=24),
                    )
                    .order_by(col(CafeOccurrence.starts_at))
                    .limit(MINE * 2)
                )
            )
        mine = [
            o
            for o in await self.service.load(ids, member_id)
            if o.ends_at > now and not o.cancelled
        ][:MINE]
        items = []
        for occ in mine:
            if occ.my_status is RegistrationStatus.WAITLISTED:
                note, params = (
                    N_("en liste d'attente (place {position})"),
                    {"position": occ.my_position},
                )
            else:
                note, params = N_("inscrit·e"), {}
            items.append(Item(occ.title, when=occ.starts_at, note=note, params=params))
        return Card(
            title=N_("Mes cafés"),
            order=10,
            items=tuple(items),
            empty=N_("Vous n'êtes inscrit·e à aucun café à venir."),
            hint=N_("Pour vous inscrire : commande cafe list, puis cafe join dans le chat."),
        )
