"""The SQL the library's use cases run, each on a session the caller holds.

Authors' names are not joined here: the caller asks ``core.members.names(ids)`` afterwards.
"""

from __future__ import annotations

from collections import defaultdict
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
)
from sqlmodel import col, select

from bot.storage.types import UTCDateTime

from .domain import Origin, ResourceStatus, ResourceView
from .models import Resource, ResourceBookmark, ResourceCollection, ResourceTag

# Sessions are typed Any: sqlmodel's ``exec`` overloads cover select() only, and these
# queries also run text(), insert() and delete() statements.
Session = Any

PUBLISHED = ResourceStatus.PUBLISHED
PENDING_LIST_LIMIT = 25

# A search row: the fields of ResourceView before the author's name, in order.
_COLUMNS = "r.id, r.url, r.title, r.summary, r.status, r.origin, r.author_id, r.created_at"
_TYPED_COLUMNS = (
    column("id", Integer),
    column("url", String),
    column("title", String),
    column("summary", String),
    column("status", String),
    column("origin", String),
    column("author_id", Integer),
    column("created_at", UTCDateTime),
)


# --- one resource --------------------------------------------------------------------------------


async def id_for_key(s: Session, key: str) -> int | None:
    result: int | None = (await s.exec(select(Resource.id).where(Resource.url_key == key))).first()
    return result


async def tags_of(s: Session, resource_id: int) -> list[ResourceTag]:
    return list(
        (await s.exec(select(ResourceTag).where(ResourceTag.resource_id == resource_id))).all()
    )


async def tag_labels_of(s: Session, resource_id: int) -> list[str]:
    return list(
        (
            await s.exec(select(ResourceTag.label).where(ResourceTag.resource_id == resource_id))
        ).all()
    )


async def clear_tags(s: Session, resource_id: int) -> None:
    await s.exec(delete(ResourceTag).where(col(ResourceTag.resource_id) == resource_id))


async def clear_collections(s: Session, resource_id: int) -> None:
    await s.exec(
        delete(ResourceCollection).where(col(ResourceCollection.resource_id) == resource_id)
    )


# --- views: tags, collections, bookmarks ---------------------------------------------------------


async def tags_and_collections(s: Session, ids: list[int]) -> list[tuple[int, int, str, str]]:
    """``(0, resource id, tag key, label)`` and ``(1, resource id, collection key, name)``."""
    rows = await s.exec(
        text(
            "SELECT 0, resource_id, key, label FROM resource_tag "
            "WHERE resource_id IN :ids UNION ALL "
            "SELECT 1, resource_id, key, name FROM resource_collection "
            "WHERE resource_id IN :ids"
        ).bindparams(bindparam("ids", expanding=True)),
        params={"ids": ids},
    )
    return list(rows.all())


async def label_counts(s: Session, keys: list[str]) -> dict[str, dict[str, int]]:
    """Each tag key's spellings with their number of uses (all resources)."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    rows = await s.exec(
        select(ResourceTag.key, ResourceTag.label, func.count())
        .where(col(ResourceTag.key).in_(keys))
        .group_by(ResourceTag.key, ResourceTag.label)
    )
    for key, label, count in rows:
        counts[key][label] = count
    return counts


async def bookmarked(s: Session, member_id: int, ids: list[int]) -> list[int]:
    return list(
        (
            await s.exec(
                select(ResourceBookmark.resource_id).where(
                    ResourceBookmark.member_id == member_id,
                    col(ResourceBookmark.resource_id).in_(ids),
                )
            )
        ).all()
    )


# --- lists ---------------------------------------------------------------------------------------


async def recent(s: Session, offset: int, limit: int) -> list[Resource]:
    return list(
        (
            await s.exec(
                select(Resource)
                .where(Resource.status == PUBLISHED)
                .order_by(col(Resource.created_at).desc(), col(Resource.id).desc())
                .offset(offset)
                .limit(limit)
            )
        ).all()
    )


async def saved(s: Session, member_id: int, offset: int, limit: int) -> list[Resource]:
    # A bookmark on a resource still (or again) under review — saved while a moderator —
    # lists it only to its author.
    shown = or_(col(Resource.status) == PUBLISHED, col(Resource.author_id) == member_id)
    return list(
        (
            await s.exec(
                select(Resource)
                .join(ResourceBookmark, col(ResourceBookmark.resource_id) == col(Resource.id))
                .where(ResourceBookmark.member_id == member_id)
                .where(shown)
                .order_by(col(ResourceBookmark.created_at).desc(), col(Resource.id).desc())
                .offset(offset)
                .limit(limit)
            )
        ).all()
    )


async def pending(s: Session) -> list[Resource]:
    return list(
        (
            await s.exec(
                select(Resource)
                .where(Resource.status == ResourceStatus.PENDING)
                .order_by(col(Resource.created_at), col(Resource.id))
                .limit(PENDING_LIST_LIMIT)
            )
        ).all()
    )


async def all_resources(s: Session) -> list[Resource]:
    return list((await s.exec(select(Resource).order_by(col(Resource.id)))).all())


async def published_tag_counts(s: Session) -> dict[str, dict[str, int]]:
    """Each tag key's spellings with their number of published resources."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    # Every tag, read from the (key, label) index alone; then the few resources waiting in
    # the queue are taken off. Joining every tag to its resource to check its status cost
    # 1.6 s on 100,000 resources (SQLite); this costs a tenth of it.
    rows = await s.exec(
        select(ResourceTag.key, ResourceTag.label, func.count()).group_by(
            ResourceTag.key, ResourceTag.label
        )
    )
    for key, label, count in rows:
        counts[key][label] = count
    pending = await s.exec(
        select(ResourceTag.key, ResourceTag.label, func.count())
        .join(Resource, col(Resource.id) == col(ResourceTag.resource_id))
        .where(Resource.status != PUBLISHED)
        .group_by(ResourceTag.key, ResourceTag.label)
    )
    for key, label, count in pending:
        left = counts[key].get(label, 0) - count
        if left > 0:
            counts[key][label] = left
        else:
            counts[key].pop(label, None)
            if not counts[key]:
                del counts[key]
    return dict(counts)


