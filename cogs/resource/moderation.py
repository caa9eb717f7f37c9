"""The moderation queue (``moderation = "queue"``): what waits, approving it, telling the author.

There is no "reject": a moderator removes a submission with ``resource remove``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core import UserError

from . import queries
from .domain import ResourceStatus, ResourceView, not_found
from .library import Library
from .models import Resource

if TYPE_CHECKING:
    from bot.core.outbox import Outbox
    from bot.scheduling import Clock
    from bot.storage.db import Database

#: The outbox kind of the private message telling an author their resource is published.
APPROVED_KIND = "resource.approved"


def approved_key(resource_id: int) -> str:
    """The outbox key of that message: one per resource, so approving twice sends once."""
    return f"resource:approved:{resource_id}"


class Moderation:
    def __init__(self, db: Database, clock: Clock, outbox: Outbox, library: Library) -> None:
        self.db = db
        self.clock = clock
        self.outbox = outbox
        self.library = library

    async def pending(self) -> list[ResourceView]:
        """The oldest resources waiting for approval (25 at most)."""
        async with self.db.session() as s:
            rows = await queries.pending(s)
        return await self.library.views(rows, None)

    async def approve(self, resource_id: int) -> ResourceView:
        """Publish a waiting resource and queue the private message to its author."""
        async with self.db.session() as s:
            resource = await s.get(Resource, resource_id)
            if resource is None:
                raise not_found(resource_id)
            if resource.status == ResourceStatus.PUBLISHED:
                raise UserError("La ressource {id} est déjà publiée.", id=resource_id)
            resource.status = ResourceStatus.PUBLISHED
            resource.updated_at = self.clock.now()
            s.add(resource)
            author_id, title = resource.author_id, resource.title
        if author_id is not None:
            await self.outbox.enqueue(
                approved_key(resource_id),
                self.clock.now(),
                kind=APPROVED_KIND,
                data={"id": resource_id, "title": title},
                member_id=author_id,
            )
        return await self.library.get(resource_id, None, moderator=True)
