"""The library's page of the web dashboard (``bot.core.dashboard.ResourceDashboard``): the
moderation queue, tags with their counts and their tidying, searches that found nothing, and
the whole library as CSV or JSON. It calls the cog's use cases; it adds none of its own."""

from __future__ import annotations

from bot.core import Translator, UserError
from bot.core.dashboard_pages import (
    Download,
    EmptySearchRow,
    ExportFormat,
    QueuedResource,
    TagChangeDone,
    TagCount,
)

from . import render
from .bulk import BulkTransfer
from .empty_searches import EmptySearches
from .moderation import Moderation
from .service import ResourceService
from .tag_admin import TagAdmin, TagChange
from .transfer import export_bytes

CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


class ResourceBoard:
    def __init__(
        self,
        *,
        service: ResourceService,
        moderation: Moderation,
        tag_admin: TagAdmin,
        empty_searches: EmptySearches,
        bulk: BulkTransfer,
    ) -> None:
        self.service = service
        self.moderation = moderation
        self.tag_admin = tag_admin
        self.empty = empty_searches
        self.bulk = bulk

    async def queue(self) -> list[QueuedResource]:
        return [
            QueuedResource(
                id=v.id,
                title=v.title,
                url=v.url,
                summary=v.summary,
                author=v.author_name,
                submitted_at=v.created_at,
                tags=list(v.tags),
            )
            for v in await self.moderation.pending()
        ]

    async def approve(self, resource_id: int) -> str:
        return (await self.moderation.approve(resource_id)).title

    async def reject(self, resource_id: int) -> str:
        return await self.moderation.reject(resource_id)

    async def tags(self) -> list[TagCount]:
        return [TagCount(label, count) for label, count in await self.service.tags()]

    async def rename_tag(self, old: str, new: str) -> TagChangeDone:
        return _done(await self.tag_admin.rename(old, new), merged=False)

    async def merge_tags(self, old: str, into: str) -> TagChangeDone:
        return _done(await self.tag_admin.merge(old, into), merged=True)

    def describe(self, done: TagChangeDone, t: Translator) -> str:
        change = TagChange(done.old, done.new, done.resources, done.duplicates)
        return render.tag_changed(change, t, merged=done.merged).text

    async def empty_searches(self, limit: int = 50) -> list[EmptySearchRow]:
        return [EmptySearchRow(e.query, e.count, e.last_seen) for e in await self.empty.top(limit)]

    async def export(self, fmt: ExportFormat) -> Download:
        if fmt not in CONTENT_TYPES:
            raise UserError("Choisissez le format csv ou json.")
        body = export_bytes(await self.bulk.export_rows(), fmt)
        return Download(f"ressources.{fmt}", CONTENT_TYPES[fmt], body)


def _done(change: TagChange, *, merged: bool) -> TagChangeDone:
    return TagChangeDone(merged, change.old, change.new, change.resources, change.duplicates)
