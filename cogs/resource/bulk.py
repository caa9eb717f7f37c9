"""A whole library in or out (``passerelle resources import|export``, see transfer.py):
rows checked like shared links, inserted in batches, merged into what is already known."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.core import UserError
from bot.core.tags import Tag
from bot.core.text import tidy

from . import queries
from .domain import (
    MAX_SUMMARY,
    MAX_TITLE,
    ImportReport,
    Origin,
    ResourceStatus,
    collection_name,
)
from .library import Library
from .urls import normalise_url

if TYPE_CHECKING:
    from bot.scheduling import Clock
    from bot.storage.db import Database

EXPORT_CHUNK = 500


class BulkTransfer:
    def __init__(self, db: Database, clock: Clock, library: Library) -> None:
        self.db = db
        self.clock = clock
        self.library = library

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
        lib = self.library
        now = self.clock.now()
        prepared: dict[str, dict[str, Any]] = {}
        merges: list[tuple[str, list[Tag], tuple[str, str] | None]] = []
        for line, row in batch:
            try:
                if not isinstance(row, dict):
                    raise UserError("ligne illisible")
                url = lib.check_url(str(row.get("url") or ""))
                key = normalise_url(url)
                raw_tags = row.get("tags")
                tags = lib.parse_tags(raw_tags if raw_tags not in ("", None) else None)
                coll = collection_name(_text(row.get("collection")) or None)
                title = tidy(_text(row.get("title")))[:MAX_TITLE] or url[:MAX_TITLE]
                summary = _text(row.get("summary")).strip()[:MAX_SUMMARY]
                created = _parse_time(row.get("created_at")) or now
            except UserError as error:
                report.skipped.append((line, error))
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
                "status": ResourceStatus.PUBLISHED.value,
                "origin": Origin.IMPORT.value,
                "created_at": created,
                "updated_at": now,
                "search_text": lib.document(title, summary, [t.label for t in tags]),
                "_tags": tags,
                "_coll": coll,
            }
        if not prepared and not merges:
            return
        async with self.db.session() as s:
            known = await queries.known_keys(s, list(prepared))
            fresh = [p for k, p in prepared.items() if k not in known]
            merges.extend((k, prepared[k]["_tags"], prepared[k]["_coll"]) for k in known)
            if fresh:
                ids = await queries.insert_resources(
                    s, [{k: v for k, v in p.items() if not k.startswith("_")} for p in fresh]
                )
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
                    await queries.insert_tags(s, tag_rows)
                if coll_rows:
                    await queries.insert_collections(s, coll_rows)
            report.imported += len(fresh)
            lib.tags_changed()
        for key, tags, coll in merges:
            rid = await lib.id_for_key(key)
            if rid is None:
                continue
            await lib.add_tags(rid, tags)
            if coll:
                await lib.add_collection(rid, coll)
            report.merged += 1

    async def export_rows(self) -> list[dict[str, Any]]:
        async with self.db.session() as s:
            resources = await queries.all_resources(s)
        out: list[dict[str, Any]] = []
        for start in range(0, len(resources), EXPORT_CHUNK):
            for view in await self.library.views(resources[start : start + EXPORT_CHUNK], None):
                out.append(
                    {
                        "id": view.id,
                        "url": view.url,
                        "title": view.title,
                        "summary": view.summary,
                        "tags": view.tags,
                        "collection": ", ".join(view.collections),
                        "author": view.author_name or "",
                        "status": view.status.value,
                        "created_at": view.created_at.isoformat(),
                    }
                )
        return out


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
