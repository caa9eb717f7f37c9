"""The library's part of the monthly digest (``core.digest``): the resources shared since the
previous edition that match the reader's interests (their tags against the interests of their
profile, both folded with ``fold_key``), then the resources saved most since then."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func
from sqlmodel import col, select

from bot.core import Translator
from bot.core.digest import DigestSection, Edition, Reader
from cogs.resource.domain import ResourceStatus
from cogs.resource.models import Resource, ResourceBookmark, ResourceTag

if TYPE_CHECKING:
    from bot.storage.db import Database

#: Resources listed in one copy; new ones read for matching (newest first).
MAX_LISTED = 5
MAX_NEW = 300


@dataclass(frozen=True, slots=True)
class Item:
    id: int
    title: str
    url: str
    tags: frozenset[str]
    saves: int = 0


@dataclass(frozen=True, slots=True)
class ResourceDigestContent:
    new: tuple[Item, ...]
    most_saved: tuple[Item, ...]


def _line(item: Item, t: Translator) -> str:
    saved = f" — {t.n('{n} enregistrement', '{n} enregistrements', item.saves)}"
    return f"- [{item.title}]({item.url}) (n° {item.id})" + (saved if item.saves else "")


class ResourceDigest:
    name = "resource"
    order = 20

    def __init__(self, db: Database) -> None:
        self.db = db

    async def prepare(self, edition: Edition) -> ResourceDigestContent:
        published = col(Resource.status) == ResourceStatus.PUBLISHED.value
        async with self.db.session() as s:
            rows = list(
                await s.exec(
                    select(Resource.id, Resource.title, Resource.url)
                    .where(
                        published,
                        col(Resource.created_at) >= edition.since,
                        col(Resource.created_at) < edition.at,
                    )
                    .order_by(col(Resource.created_at).desc(), col(Resource.id).desc())
                    .limit(MAX_NEW)
                )
            )
            tags: dict[int, set[str]] = defaultdict(set)
            if rows:
                found = await s.exec(
                    select(ResourceTag.resource_id, ResourceTag.key).where(
                        col(ResourceTag.resource_id).in_([r[0] for r in rows])
                    )
                )
                for resource_id, key in found:
                    tags[resource_id].add(key)
            saves = func.count(col(ResourceBookmark.member_id))
            top = await s.exec(
                select(Resource.id, Resource.title, Resource.url, saves)
                .join(ResourceBookmark, col(ResourceBookmark.resource_id) == col(Resource.id))
                .where(
                    published,
                    col(ResourceBookmark.created_at) >= edition.since,
                    col(ResourceBookmark.created_at) < edition.at,
                )
                .group_by(col(Resource.id), col(Resource.title), col(Resource.url))
                .order_by(saves.desc(), col(Resource.id))
                .limit(MAX_LISTED)
            )
            most_saved = tuple(
                Item(i or 0, title, url, frozenset(), n) for i, title, url, n in top
            )
        new = tuple(Item(i or 0, title, url, frozenset(tags[i or 0])) for i, title, url in rows)
        return ResourceDigestContent(new, most_saved)

    def sections(
        self, prepared: ResourceDigestContent, reader: Reader, t: Translator, *, personal: bool
    ) -> list[DigestSection]:
        found: list[DigestSection] = []
        shown: set[int] = set()
        if personal:
            interests = reader.fact("interests")
            new = [r for r in prepared.new if r.tags & interests][:MAX_LISTED]
            title = t("Nouvelles ressources pour vous")
        else:
            new = list(prepared.new[:MAX_LISTED])
            title = t("Nouvelles ressources")
        if new:
            found.append(DigestSection("resources", title, [_line(r, t) for r in new]))
            shown.update(r.id for r in new)
        room = MAX_LISTED - len(new) if personal else MAX_LISTED
        saved = [r for r in prepared.most_saved if r.id not in shown][:room]
        if saved:
            found.append(
                DigestSection(
                    "resources-saved",
                    t("Les plus enregistrées ce mois-ci"),
                    [_line(r, t) for r in saved],
                )
            )
        return found
