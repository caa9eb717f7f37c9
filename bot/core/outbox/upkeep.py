"""The outbox's chores besides sending: deleting finished rows after ``[outbox] keep_sent``
days, and handing back the rows a dead process had claimed."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import and_, or_, update
from sqlmodel import col, delete

from bot.core.outbox.delivery import DROPPED, FAILED, PENDING, SENT, SKIPPED
from bot.storage.db import Database
from bot.storage.models import OutboxMessage

log = logging.getLogger(__name__)


async def purge_finished(db: Database, cutoff: datetime) -> int:
    """Delete sent rows whose ``sent_at`` is older than ``cutoff``, and rows that failed, were
    skipped or dropped whose due time is; pending rows are never touched."""
    async with db.session() as session:
        result = await session.exec(
            delete(OutboxMessage).where(
                or_(
                    and_(
                        col(OutboxMessage.status) == SENT,
                        col(OutboxMessage.sent_at) < cutoff,
                    ),
                    and_(
                        col(OutboxMessage.status).in_((FAILED, SKIPPED, DROPPED)),
                        col(OutboxMessage.due_at) < cutoff,
                    ),
                )
            )
        )
        return max(result.rowcount, 0)


async def release_claims(db: Database, worker: str, platform: str) -> int:
    """Un-claim the pending rows of ``platform`` that ``worker`` (a dead process) held."""
    async with db.session() as session:
        result = await session.exec(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.status) == PENDING,
                col(OutboxMessage.platform) == platform,
                col(OutboxMessage.claimed_by) == worker,
            )
            .values(claimed_until=None)
        )
        released = max(result.rowcount, 0)
    if released:
        log.info("Outbox: %s message(s) claimed by a dead process sent again", released)
    return released
