"""Moderators tidy the tags: rename one ("Mediation" → "Médiation") or merge two ("Médiations"
into "Médiation"), from the chat (``resource tag-rename`` / ``tag-merge``) or the dashboard.

Tags compare by their folded key (``bot/core/tags.py``): renaming to a spelling with the same
key only changes how it is written; renaming onto another existing tag is a merge, and is
refused so that nobody merges by accident. A merge keeps each resource's other tags, never
leaves a resource with the same tag twice, and rewrites the search text of every resource it
touched so that ``resource find`` finds them under their new tag at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import delete, update
from sqlmodel import col, select

from bot.core import UserError
from bot.core.tags import Tag, most_used_spelling, normalise_tag
from bot.core.text import fold_key, tidy

from . import queries
from .library import Library
from .models import Resource, ResourceTag

if TYPE_CHECKING:
    from bot.scheduling import Clock
    from bot.storage.db import Database

# Search texts are rewritten this many resources at a time (a tag may be on thousands).
REINDEX_CHUNK = 500


@dataclass(frozen=True, slots=True)
class TagChange:
    """What a rename or merge did: ``resources`` now carry ``new``; ``duplicates`` already
    had it (their copy of ``old`` was dropped)."""

    old: str
    new: str
    resources: int
    duplicates: int = 0


class TagAdmin:
    def __init__(self, db: Database, clock: Clock, library: Library) -> None:
        self.db = db
        self.clock = clock
        self.library = library

    async def rename(self, old: str, new: str) -> TagChange:
        """Write tag ``old`` as ``new`` on every resource (UserError: unknown, or ``new`` is
        another existing tag — that is a merge)."""
        source_key, source_label = await self._existing(old)
        target = self._target(new)
        async with self.db.session() as s:
            if target.key != source_key and await self._exists(s, target.key):
                raise UserError(
                    "Le tag « {new} » existe déjà. Pour réunir les deux tags, utilisez "
                    'resource tag-merge from:"{old}" into:"{new}".',
                    new=target.label,
                    old=source_label,
                )
            ids = await self._resources_with(s, source_key)
            await s.exec(
                update(ResourceTag)
                .where(col(ResourceTag.key) == source_key)
                .values(key=target.key, label=target.label)
            )
            await self._reindex(s, ids)
        self.library.tags_changed()
        return TagChange(source_label, target.label, len(ids))

    async def merge(self, old: str, into: str) -> TagChange:
        """Move every resource tagged ``old`` to the existing tag ``into`` and drop ``old``."""
        source_key, source_label = await self._existing(old)
        target = self._target(into)
        if target.key == source_key:
            raise UserError(
                "« {old} » et « {new} » sont déjà le même tag. Pour changer son écriture, "
                "utilisez resource tag-rename.",
                old=source_label,
                new=target.label,
            )
        async with self.db.session() as s:
            spellings = (await queries.label_counts(s, [target.key])).get(target.key)
            if not spellings:
                raise UserError(
                    "Aucune ressource n'a le tag « {new} ». Pour renommer « {old} », utilisez "
                    'resource tag-rename from:"{old}" to:"{new}".',
                    new=target.label,
                    old=source_label,
                )
            label = most_used_spelling(spellings)  # the merged tag keeps how it is shown
            ids = await self._resources_with(s, source_key)
            having = set(await self._resources_with(s, target.key))
            twice = [i for i in ids if i in having]
            if twice:
                await s.exec(
                    delete(ResourceTag).where(
                        col(ResourceTag.key) == source_key,
                        col(ResourceTag.resource_id).in_(twice),
                    )
                )
            await s.exec(
                update(ResourceTag)
                .where(col(ResourceTag.key) == source_key)
                .values(key=target.key, label=label)
            )
            await self._reindex(s, ids)
        self.library.tags_changed()
        return TagChange(source_label, label, len(ids) - len(twice), len(twice))

    # --- helpers -----------------------------------------------------------------------------

    async def _existing(self, text: str) -> tuple[str, str]:
        """The stored tag typed as ``text`` (synonyms not applied: an old alias still stored
        must stay reachable) as (key, shown label)."""
        key = fold_key(tidy(text).strip("#"))
        if not key:
            raise UserError("Donnez le nom d'un tag, par exemple from:Médiations.")
        async with self.db.session() as s:
            spellings = (await queries.label_counts(s, [key])).get(key)
        if not spellings:
            raise UserError(
                "Aucune ressource n'a le tag « {tag} ». Voyez les tags avec resource tags.",
                tag=tidy(text)[:60],
            )
        return key, most_used_spelling(spellings)

    def _target(self, text: str) -> Tag:
        tag = normalise_tag(text, self.library.synonyms)
        if tag is None:
            raise UserError("Le nouveau nom de tag doit contenir des lettres ou des chiffres.")
        return tag

    @staticmethod
    async def _exists(s: queries.Session, key: str) -> bool:
        rows = await s.exec(select(ResourceTag.resource_id).where(ResourceTag.key == key).limit(1))
        return rows.first() is not None

    @staticmethod
    async def _resources_with(s: queries.Session, key: str) -> list[int]:
        rows = await s.exec(select(ResourceTag.resource_id).where(ResourceTag.key == key))
        return list(rows.all())

    async def _reindex(self, s: queries.Session, ids: list[int]) -> None:
        """Rewrite the search text (title, summary, tags) of the resources whose tags changed."""
        now = self.clock.now()
        for start in range(0, len(ids), REINDEX_CHUNK):
            chunk = ids[start : start + REINDEX_CHUNK]
            labels: dict[int, list[str]] = {i: [] for i in chunk}
            rows = await s.exec(
                select(ResourceTag.resource_id, ResourceTag.label).where(
                    col(ResourceTag.resource_id).in_(chunk)
                )
            )
            for rid, label in rows.all():
                labels[rid].append(label)
            for resource in (
                await s.exec(select(Resource).where(col(Resource.id).in_(chunk)))
            ).all():
                assert resource.id is not None
                resource.search_text = self.library.document(
                    resource.title, resource.summary, labels[resource.id]
                )
                resource.updated_at = now
                s.add(resource)
