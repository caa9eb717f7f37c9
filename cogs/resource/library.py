"""What every use case of the library shares: input checks, the views of resources (tags in
their most used spelling, authors' names, the viewer's bookmarks) and the tag-label cache."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Protocol

from bot.core.tags import Tag, most_used_spelling, parse_tags, synonym_table
from bot.core.text import fold_key

from . import queries, search
from .domain import Origin, ResourceStatus, ResourceView, not_found, visible
from .models import Resource, ResourceCollection, ResourceTag
from .settings import ResourceSettings
from .urls import check_url, strip_tracking

if TYPE_CHECKING:
    from bot.storage.db import Database

# How long a tag's display spelling may be reused before being recounted. Writes in this
# process clear it at once; another process's writes show within this delay.
LABEL_CACHE_SECONDS = 60.0


class MemberNames(Protocol):
    """The part of ``core.members`` the library reads (names instead of a join)."""

    async def names(self, member_ids: list[int]) -> dict[int, str]: ...


class Library:
    """Shared by the service, bookmarks, moderation and bulk import: one per cog, so a write
    anywhere clears the one label cache."""

    def __init__(self, db: Database, members: MemberNames, settings: ResourceSettings) -> None:
        self.db = db
        self.members = members
        self.settings = settings
        self.synonyms = synonym_table(settings.synonyms)
        self._label_cache: dict[str, str] = {}
        self._label_cache_at = 0.0
        self._tag_counts: dict[str, dict[str, int]] | None = None
        self._tag_counts_at = 0.0

    # --- input -------------------------------------------------------------------------------

    def parse_tags(self, raw: str | Iterable[str] | None) -> list[Tag]:
        return parse_tags(raw, self.synonyms, max_tags=self.settings.max_tags)

    def check_url(self, url: str) -> str:
        return strip_tracking(check_url(url, allow_private=self.settings.allow_private_addresses))

    def document(self, title: str, summary: str, tags: Iterable[str]) -> str:
        """The indexed search text. The title twice: a word in the title weighs more than one
        in the summary."""
        return search.document(self.db.dialect, title, title, " ".join(tags), summary)

    # --- reading -----------------------------------------------------------------------------

    async def get(self, resource_id: int, viewer: int | None, *, moderator: bool) -> ResourceView:
        async with self.db.session() as s:
            resource = await s.get(Resource, resource_id)
        if resource is None or not visible(resource.status, resource.author_id, viewer, moderator):
            raise not_found(resource_id)
        return (await self.views([resource], viewer))[0]

    async def views(self, resources: Sequence[Resource], viewer: int | None) -> list[ResourceView]:
        if not resources:
            return []
        views = []
        for r in resources:
            assert r.id is not None
            views.append(
                ResourceView(
                    id=r.id,
                    url=r.url,
                    title=r.title,
                    summary=r.summary,
                    status=ResourceStatus(r.status),
                    origin=Origin(r.origin),
                    author_id=r.author_id,
                    author_name=None,
                    created_at=r.created_at,
                )
            )
        async with self.db.session() as s:
            await self.decorate(s, views, viewer)
        await self.name_authors(views)
        return views

    async def name_authors(self, views: list[ResourceView]) -> None:
        """Fill each view's author name (absent for a forgotten member)."""
        author_ids = sorted({v.author_id for v in views if v.author_id is not None})
        if not author_ids:
            return
        names = await self.members.names(author_ids)
        for view in views:
            if view.author_id is not None:
                view.author_name = names.get(view.author_id)

    async def decorate(
        self, s: queries.Session, views: list[ResourceView], viewer: int | None
    ) -> list[ResourceView]:
        """Fill tags (most used spelling), collections and the viewer's bookmarks."""
        if not views:
            return views
        by_id = {v.id: v for v in views}
        ids = list(by_id)
        rows = await queries.tags_and_collections(s, ids)
        labels = await self._labels(s, {key for kind, _, key, _ in rows if kind == 0})
        for kind, rid, key, label in rows:
            if kind == 0:
                by_id[rid].tags.append(labels.get(key, label))
            else:
                by_id[rid].collections.append(label)
        for view in views:
            view.tags.sort(key=fold_key)
            view.collections.sort(key=fold_key)
        if viewer is not None:
            for rid in await queries.bookmarked(s, viewer, ids):
                by_id[rid].saved = True
        return views

    async def _labels(self, s: queries.Session, keys: set[str]) -> dict[str, str]:
        """Each tag key's most used spelling (cached: counting is costly on big libraries)."""
        now = time.monotonic()
        if now - self._label_cache_at > LABEL_CACHE_SECONDS:
            self._label_cache, self._label_cache_at = {}, now
        missing = sorted(keys - self._label_cache.keys())
        if missing:
            for key, c in (await queries.label_counts(s, missing)).items():
                self._label_cache[key] = most_used_spelling(c)
        return {k: self._label_cache[k] for k in keys if k in self._label_cache}

    async def published_tag_counts(self) -> dict[str, dict[str, int]]:
        """Each tag key's spellings with their number of published resources; cached like
        the labels (every tag of the library is counted: 0.1–0.2 s on 100,000 resources)."""
        now = time.monotonic()
        if self._tag_counts is None or now - self._tag_counts_at > LABEL_CACHE_SECONDS:
            async with self.db.session() as s:
                self._tag_counts = await queries.published_tag_counts(s)
            self._tag_counts_at = now
        return self._tag_counts

    def tags_changed(self) -> None:
        """Tags, or which resources are published, changed: recount at the next look."""
        self._label_cache.clear()
        self._tag_counts = None

    # --- writing shared by sharing and importing ---------------------------------------------

    async def id_for_key(self, key: str) -> int | None:
        async with self.db.session() as s:
            return await queries.id_for_key(s, key)

    async def add_tags(self, resource_id: int, tags: list[Tag]) -> list[str]:
        """Add the tags the resource lacks (up to ``max_tags``); return their labels."""
        async with self.db.session() as s:
            resource = await s.get(Resource, resource_id)
            assert resource is not None
            rows = await queries.tags_of(s, resource_id)
            have = {r.key for r in rows}
            room = self.settings.max_tags - len(have)
            added = [t for t in tags if t.key not in have][: max(room, 0)]
            for tag in added:
                s.add(ResourceTag(resource_id=resource_id, key=tag.key, label=tag.label))
            self.tags_changed()
            if added:
                labels = [r.label for r in rows] + [t.label for t in added]
                resource.search_text = self.document(resource.title, resource.summary, labels)
                s.add(resource)
            return [t.label for t in added]

    async def add_collection(self, resource_id: int, coll: tuple[str, str]) -> None:
        async with self.db.session() as s:
            if await s.get(ResourceCollection, (resource_id, coll[0])) is None:
                s.add(ResourceCollection(resource_id=resource_id, key=coll[0], name=coll[1]))
