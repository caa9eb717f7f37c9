"""The resource library's rules: sharing, dedupe, tags, search, moderation, privacy.

Platform-free: raises UserError for bad input; knows nothing of replies or chat platforms.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    bindparam,
    column,
    delete,
    func,
    insert,
    or_,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.core import N_, Core, UserError
from bot.core.tags import Tag, most_used_spelling, parse_tags, synonym_table
from bot.core.text import fold_key, tidy
from bot.storage.models import Member
from bot.storage.types import UTCDateTime

from . import search
from .models import Resource, ResourceBookmark, ResourceCollection, ResourceTag
from .preview import PreviewError, PreviewFetcher
from .settings import Settings
from .urls import check_url, normalise_url, strip_tracking

log = logging.getLogger(__name__)

PUBLISHED, PENDING = "published", "pending"
MAX_TITLE = 300
MAX_SUMMARY = 2000
MAX_COLLECTION = 120
# How long a tag's display spelling may be reused before being recounted. Writes in this
# process clear it at once; another process's writes show within this delay.
LABEL_CACHE_SECONDS = 60.0


@dataclass(slots=True)
class ResourceView:
    """A resource as shown: tags in their most used spelling, the author's name."""

    id: int
    url: str
    title: str
    summary: str
    status: str
    origin: str
    author_id: int | None
    author_name: str | None
    created_at: datetime
    tags: list[str] = field(default_factory=list)
    collections: list[str] = field(default_factory=list)
    saved: bool = False


# The leading fields of ResourceView, in order, as the search query selects them.
_COLUMNS = (
    "r.id, r.url, r.title, r.summary, r.status, r.origin, r.author_id, "
    "m.display_name, r.created_at"
)
_AUTHOR = "LEFT JOIN core_member m ON m.id = r.author_id"
_TYPED_COLUMNS = (
    column("id", Integer),
    column("url", String),
    column("title", String),
    column("summary", String),
    column("status", String),
    column("origin", String),
    column("author_id", Integer),
    column("display_name", String),
    column("created_at", UTCDateTime),
)


@dataclass(slots=True)
class AddResult:
    """``resource`` is None when the link is already waiting for approval as someone else's
    submission: its card stays private to its author and the moderators."""

    resource: ResourceView | None
    created: bool
    added_tags: list[str] = field(default_factory=list)
    preview_error: PreviewError | None = None


@dataclass(slots=True)
class SearchPage:
    items: list[ResourceView]
    page: int
    has_next: bool


@dataclass(slots=True)
class ImportReport:
    imported: int = 0
    merged: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)


