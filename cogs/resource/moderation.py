"""The moderation queue (``moderation = "queue"``): what waits, approving or rejecting it,
telling the author either way.

In the chat a moderator rejects with ``resource remove``; the dashboard's "reject" button
calls :meth:`Moderation.reject`, which also tells the author.
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
#: The outbox kind of the private message telling an author their submission was not kept.
REJECTED_KIND = "resource.rejected"


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
        self.library.tags_changed()  # its tags now count among the published ones
        if author_id is not None:
            await self.outbox.enqueue(
                approved_key(resource_id),
                self.clock.now(),
                kind=APPROVED_KIND,
                data={"id": resource_id, "title": title},
                member_id=author_id,
            )
        return await self.library.get(resource_id, None, moderator=True)

    async def reject(self, resource_id: int) -> str:
        """Delete a waiting resource, tell its author; return its title."""
        async with self.db.session() as s:
            resource = await s.get(Resource, resource_id)
            if resource is None:
                raise not_found(resource_id)
            if resource.status != ResourceStatus.PENDING:
                raise UserError(
                    "La ressource {id} est publiée : retirez-la avec resource remove.",
                    id=resource_id,
                )
            author_id, title = resource.author_id, resource.title
            await s.delete(resource)
        self.library.tags_changed()
        if author_id is not None:
            await self.outbox.enqueue(
                f"resource:rejected:{resource_id}",
                self.clock.now(),
                kind=REJECTED_KIND,
                data={"id": resource_id, "title": title},
                member_id=author_id,
            )
        return title