async def published_collections(s: Session) -> list[tuple[str, int]]:
    """``(a name of the collection, published resources in it)`` per collection key."""
    rows = (
        await s.exec(
            select(ResourceCollection.key, func.min(ResourceCollection.name), func.count())
            .join(Resource, col(Resource.id) == col(ResourceCollection.resource_id))
            .where(Resource.status == PUBLISHED)
            .group_by(ResourceCollection.key)
        )
    ).all()
    return [(name, n) for _key, name, n in rows]


# --- bulk import ---------------------------------------------------------------------------------


async def known_keys(s: Session, keys: list[str]) -> set[str]:
    return set(
        (await s.exec(select(Resource.url_key).where(col(Resource.url_key).in_(keys)))).all()
    )


async def insert_resources(s: Session, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert many resources; return their ids by ``url_key``."""
    # A plain executemany, then one lookup: RETURNING with parameter order made SQLite insert
    # row by row.
    await s.exec(insert(Resource.__table__), params=rows)  # type: ignore[attr-defined]
    result = await s.exec(
        select(Resource.id, Resource.url_key).where(
            col(Resource.url_key).in_([r["url_key"] for r in rows])
        )
    )
    return {key: rid for rid, key in result.all()}


async def insert_tags(s: Session, rows: list[dict[str, Any]]) -> None:
    await s.exec(insert(ResourceTag.__table__), params=rows)  # type: ignore[attr-defined]


async def insert_collections(s: Session, rows: list[dict[str, Any]]) -> None:
    await s.exec(insert(ResourceCollection.__table__), params=rows)  # type: ignore[attr-defined]


# --- search --------------------------------------------------------------------------------------


async def plan_for_these_words(s: Session) -> None:
    """PostgreSQL: a prepared statement's generic plan does not know the words: it joins the
    query as a function scan and ranks twice as slowly. Plan for these words."""
    await s.exec(text("SET LOCAL plan_cache_mode = force_custom_plan"))


async def search(
    s: Session,
    dialect: str,
    fts: str | None,
    tag_keys: list[str],
    author_ids: list[int] | None,
    collection_key: str | None,
    offset: int,
    limit: int,
    rank_candidates: int,
) -> list[ResourceView]:
    """One page of matching resources, best first (their authors not named yet)."""
    params: dict[str, Any] = {"offset": offset, "limit": limit, "published": PUBLISHED}
    where = ["r.status = :published"]
    for i, key in enumerate(tag_keys):
        # With words, the full-text matches drive the query: check each one's tags by
        # primary key. Without, list the tag's resources from its index.
        where.append(
            f"EXISTS (SELECT 1 FROM resource_tag t WHERE t.resource_id = r.id AND t.key = :tag{i})"
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
            f"SELECT {_COLUMNS} FROM resource_item r WHERE "
            + " AND ".join(where)
            + " ORDER BY r.created_at DESC, r.id DESC LIMIT :limit OFFSET :offset"
        )
    else:
        params["q"] = fts
        sql = ranked_sql(dialect, " AND ".join(where), params, rank_candidates)
    statement = text(sql).columns(*_TYPED_COLUMNS)
    return [_view(row) for row in (await s.exec(statement, params=params)).all()]


def _view(row: Any) -> ResourceView:
    rid, url, title, summary, status, origin, author_id, created_at = row
    return ResourceView(
        id=rid,
        url=url,
        title=title,
        summary=summary,
        status=ResourceStatus(status),
        origin=Origin(origin),
        author_id=author_id,
        author_name=None,
        created_at=created_at,
    )


def ranked_sql(dialect: str, filters: str, params: dict[str, Any], rank_candidates: int) -> str:
    """Words and filters, best match first. Ranking carries only (id, score); the page's
    columns are read afterwards for its few rows. On SQLite, with ``rank_candidates``
    (N > 0), only the N most recent matches are ranked: a word found in 30,000 resources
    would otherwise cost 30,000 bm25 scores for a page of 5."""
    # PostgreSQL reads every match to order them by id anyway, so a bound would not help
    # there; ts_rank over the stored vector is cheap enough.
    cap = rank_candidates if dialect == "sqlite" else 0
    if cap:
        params["cap"] = cap
    page = "LIMIT :limit OFFSET :offset"
    if dialect == "sqlite":
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
        f"SELECT {_COLUMNS} FROM ({ranked}) p JOIN resource_item r ON r.id = p.id ORDER BY {order}"
    )
