"""What one owner of a connection hands to the next: the adapter's state per account, and the
events already answered.

Both live in the database, so a standby on another host takes over from the owner's last
word: the Matrix sync token and DM rooms come from ``core_adapter_state`` (written by the
owner only, fenced by its lease: a paused owner that lost its lease cannot overwrite what the
new one wrote), and a command replayed across the switch is answered once because its event id
is claimed in ``core_handled_event`` first.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import exists, literal, select
from sqlmodel import col, delete

from bot.storage.db import Database
from bot.storage.models import AdapterStateRow, HandledEvent, Lease

log = logging.getLogger(__name__)

#: Claimed event ids are kept this long: far longer than any replay across a switch.
KEEP_HANDLED = timedelta(days=2)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class AdapterStateStore:
    """``core_adapter_state``: one JSON document per (platform, account)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def load(self, platform: str, account: str) -> dict[str, Any] | None:
        async with self.db.session() as session:
            row = (
                await session.exec(
                    select(AdapterStateRow.data).where(  # type: ignore[call-overload]
                        col(AdapterStateRow.platform) == platform,
                        col(AdapterStateRow.account) == account,
                    )
                )
            ).first()
        if row is None:
            return None
        try:
            data = json.loads(row[0])
        except ValueError:
            log.error("The saved %s state of %s is unreadable; starting afresh", platform, account)
            return None
        return data if isinstance(data, dict) else None

    async def save(
        self,
        platform: str,
        account: str,
        data: dict[str, Any],
        *,
        lease: str | None = None,
        holder: str | None = None,
    ) -> bool:
        """Write the document in one statement. With ``lease`` and ``holder``, only while
        ``holder`` still owns that lease (False otherwise: nothing written)."""
        now = _utcnow()
        payload = json.dumps(data, ensure_ascii=False, sort_keys=True)
        table = AdapterStateRow.__table__  # type: ignore[attr-defined]
        stmt = self.db.insert(AdapterStateRow).values(
            platform=platform, account=account, data=payload, updated_at=now
        )
        where = None
        if lease is not None:
            where = exists(
                select(literal(1)).where(
                    col(Lease.name) == lease,
                    col(Lease.holder) == holder,
                    col(Lease.expires_at) > now,
                )
            )
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.platform, table.c.account],
            set_={"data": stmt.excluded.data, "updated_at": stmt.excluded.updated_at},
            where=where,
        ).returning(table.c.updated_at)
        async with self.db.session() as session:
            row = (await session.exec(stmt)).first()
        return row is not None

    async def take(self, platform: str, account: str) -> dict[str, Any] | None:
        """Delete the document and return it, in one statement: of several processes taking
        the same one, exactly one gets it (None for the others, or when there is none)."""
        table = AdapterStateRow.__table__  # type: ignore[attr-defined]
        stmt = (
            delete(AdapterStateRow)
            .where(
                col(AdapterStateRow.platform) == platform,
                col(AdapterStateRow.account) == account,
            )
            .returning(table.c.data)
        )
        async with self.db.session() as session:
            row = (await session.exec(stmt)).first()
        if row is None:
            return None
        try:
            data = json.loads(row[0])
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    async def drop_prefixed(self, platform: str, prefix: str) -> int:
        """Delete every document whose account starts with ``prefix`` (a member's, on
        ``me forget``); how many were deleted."""
        stmt = delete(AdapterStateRow).where(
            col(AdapterStateRow.platform) == platform,
            col(AdapterStateRow.account).startswith(prefix, autoescape=True),
        )
        async with self.db.session() as session:
            result = await session.exec(stmt)
        return int(result.rowcount or 0)


class HandledEvents:
    """``core_handled_event``: the first process to claim an event id answers it."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim(self, platform: str, event_id: str) -> bool:
        """True for the first claim of ``event_id``, False for every later one."""
        stmt = (
            self.db.insert(HandledEvent)
            .values(platform=platform, event_id=event_id, handled_at=_utcnow())
            .on_conflict_do_nothing()
            .returning(HandledEvent.__table__.c.event_id)  # type: ignore[attr-defined]
        )
        async with self.db.session() as session:
            row = (await session.exec(stmt)).first()
        return row is not None

    async def prune(self, older_than: timedelta = KEEP_HANDLED) -> int:
        async with self.db.session() as session:
            result = await session.exec(
                delete(HandledEvent).where(col(HandledEvent.handled_at) < _utcnow() - older_than)
            )
            return max(result.rowcount, 0)
