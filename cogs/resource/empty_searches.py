"""Searches that found nothing, counted (what members look for and the library lacks).

Only the folded words and tags are kept, with a count and when last seen: never who searched,
and never a search by author (its text is a member's name). Shown to moderators on the
dashboard's Resources page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import col, select

from bot.storage.db import dialect_insert

from . import search
from .models import ResourceEmptySearch

if TYPE_CHECKING:
    from bot.scheduling import Clock
    from bot.storage.db import Database

MAX_QUERY = 200


@dataclass(frozen=True, slots=True)
class EmptySearch:
    query: str
    count: int
    last_seen: datetime


def query_text(words: str | None, tag_keys: list[str]) -> str:
    """``"Médiation numérique", ["jeunesse"]`` → ``"mediation numerique #jeunesse"``."""
    parts = search.words(words or "") + [f"#{key}" for key in tag_keys]
    return " ".join(parts)[:MAX_QUERY].strip()


class EmptySearches:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def record(self, words: str | None, tag_keys: list[str]) -> None:
        text = query_text(words, tag_keys)
        if not text:
            return
        table = ResourceEmptySearch.__table__  # type: ignore[attr-defined]
        stmt = dialect_insert(self.db.dialect, table).values(
            query=text, count=1, last_seen=self.clock.now()
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["query"],
            set_={"count": table.c.count + 1, "last_seen": stmt.excluded.last_seen},
        )
        async with self.db.session() as s:
            await s.exec(stmt)

    async def top(self, limit: int = 50) -> list[EmptySearch]:
        """The most frequent first (then the most recent)."""
        async with self.db.session() as s:
            rows = await s.exec(
                select(ResourceEmptySearch)
                .order_by(
                    col(ResourceEmptySearch.count).desc(),
                    col(ResourceEmptySearch.last_seen).desc(),
                )
                .limit(limit)
            )
            return [EmptySearch(r.query, r.count, r.last_seen) for r in rows.all()]

    async def clear(self, query: str) -> bool:
        """Forget one line (the library now has it); False when it was not there."""
        async with self.db.session() as s:
            row = await s.get(ResourceEmptySearch, query)
            if row is None:
                return False
            await s.delete(row)
            return True
