"""The library's use cases: share, show, find, list, edit, remove.

Platform-free: raises UserError for bad input; knows nothing of replies or chat platforms.
Bookmarks, moderation, bulk import/export and privacy have their own rooms.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.exc import IntegrityError

from bot.core import N_, MemberInfo, UserError
from bot.core.tags import Tag, most_used_spelling
from bot.core.text import fold_key, tidy

from . import queries, search
from .domain import (
    MAX_SUMMARY,
    MAX_TITLE,
    AddResult,
    ResourceStatus,
    ResourceView,
    SearchPage,
    clean_summary,
    clean_title,
    collection_name,
    not_found,
    visible,
)
from .empty_searches import EmptySearches
from .library import Library
from .models import Resource, ResourceCollection, ResourceTag
from .preview import Preview, PreviewError, PreviewFetcher
from .settings import ResourceSettings
from .urls import normalise_url

if TYPE_CHECKING:
    from bot.scheduling import Clock
    from bot.storage.db import Database

log = logging.getLogger(__name__)


class Fetcher(Protocol):
    async def fetch(self, url: str) -> Preview: ...


class MemberDirectory(Protocol):
    """The part of ``core.members`` the service reads (``find author:…``)."""

    async def find_by_name(self, name: str) -> list[MemberInfo]: ...


class ResourceService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        members: MemberDirectory,
        settings: ResourceSettings,
        library: Library,
        fetcher: Fetcher | None = None,
        empty_searches: EmptySearches | None = None,
    ) -> None:
        self.db = db
        self.empty_searches = empty_searches
        self.clock = clock
        self.members = members
        self.settings = settings
        self.library = library
        self.fetcher: Fetcher = fetcher or PreviewFetcher(
            allow_private=settings.allow_private_addresses,
            timeout=settings.preview_timeout,
            max_bytes=settings.preview_max_bytes,
            max_redirects=settings.preview_max_redirects,
        )

    # --- sharing -----------------------------------------------------------------------------

    async def add(
        self,
        member_id: int,
        url: str,
        *,
        title: str | None = None,
        summary: str | None = None,
        tags: str | None = None,
        collection: str | None = None,
        moderator: bool = False,
    ) -> AddResult:
        lib = self.library
        url = lib.check_url(url)
        key = normalise_url(url)
        parsed = lib.parse_tags(tags)
        coll = collection_name(collection)
        title = clean_title(title)
        summary = clean_summary(summary)
        existing = await lib.id_for_key(key)
        if existing is not None:
            return await self._merge_share(existing, parsed, coll, member_id, moderator)
        preview_error: PreviewError | None = None
        if (not title or not summary) and self.settings.preview:
            try:
                preview = await self.fetcher.fetch(url)
            except PreviewError as error:
                preview_error = error
            except Exception as error:  # never block sharing on a preview
                log.info("preview of a shared link failed: %s", type(error).__name__)
                preview_error = PreviewError(N_("la page n'a pas pu être lue"))
            else:
                title = title or clean_title(preview.title)
                summary = summary or (preview.description or "")[:MAX_SUMMARY]
        title = title or url[:MAX_TITLE]
        queued = self.settings.moderation == "queue" and not moderator
        status = ResourceStatus.PENDING if queued else ResourceStatus.PUBLISHED
        now = self.clock.now()
        try:
            async with self.db.session() as s:
                resource = Resource(
                    url=url,
                    url_key=key,
                    title=title,
                    summary=summary,
                    author_id=member_id,
                    status=status,
                    created_at=now,
                    updated_at=now,
                    search_text=lib.document(title, summary, [t.label for t in parsed]),
                )
                s.add(resource)
                await s.flush()
                assert resource.id is not None
                for tag in parsed:
                    s.add(ResourceTag(resource_id=resource.id, key=tag.key, label=tag.label))
                lib.tags_changed()
                if coll:
                    s.add(ResourceCollection(resource_id=resource.id, key=coll[0], name=coll[1]))
                new_id = resource.id
        except IntegrityError:  # shared by someone else at the same moment
            existing = await lib.id_for_key(key)
            if existing is None:
                raise
            return await self._merge_share(existing, parsed, coll, member_id, moderator)
        view = await lib.get(new_id, member_id, moderator=True)
        return AddResult(view, True, [t.label for t in parsed], preview_error)

    async def _merge_share(
        self,
        resource_id: int,
        tags: list[Tag],
        coll: tuple[str, str] | None,
        member_id: int,
        moderator: bool,
    ) -> AddResult:
        async with self.db.session() as s:
            resource = await s.get(Resource, resource_id)
            hidden = resource is not None and not visible(
                resource.status, resource.author_id, member_id, moderator
            )
        if hidden:
            # Someone else's submission under review: nothing about it is shown (not even
            # that it exists under a number), and it is not changed behind its author's back.
            return AddResult(None, False)
        added = await self.library.add_tags(resource_id, tags)
        if coll:
            await self.library.add_collection(resource_id, coll)
        view = await self.library.get(resource_id, member_id, moderator=True)
        return AddResult(view, False, added)

    # --- reading -----------------------------------------------------------------------------

    async def get(self, resource_id: int, viewer: int | None, *, moderator: bool) -> ResourceView:
        return await self.library.get(resource_id, viewer, moderator=moderator)

    async def recent(self, viewer: int | None, page: int = 1) -> SearchPage:
        size = self.settings.page_size
        async with self.db.session() as s:
            rows = await queries.recent(s, (page - 1) * size, size + 1)
        return SearchPage(await self.library.views(rows[:size], viewer), page, len(rows) > size)

    async def find(
        self,
        viewer: int | None,
        *,
        query: str | None = None,
        tags: str | None = None,
        author: str | None = None,
        collection: str | None = None,
        page: int = 1,
    ) -> SearchPage:
        tag_keys = [t.key for t in self.library.parse_tags(tags)]
        coll = collection_name(collection)
        author_ids: list[int] | None = None
        if author and author.strip():
            found = await self.members.find_by_name(author)
            if not found:
                raise UserError(
                    "Je ne connais aucun membre nommé « {name} ».", name=author.strip()[:60]
                )
            author_ids = [m.id for m in found]
        words = query.strip() if query else ""
        if not words and not tag_keys and author_ids is None and coll is None:
            raise UserError(
                "Dites-moi quoi chercher : des mots (query:), des tags (tags:), "
                "un auteur (author:) ou une collection (collection:)."
            )
        dialect = self.db.dialect
        fts: str | None = None
        if words:
            fts = search.fts5_query(words) if dialect == "sqlite" else search.pg_query(words)
            if fts is None:
                raise UserError(
                    "« {query} » ne contient que des mots trop courants pour chercher. "
                    "Essayez des mots plus précis.",
                    query=words[:60],
                )
        size = self.settings.page_size
        async with self.db.session() as s:
            if fts and dialect == "postgresql":
                await queries.plan_for_these_words(s)
            rows = await queries.search(
                s,
                dialect,
                fts,
                tag_keys,
                author_ids,
                coll[0] if coll else None,
                (page - 1) * size,
                size + 1,
                self.settings.rank_candidates,
            )
            # Lists do not show bookmarks: no viewer, one query less.
            views = await self.library.decorate(s, rows[:size], None)
        await self.library.name_authors(views)
        if not rows and page == 1 and author_ids is None and self.empty_searches is not None:
            # Counted without the searcher; a search by author is left out (it names someone).
            await self.empty_searches.record(words, tag_keys)
        return SearchPage(views, page, len(rows) > size)

    async def tags(self) -> list[tuple[str, int]]:
        """Every tag on published resources, most used first, in its most used spelling."""
        counts = await self.library.published_tag_counts()
        result = [(most_used_spelling(c), sum(c.values())) for c in counts.values()]
        return sorted(result, key=lambda item: (-item[1], fold_key(item[0])))

    async def collections(self) -> list[tuple[str, int]]:
        async with self.db.session() as s:
            rows = await queries.published_collections(s)
        return sorted(rows, key=lambda i: fold_key(i[0]))

    # --- changes -----------------------------------------------------------------------------

    async def _editable(
        self, s: queries.Session, resource_id: int, member_id: int, moderator: bool
    ) -> Resource:
        resource: Resource | None = await s.get(Resource, resource_id)
        if resource is None or not visible(
            resource.status, resource.author_id, member_id, moderator
        ):
            raise not_found(resource_id)
        if resource.author_id != member_id and not moderator:
            raise UserError(
                "Seule la personne qui a partagé la ressource {id}, ou un modérateur, "
                "peut la modifier ou la retirer.",
                id=resource_id,
            )
        return resource

    async def edit(
        self,
        member_id: int,
        resource_id: int,
        *,
        moderator: bool,
        title: str | None = None,
        summary: str | None = None,
        tags: str | None = None,
        collection: str | None = None,
    ) -> ResourceView:
        if all(v is None for v in (title, summary, tags, collection)):
            raise UserError("Dites ce qui change : title:, summary:, tags: ou collection:.")
        parsed = self.library.parse_tags(tags) if tags is not None else None
        coll = collection_name(collection) if collection is not None else None
        async with self.db.session() as s:
            resource = await self._editable(s, resource_id, member_id, moderator)
            if title is not None and tidy(title):
                resource.title = clean_title(title)
            if summary is not None:
                resource.summary = clean_summary(summary)
            if parsed is not None:
                await queries.clear_tags(s, resource_id)
                for tag in parsed:
                    s.add(ResourceTag(resource_id=resource_id, key=tag.key, label=tag.label))
                labels = [t.label for t in parsed]
                self.library.tags_changed()
            else:
                labels = await queries.tag_labels_of(s, resource_id)
            if collection is not None:
                # "collection:" replaces the collections; an empty value removes them.
                await queries.clear_collections(s, resource_id)
                if coll:
                    s.add(ResourceCollection(resource_id=resource_id, key=coll[0], name=coll[1]))
            resource.search_text = self.library.document(resource.title, resource.summary, labels)
            resource.updated_at = self.clock.now()
            s.add(resource)
        return await self.library.get(resource_id, member_id, moderator=True)

    async def remove(
        self, member_id: int, resource_id: int, *, moderator: bool
    ) -> tuple[str, bool]:
        """Delete a resource; return its title and whether it was still waiting for approval
        (then the confirmation, which names it, is private)."""
        async with self.db.session() as s:
            resource = await self._editable(s, resource_id, member_id, moderator)
            title, pending = resource.title, resource.status != ResourceStatus.PUBLISHED
            await s.delete(resource)
        self.library.tags_changed()
        return title, pending
