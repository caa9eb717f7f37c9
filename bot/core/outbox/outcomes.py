"""What happens to a claimed row after its send: the batch's outcomes written in one
transaction, a retry with backoff or giving up, and the stand-in for a message that failed
for good (a room post for a refused DM; the chat DM for a failed e-mail)."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlmodel import col

from bot.core.outbox.delivery import FAILED, Batch, fallback_data
from bot.core.refs import RoomRef
from bot.storage.models import OutboxMessage

if TYPE_CHECKING:
    from bot.core.core import Core

log = logging.getLogger(__name__)

#: How the sender queues a stand-in message (``Outbox.enqueue``).
Requeue = Callable[..., Awaitable[bool]]


def scrub_secrets(
    rows: list[OutboxMessage], batch: Batch, secrets: Mapping[str, tuple[str, ...]]
) -> None:
    """A finished row keeps no secret (a confirmation code, a sign-in link): what its kind
    declared secret leaves its payload with the outcome, instead of waiting for the purge of
    finished rows days later. A row to retry keeps it: the next attempt still needs it."""
    finished = {row_id for row_id, *_ in batch.finishes}
    for row in rows:
        fields = secrets.get(row.kind)
        if not fields or row.id not in finished:
            continue
        data = json.loads(row.payload)
        if any(name in data for name in fields):
            kept = {key: value for key, value in data.items() if key not in fields}
            batch.scrubbed[row.id] = json.dumps(kept, ensure_ascii=False)


async def stamp(core: Core, worker_id: str, batch: Batch) -> datetime | None:
    """Write a batch's outcomes in one transaction (only rows ``worker_id`` still holds);
    returns the soonest retry, if any."""
    if not batch.finishes and not batch.retries and not batch.scrubbed:
        return None
    # One UPDATE per outcome: rows sent in one batch share its latest send time.
    groups: dict[tuple[str, str | None], list[int]] = {}
    sent_times: dict[tuple[str, str | None], datetime] = {}
    for row_id, status, reason, sent_at in batch.finishes:
        groups.setdefault((status, reason), []).append(row_id)
        if sent_at is not None:
            group = (status, reason)
            sent_times[group] = max(sent_at, sent_times.get(group, sent_at))
    mine = col(OutboxMessage.claimed_by) == worker_id
    async with core.db.session() as session:
        for (status, reason), ids in groups.items():
            await session.exec(
                update(OutboxMessage)
                .where(col(OutboxMessage.id).in_(ids), mine)
                .values(
                    status=status,
                    failure_reason=reason,
                    sent_at=sent_times.get((status, reason)),
                    claimed_until=None,
                    attempts=OutboxMessage.attempts + 1,
                )
            )
        for row_id, payload in batch.scrubbed.items():
            await session.exec(
                update(OutboxMessage)
                .where(col(OutboxMessage.id) == row_id, mine)
                .values(payload=payload)
            )
        for row_id, when, count, reason in batch.retries:
            values: dict[str, Any] = {
                "next_try_at": when,
                "claimed_until": None,
                "claimed_by": None,
            }
            if count:
                values["attempts"] = OutboxMessage.attempts + 1
                values["failure_reason"] = reason
            await session.exec(
                update(OutboxMessage).where(col(OutboxMessage.id) == row_id, mine).values(**values)
            )
    return min((when for _, when, _, _ in batch.retries), default=None)


def retry_or_give_up(
    core: Core, row: OutboxMessage, now: datetime, reason: str, batch: Batch
) -> bool:
    """A transient failure: retry with exponential backoff, or give up after ``[outbox]
    max_attempts``; True when the row failed for good."""
    settings = core.settings.outbox
    assert row.id is not None  # a claimed row
    if row.attempts + 1 >= settings.max_attempts:
        log.warning("Outbox %s failed after %s attempts: %s", row.key, row.attempts + 1, reason)
        batch.finishes.append((row.id, FAILED, reason[:200], None))
        return True
    backoff = min(settings.backoff_seconds * 2**row.attempts, 3600)
    batch.retries.append((row.id, now + timedelta(seconds=backoff), True, reason))
    return False


async def stand_in(core: Core, row: OutboxMessage, requeue: Requeue) -> None:
    """Queue what replaces a message that failed for good. A member's message on a channel
    that is not a chat (``adapter.chat`` false: e-mail) goes to their chat DMs instead, so
    choosing e-mail never loses a reminder; a refused DM becomes a post in the fallback
    room (``[outbox] dm_fallback``)."""
    adapter = core.adapters.get(row.platform)
    if row.member_id is not None and row.room is None and not getattr(adapter, "chat", True):
        chats = {p for p, a in core.adapters.items() if getattr(a, "chat", True)}
        platform = (await core.members.preferred_platforms([row.member_id], chats)).get(
            row.member_id
        )
        if platform is None:
            log.info("Outbox %s: no chat identity to fall back to", row.key)
            return
        await requeue(
            f"{row.key}:chat"[:200],
            core.clock.now(),
            kind=row.kind,
            data=json.loads(row.payload),
            member_id=row.member_id,
            fallback_room=RoomRef.decode(row.fallback_room) if row.fallback_room else None,
            platform=platform,
        )
        return
    if not row.fallback_room or core.settings.outbox.dm_fallback != "room":
        return
    await requeue(
        f"{row.key}:fallback"[:200],
        core.clock.now(),
        kind=row.kind,
        data=fallback_data(row),
        member_id=row.member_id,
        room=RoomRef.decode(row.fallback_room),
    )