class ResourceService:
    def __init__(
        self, core: Core, settings: Settings, fetcher: PreviewFetcher | None = None
    ) -> None:
        self.core = core
        self.db = core.db
        self.settings = settings
        self.synonyms = synonym_table(settings.synonyms)
        self._label_cache: dict[str, str] = {}
        self._label_cache_at = 0.0
        self.fetcher = fetcher or PreviewFetcher(
            allow_private=settings.allow_private_addresses,
            timeout=settings.preview_timeout,
            max_bytes=settings.preview_max_bytes,
            max_redirects=settings.preview_max_redirects,
        )

    # --- input -------------------------------------------------------------------------------

    def parse_tags(self, raw: str | Iterable[str] | None) -> list[Tag]:
        return parse_tags(raw, self.synonyms, max_tags=self.settings.max_tags)

    def check_url(self, url: str) -> str:
        return strip_tracking(check_url(url, allow_private=self.settings.allow_private_addresses))

    @staticmethod
    def collection_name(name: str | None) -> tuple[str, str] | None:
        if name is None or not tidy(name):
            return None
        label = tidy(name)
        if len(label) > MAX_COLLECTION or not fold_key(label):
            raise UserError(
                "Le nom de collection doit compter de 1 à {max} caractères, lettres ou chiffres.",
                max=MAX_COLLECTION,
            )
        return fold_key(label), label

    def _document(self, title: str, summary: str, tags: Iterable[str]) -> str:
        # The title twice: a word in the title weighs more than one in the summary.
        return search.document(self.db.dialect, title, title, " ".join(tags), summary)

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
        url = self.check_url(url)
        key = normalise_url(url)
        parsed = self.parse_tags(tags)
        coll = self.collection_name(collection)
        title = tidy(title or "")[:MAX_TITLE]
        summary = (summary or "").strip()[:MAX_SUMMARY]
        existing = await self._id_for_key(key)
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
                title = title or tidy(preview.title or "")[:MAX_TITLE]
                summary = summary or (preview.description or "")[:MAX_SUMMARY]
        title = title or url[:MAX_TITLE]
        status = PENDING if self.settings.moderation == "queue" and not moderator else PUBLISHED
        now = self.core.clock.now()
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
                    search_text=self._document(title, summary, [t.label for t in parsed]),
                )
                s.add(resource)
                await s.flush()
                assert resource.id is not None
                for tag in parsed:
                    s.add(ResourceTag(resource_id=resource.id, key=tag.key, label=tag.label))
                self._tags_changed()
                if coll:
                    s.add(ResourceCollection(resource_id=resource.id, key=coll[0], name=coll[1]))
                new_id = resource.id
        except IntegrityError:  # shared by someone else at the same moment
            existing = await self._id_for_key(key)
            if existing is None:
                raise
            return await self._merge_share(existing, parsed, coll, member_id, moderator)
        view = await self.get(new_id, member_id, moderator=True)
        return AddResult(view, True, [t.label for t in parsed], preview_error)

    async def _id_for_key(self, key: str) -> int | None:
        async with self.db.session() as s:
            return (await s.exec(select(Resource.id).where(Resource.url_key == key))).first()

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
            hidden = (
                resource is not None
                and resource.status != PUBLISHED
                and not moderator
                and resource.author_id != member_id
            )
        if hidden:
            # Someone else's submission under review: nothing about it is shown (not even
            # that it exists under a number), and it is not changed behind its author's back.
            return AddResult(None, False)
        added = await self._add_tags(resource_id, tags)
        if coll:
            await self._add_collection(resource_id, coll)
        view = await self.get(resource_id, member_id, moderator=True)
        return AddResult(view, False, added)

    async def _add_tags(self, resource_id: int, tags: list[Tag]) -> list[str]:
        async with self.db.session() as s:
            resource = await s.get(Resource, resource_id)
            assert resource is not None
            rows = (
                await s.exec(select(ResourceTag).where(ResourceTag.resource_id == resource_id))
            ).all()
            have = {r.key for r in rows}
            room = self.settings.max_tags - len(have)
            added = [t for t in tags if t.key not in have][: max(room, 0)]
            for tag in added:
                s.add(ResourceTag(resource_id=resource_id, key=tag.key, label=tag.label))
            self._tags_changed()
            if added:
                labels = [r.label for r in rows] + [t.label for t in added]
                resource.search_text = self._document(resource.title, resource.summary, labels)
                s.add(resource)
            return [t.label for t in added]

    async def _add_collection(self, resource_id: int, coll: tuple[str, str]) -> None:
        async with self.db.session() as s:
            if await s.get(ResourceCollection, (resource_id, coll[0])) is None:
                s.add(ResourceCollection(resource_id=resource_id, key=coll[0], name=coll[1]))

    # --- reading -----------------------------------------------------------------------------

    async def get(self, resource_id: int, viewer: int | None, *, moderator: bool) -> ResourceView:
        async with self.db.session() as s:
            resource = await s.get(Resource, resource_id)
        if resource is None or (
            resource.status != PUBLISHED and not moderator and resource.author_id != viewer
        ):
            raise UserError(
                "Aucune ressource n'a le numéro {id}. Cherchez-la avec resource find.",
                id=resource_id,
            )
        return (await self._views([resource], viewer))[0]

    async def _views(
        self, resources: Sequence[Resource], viewer: int | None, session: Any = None
    ) -> list[ResourceView]:
        if not resources:
            return []
        if session is None:
            async with self.db.session() as s:
                return await self._views(resources, viewer, s)
        return await self._views_in(session, resources, viewer)

    async def _views_in(
        self, s: Any, resources: Sequence[Resource], viewer: int | None
    ) -> list[ResourceView]:
        author_ids = sorted({r.author_id for r in resources if r.author_id is not None})
        names: dict[int, str] = {}
        if author_ids:
            names = dict(
                (
                    await s.exec(
                        select(Member.id, Member.display_name).where(
                            col(Member.id).in_(author_ids)
                        )
                    )
                ).all()
            )
        views = []
        for r in resources:
            assert r.id is not None
            views.append(
                ResourceView(
                    id=r.id,
                    url=r.url,
                    title=r.title,
                    summary=r.summary,
                    status=r.status,
                    origin=r.origin,
                    author_id=r.author_id,
                    author_name=names.get(r.author_id) if r.author_id else None,
                    created_at=r.created_at,
                )
            )
        return await self._decorate(s, views, viewer)

    async def _decorate(
        self, s: Any, views: list[ResourceView], viewer: int | None
    ) -> list[ResourceView]:
        """Fill tags (most used spelling), collections and the viewer's bookmarks."""
        if not views:
            return views
        by_id = {v.id: v for v in views}
        ids = list(by_id)
        rows = (
            await s.exec(
                text(
                    "SELECT 0, resource_id, key, label FROM resource_tag "
                    "WHERE resource_id IN :ids UNION ALL "
                    "SELECT 1, resource_id, key, name FROM resource_collection "
                    "WHERE resource_id IN :ids"
                ).bindparams(bindparam("ids", expanding=True)),
                params={"ids": ids},
            )
        ).all()
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
            saved = (
                await s.exec(
                    select(ResourceBookmark.resource_id).where(
                        ResourceBookmark.member_id == viewer,
                        col(ResourceBookmark.resource_id).in_(ids),
                    )
                )
            ).all()
            for rid in saved:
                by_id[rid].saved = True
        return views

    async def _labels(self, s: Any, keys: set[str]) -> dict[str, str]:
        """Each tag key's most used spelling (cached: counting is costly on big libraries)."""
        now = time.monotonic()
        if now - self._label_cache_at > LABEL_CACHE_SECONDS:
            self._label_cache, self._label_cache_at = {}, now
        missing = sorted(keys - self._label_cache.keys())
        if missing:
            counts: dict[str, dict[str, int]] = defaultdict(dict)
            rows = await s.exec(
                select(ResourceTag.key, ResourceTag.label, func.count())
                .where(col(ResourceTag.key).in_(missing))
                .group_by(ResourceTag.key, ResourceTag.label)
            )
            for key, label, count in rows:
                counts[key][label] = count
            for key, c in counts.items():
                self._label_cache[key] = most_used_spelling(c)
        return {k: self._label_cache[k] for k in keys if k in self._label_cache}

    def _tags_changed(self) -> None:
        self._label_cache.clear()

    async def recent(self, viewer: int | None, page: int = 1) -> SearchPage:
        size = self.settings.page_size
        async with self.db.session() as s:
            rows = (
                await s.exec(
                    select(Resource)
                    .where(Resource.status == PUBLISHED)
                    .order_by(col(Resource.created_at).desc(), col(Resource.id).desc())
                    .offset((page - 1) * size)
                    .limit(size + 1)
                )
            ).all()
        return SearchPage(await self._views(rows[:size], viewer), page, len(rows) > size)

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
        tag_keys = [t.key for t in self.parse_tags(tags)]
        coll = self.collection_name(collection)
        author_ids: list[int] | None = None
        if author and author.strip():
            found = await self.core.members.find_by_name(author)
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
        if words:
            fts = (
                search.fts5_query(words) if self.db.dialect == "sqlite" else search.pg_query(words)
            )
            if fts is None:
                raise UserError(
                    "« {query} » ne contient que des mots trop courants pour chercher. "
                    "Essayez des mots plus précis.",
                    query=words[:60],
                )
        else:
            fts = None
        size = self.settings.page_size
        async with self.db.session() as s:
            if fts and self.db.dialect == "postgresql":
                # A prepared statement's generic plan does not know the words: it joins the
                # query as a function scan and ranks twice as slowly. Plan for these words.
                await s.exec(text("SET LOCAL plan_cache_mode = force_custom_plan"))
            rows = await self._search(
                s,
                fts,
                tag_keys,
                author_ids,
                coll[0] if coll else None,
                (page - 1) * size,
                size + 1,
            )
            views = [ResourceView(*row) for row in rows[:size]]
            # Lists do not show bookmarks: no viewer, one query less.
            return SearchPage(await self._decorate(s, views, None), page, len(rows) > size)

    async def _search(
        self,
        s: Any,
        fts: str | None,
        tag_keys: list[str],
        author_ids: list[int] | None,
        collection_key: str | None,
        offset: int,
        limit: int,
    ) -> list[Any]:
        """One page of matching resources as ResourceView's leading fields, best first."""
        params: dict[str, Any] = {"offset": offset, "limit": limit, "published": PUBLISHED}
        where = ["r.status = :published"]
        for i, key in enumerate(tag_keys):
            # With words, the full-text matches drive the query: check each one's tags by
            # primary key. Without, list the tag's resources from its index.
            where.append(
                f"EXISTS (SELECT 1 FROM resource_tag t WHERE t.resource_id = r.id "
                f"AND t.key = :tag{i})"
                if fts
                else f"r.id IN (SELECT resource_id FROM resource_tag WHERE key = :tag{i})"
            )
            params[f"tag{i}"] = key
        if collection_key is not None:
            where.append(
                "EXISTS (SELECT 1 FROM resource_collection c2 WHERE c2.resource_id = r.id "
                "AND c2.key = :coll)"
                if fts
                else "r.id IN (SELECT resource_id FROM resource_collection WHERE key = :coll)"
            )
            params["coll"] = collection_key
        if author_ids is not None:
            names = []
            for i, member_id in enumerate(author_ids):
                params[f"author{i}"] = member_id
                names.append(f":author{i}")
            where.append(f"r.author_id IN ({', '.join(names)})")
        if fts is None:
            sql = (
                f"SELECT {_COLUMNS} FROM resource_item r {_AUTHOR} WHERE "
                + " AND ".join(where)
                + " ORDER BY r.created_at DESC, r.id DESC LIMIT :limit OFFSET :offset"
            )
        else:
            params["q"] = fts
            sql = self._ranked_sql(" AND ".join(where), params)
        statement = text(sql).columns(*_TYPED_COLUMNS)
        return list((await s.exec(statement, params=params)).all())

    def _ranked_sql(self, filters: str, params: dict[str, Any]) -> str:
        """Words and filters, best match first. Ranking carries only (id, score); the page's
        columns are read afterwards for its few rows. On SQLite, with ``rank_candidates``
        (N > 0), only the N most recent matches are ranked: a word found in 30,000 resources
        would otherwise cost 30,000 bm25 scores for a page of 5."""
        # PostgreSQL reads every match to order them by id anyway, so a bound would not help
        # there; ts_rank over the stored vector is cheap enough.
        cap = self.settings.rank_candidates if self.db.dialect == "sqlite" else 0
        if cap:
            params["cap"] = cap
        page = "LIMIT :limit OFFSET :offset"
        if self.db.dialect == "sqlite":
            matches = (
                "FROM resource_fts f JOIN resource_item r ON r.id = f.rowid "
                f"WHERE resource_fts MATCH :q AND {filters}"
            )
            order = "p.score, p.id DESC"  # bm25: lower is better
            ranked = (
                f"SELECT id, score FROM (SELECT f.rowid AS id, f.rank AS score {matches} "
                f"ORDER BY f.rowid DESC LIMIT :cap) ORDER BY score, id DESC {page}"
                if cap
                else f"SELECT f.rowid AS id, f.rank AS score {matches} ORDER BY f.rank {page}"
            )
        else:
            matches = (
                "FROM resource_item r CROSS JOIN to_tsquery('french', :q) q "
                f"WHERE r.search_fts @@ q AND {filters}"
            )
            order = "p.score DESC, p.id DESC"
            score = "ts_rank(r.search_fts, q) AS score"
            ranked = f"SELECT r.id, {score} {matches} ORDER BY score DESC, r.id DESC {page}"
        return (
            f"SELECT {_COLUMNS} FROM ({ranked}) p JOIN resource_item r ON r.id = p.id "
            f"{_AUTHOR} ORDER BY {order}"
        )

    async def tags(self) -> list[tuple[str, int]]:
        """Every tag on published resources, most used first, in its most used spelling."""
        async with self.db.session() as s:
            rows = await s.exec(
                select(ResourceTag.key, ResourceTag.label, func.count())
                .join(Resource, col(Resource.id) == col(ResourceTag.resource_id))
                .where(Resource.status == PUBLISHED)
                .group_by(ResourceTag.key, ResourceTag.label)
            )
            counts: dict[str, dict[str, int]] = defaultdict(dict)
            for key, label, count in rows:
                counts[key][label] = count
        result = [(most_used_spelling(c), sum(c.values())) for c in counts.values()]
        return sorted(result, key=lambda item: (-item[1], fold_key(item[0])))

    async def collections(self) -> list[tuple[str, int]]:
        async with self.db.session() as s:
            rows = (
                await s.exec(
                    select(ResourceCollection.key, func.min(ResourceCollection.name), func.count())
                    .join(Resource, col(Resource.id) == col(ResourceCollection.resource_id))
                    .where(Resource.status == PUBLISHED)
                    .group_by(ResourceCollection.key)
                )
            ).all()
        return sorted(((name, n) for _k, name, n in rows), key=lambda i: fold_key(i[0]))

    # --- bookmarks ---------------------------------------------------------------------------

    async def save(self, member_id: int, resource_id: int, *, moderator: bool) -> ResourceView:
        view = await self.get(resource_id, member_id, moderator=moderator)
        async with self.db.session() as s:
            if await s.get(ResourceBookmark, (member_id, resource_id)) is None:
                s.add(
                    ResourceBookmark(
                        member_id=member_id,
                        resource_id=resource_id,
                        created_at=self.core.clock.now(),
                    )
                )
        view.saved = True
        return view

    async def unsave(self, member_id: int, resource_id: int) -> bool:
        async with self.db.session() as s:
            row = await s.get(ResourceBookmark, (member_id, resource_id))
            if row is None:
                return False
            await s.delete(row)
            return True

    async def saved(self, member_id: int, page: int = 1) -> SearchPage:
        size = self.settings.page_size
        async with self.db.session() as s:
            rows = (
                await s.exec(
                    select(Resource)
                    .join(ResourceBookmark, col(ResourceBookmark.resource_id) == col(Resource.id))
                    .where(ResourceBookmark.member_id == member_id)
                    # A bookmark on a resource still (or again) under review — saved while a
                    # moderator — lists it only to its author.
                    .where(or_(Resource.status == PUBLISHED, col(Resource.author_id) == member_id))
                    .order_by(col(ResourceBookmark.created_at).desc(), col(Resource.id).desc())
                    .offset((page - 1) * size)
                    .limit(size + 1)
                )
            ).all()
        return SearchPage(await self._views(rows[:size], member_id), page, len(rows) > size)

    # --- changes -----------------------------------------------------------------------------

    async def _editable(
        self, s: Any, resource_id: int, member_id: int, moderator: bool
    ) -> Resource:
        resource = await s.get(Resource, resource_id)
        if resource is None or (
            resource.status != PUBLISHED and not moderator and resource.author_id != member_id
        ):
            raise UserError(
                "Aucune ressource n'a le numéro {id}. Cherchez-la avec resource find.",
                id=resource_id,
            )
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
        parsed = self.parse_tags(tags) if tags is not None else None
        coll = self.collection_name(collection) if collection is not None else None
        async with self.db.session() as s:
            resource = await self._editable(s, resource_id, member_id, moderator)
            if title is not None and tidy(title):
                resource.title = tidy(title)[:MAX_TITLE]
            if summary is not None:
                resource.summary = summary.strip()[:MAX_SUMMARY]
            if parsed is not None:
                await s.exec(
                    delete(ResourceTag).where(col(ResourceTag.resource_id) == resource_id)
                )
                for tag in parsed:
                    s.add(ResourceTag(resource_id=resource_id, key=tag.key, label=tag.label))
                labels = [t.label for t in parsed]
                self._tags_changed()
            else:
                labels = list(
                    (
                        await s.exec(
                            select(ResourceTag.label).where(ResourceTag.resource_id == resource_id)
                        )
                    ).all()
                )
            if collection is not None:
                # "collection:" replaces the collections; an empty value removes them.
                await s.exec(
                    delete(ResourceCollection).where(
                        col(ResourceCollection.resource_id) == resource_id
                    )
                )
                if coll:
                    s.add(ResourceCollection(resource_id=resource_id, key=coll[0], name=coll[1]))
            resource.search_text = self._document(resource.title, resource.summary, labels)
            resource.updated_at = self.core.clock.now()
            s.add(resource)
        return await self.get(resource_id, member_id, moderator=True)

    async def remove(
        self, member_id: int, resource_id: int, *, moderator: bool
    ) -> tuple[str, bool]:
        """Delete a resource; return its title and whether it was still waiting for approval
        (then the confirmation, which names it, is private)."""
        async with self.db.session() as s:
            resource = await self._editable(s, resource_id, member_id, moderator)
            title, pending = resource.title, resource.status != PUBLISHED
            await s.delete(resource)
        self._tags_changed()
        return title, pending

    async def pending(self) -> list[ResourceView]:
        async with self.db.session() as s:
            rows = (
                await s.exec(
                    select(Resource)
                    .where(Resource.status == PENDING)
                    .order_by(col(Resource.created_at), col(Resource.id))
                    .limit(25)
                )
            ).all()
        return await self._views(rows, None)

    async def approve(self, resource_id: int) -> ResourceView:
        async with self.db.session() as s:
            resource = await s.get(Resource, resource_id)
            if resource is None:
                raise UserError(
                    "Aucune ressource n'a le numéro {id}. Cherchez-la avec resource find.",
                    id=resource_id,
                )
            if resource.status == PUBLISHED:
                raise UserError("La ressource {id} est déjà publiée.", id=resource_id)
            resource.status = PUBLISHED
            resource.updated_at = self.core.clock.now()
            s.add(resource)
            author_id, title = resource.author_id, resource.title
        if author_id is not None:
            await self.core.outbox.enqueue(
                f"resource:approved:{resource_id}",
                self.core.clock.now(),
                kind="resource.approved",
                data={"id": resource_id, "title": title},
                member_id=author_id,
            )
        return await self.get(resource_id, None, moderator=True)

    # --- import / export ---------------------------------------------------------------------

    async def import_rows(
        self,
        rows: Iterable[tuple[int, dict[str, Any]]],
        *,
        batch_size: int = 500,
        progress: Callable[[int], None] | None = None,
    ) -> ImportReport:
        """Import ``(line number, row)`` pairs; bad rows are skipped with their line number.
        A URL already known (or repeated in the file) merges its tags."""
        report = ImportReport()
        batch: list[tuple[int, dict[str, Any]]] = []
        for item in rows:
            batch.append(item)
            if len(batch) >= batch_size:
                await self._import_batch(batch, report)
                if progress:
                    progress(len(batch))
                batch = []
        if batch:
            await self._import_batch(batch, report)
            if progress:
                progress(len(batch))
        return report

    async def _import_batch(
        self, batch: list[tuple[int, dict[str, Any]]], report: ImportReport
    ) -> None:
        now = self.core.clock.now()
        prepared: dict[str, dict[str, Any]] = {}
        merges: list[tuple[str, list[Tag], tuple[str, str] | None]] = []
        for line, row in batch:
            try:
                if not isinstance(row, dict):
                    raise UserError("ligne illisible")
                url = self.check_url(str(row.get("url") or ""))
                key = normalise_url(url)
                raw_tags = row.get("tags")
                tags = self.parse_tags(raw_tags if raw_tags not in ("", None) else None)
                coll = self.collection_name(_text(row.get("collection")) or None)
                title = tidy(_text(row.get("title")))[:MAX_TITLE] or url[:MAX_TITLE]
                summary = _text(row.get("summary")).strip()[:MAX_SUMMARY]
                created = _parse_time(row.get("created_at")) or now
            except UserError as error:
                report.skipped.append((line, _error_text(error)))
                continue
            if key in prepared:
                merges.append((key, tags, coll))
                continue
            prepared[key] = {
                "url": url,
                "url_key": key,
                "title": title,
                "summary": summary,
                "author_id": None,
                "status": PUBLISHED,
                "origin": "import",
                "created_at": created,
                "updated_at": now,
                "search_text": self._document(title, summary, [t.label for t in tags]),
                "_tags": tags,
                "_coll": coll,
            }
        if not prepared and not merges:
            return
        table = Resource.__table__  # type: ignore[attr-defined]
        async with self.db.session() as s:
            known = set(
                (
                    await s.exec(
                        select(Resource.url_key).where(col(Resource.url_key).in_(list(prepared)))
                    )
                ).all()
            )
            fresh = [p for k, p in prepared.items() if k not in known]
            merges.extend((k, prepared[k]["_tags"], prepared[k]["_coll"]) for k in known)
            if fresh:
                # A plain executemany, then one lookup: RETURNING with parameter order
                # made SQLite insert row by row.
                await s.exec(
                    insert(table),
                    params=[{k: v for k, v in p.items() if not k.startswith("_")} for p in fresh],
                )
                result = await s.exec(
                    select(Resource.id, Resource.url_key).where(
                        col(Resource.url_key).in_([p["url_key"] for p in fresh])
                    )
                )
                ids = {key: rid for rid, key in result.all()}
                tag_rows = [
                    {"resource_id": ids[p["url_key"]], "key": t.key, "label": t.label}
                    for p in fresh
                    for t in p["_tags"]
                ]
                coll_rows = [
                    {"resource_id": ids[p["url_key"]], "key": p["_coll"][0], "name": p["_coll"][1]}
                    for p in fresh
                    if p["_coll"]
                ]
                if tag_rows:
                    await s.exec(insert(ResourceTag.__table__), params=tag_rows)  # type: ignore[attr-defined]
                if coll_rows:
                    await s.exec(insert(ResourceCollection.__table__), params=coll_rows)  # type: ignore[attr-defined]
            report.imported += len(fresh)
            self._tags_changed()
        for key, tags, coll in merges:
            rid = await self._id_for_key(key)
            if rid is None:
                continue
            await self._add_tags(rid, tags)
            if coll:
                await self._add_collection(rid, coll)
            report.merged += 1

    async def export_rows(self) -> list[dict[str, Any]]:
        async with self.db.session() as s:
            resources = (await s.exec(select(Resource).order_by(col(Resource.id)))).all()
        out: list[dict[str, Any]] = []
        for start in range(0, len(resources), 500):
            for view in await self._views(resources[start : start + 500], None):
                out.append(
                    {
                        "id": view.id,
                        "url": view.url,
                        "title": view.title,
                        "summary": view.summary,
                        "tags": view.tags,
                        "collection": ", ".join(view.collections),
                        "author": view.author_name or "",
                        "status": view.status,
                        "created_at": view.created_at.isoformat(),
                    }
                )
        return out

    # --- privacy -----------------------------------------------------------------------------

    async def export_member(self, member_id: int) -> dict[str, Any]:
        async with self.db.session() as s:
            shared = (
                await s.exec(
                    select(Resource)
                    .where(Resource.author_id == member_id)
                    .order_by(col(Resource.id))
                )
            ).all()
            saved = (
                await s.exec(
                    select(ResourceBookmark.resource_id, ResourceBookmark.created_at).where(
                        ResourceBookmark.member_id == member_id
                    )
                )
            ).all()
        return {
            "shared": [
                {
                    "id": r.id,
                    "url": r.url,
                    "title": r.title,
                    "summary": r.summary,
                    "status": r.status,
                    "created_at": r.created_at.isoformat(),
                }
                for r in shared
            ],
            "saved": [{"id": rid, "saved_at": at.isoformat()} for rid, at in saved],
        }

    async def forget_member(self, member_id: int) -> None:
        async with self.db.session() as s:
            await s.exec(
                delete(ResourceBookmark).where(col(ResourceBookmark.member_id) == member_id)
            )
            if self.settings.keep_shared_on_forget:
                await s.exec(
                    update(Resource)
                    .where(col(Resource.author_id) == member_id)
                    .values(author_id=None)
                )
            else:
                await s.exec(delete(Resource).where(col(Resource.author_id) == member_id))

    async def merge_members(self, kept: int, merged: int) -> None:
        async with self.db.session() as s:
            await s.exec(
                update(Resource).where(col(Resource.author_id) == merged).values(author_id=kept)
            )
            have = set(
                (
                    await s.exec(
                        select(ResourceBookmark.resource_id).where(
                            ResourceBookmark.member_id == kept
                        )
                    )
                ).all()
            )
            moved = delete(ResourceBookmark).where(col(ResourceBookmark.member_id) == merged)
            if have:
                await s.exec(moved.where(col(ResourceBookmark.resource_id).in_(sorted(have))))
            await s.exec(
                update(ResourceBookmark)
                .where(col(ResourceBookmark.member_id) == merged)
                .values(member_id=kept)
            )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise UserError("date illisible : {value}", value=str(value)[:40]) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def _error_text(error: UserError) -> str:
    """A UserError as plain French text (import reports are for the operator's terminal)."""
    try:
        return error.msgid.format(**error.params)
    except (KeyError, IndexError, ValueError):
        return error.msgid


__all__ = [
    "PENDING",
    "PUBLISHED",
    "AddResult",
    "ImportReport",
    "ResourceService",
    "ResourceView",
    "SearchPage",
]
