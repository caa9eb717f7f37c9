"""What the library shows on the web dashboard's core pages (``bot.core.dashboard_data``):
``overview:resource`` (resources waiting for approval) and ``me:resource`` (the member's
saved resources). The Resources page itself is ``dashboard pages``' business."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from bot.core.dashboard_data import Card, Figure, Item
from bot.core.i18n import N_
from bot.storage.db import Database

from .bookmarks import Bookmarks
from .domain import ResourceStatus
from .models import Resource

SHOWN = 5


class ResourceDashboard:
    def __init__(self, db: Database, bookmarks: Bookmarks) -> None:
        self.db = db
        self.bookmarks = bookmarks

    async def overview_card(self, now: datetime) -> Card:
        # One statement, titles only (the moderation queue's full views, tags and authors, are
        # the Resources page's): the oldest few waiting and, on each row, how many wait in
        # all (a subquery evaluated once; no row at all means none waits). Both read the
        # (status, created_at) index.
        waiting_rows = (col(Resource.status) == ResourceStatus.PENDING,)
        total = select(func.count()).select_from(Resource).where(*waiting_rows).scalar_subquery()
        stmt: Any = (
            select(Resource.title, Resource.url, Resource.created_at, total)
            .where(*waiting_rows)
            .order_by(col(Resource.created_at), col(Resource.id))
            .limit(SHOWN)
        )
        async with self.db.read() as conn:
            oldest = (await conn.execute(stmt)).all()
        waiting = int(oldest[0][3]) if oldest else 0
        return Card(
            title=N_("Ressources à valider"),
            order=40,
            figures=(Figure(N_("En attente de validation"), waiting),),
            items=tuple(Item(title or url, when=created) for title, url, created, _ in oldest),
            empty=N_("Rien à valider."),
            hint=N_("Pour valider : commande resource approve dans le chat."),
        )

    async def my_card(self, member_id: int, now: datetime) -> Card:
        saved = await self.bookmarks.saved(member_id)
        return Card(
            title=N_("Mes ressources enregistrées"),
            order=20,
            items=tuple(
                Item(
                    r.title or r.url,
                    href=r.url if r.url.startswith(("https://", "http://")) else None,
                )
                for r in saved.items
            ),
            empty=N_("Vous n'avez enregistré aucune ressource."),
            hint=N_("Pour en enregistrer une : commande resource save dans le chat."),
        )
