"""Everything the café queues in the core outbox: message kinds, key formats, payloads, and
members' reminders (their own offsets or the series' default).

Every message has a unique key, so queueing twice is harmless, even from two bot processes.
All the cog's key formats are here and nowhere else:

- ``cafe:{occurrence}:{offset seconds}:{member}``  reminder DM
- ``cafe-notice:{occurrence}:{revision}:{member}``  "moved / edited / cancelled" DM
- ``cafe-promoted:{occurrence}:{member}``           "a place freed up" DM
- ``cafe-announce:{occurrence}``                    announcement in the announce room
- ``cafe-start:{occurrence}:{start timestamp}``     "it starts now" in the announce room

and, for attendance confirmation, the three formats ``confirmation.py`` builds (the question,
the release job, the released DM); ``schedule`` and ``cancel`` below handle them with the
reminders, so they follow the same rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.core import RoomRef
from cogs.cafe import confirmation, queries
from cogs.cafe.domain import (
    REGISTERED,
    Change,
    Occurrence,
    Preference,
    csv_seconds,
    seconds_csv,
)
from cogs.cafe.models import CafeOccurrence, CafePreference
from cogs.cafe.settings import CafeSettings

if TYPE_CHECKING:
    from bot.core.outbox import Outbox
    from bot.scheduling import Clock
    from bot.storage.db import Database
    from cogs.cafe.occurrences import Occurrences

# Outbox kinds: the cog registers one renderer for each.
REMINDER, NOTICE, ANNOUNCE, START = "cafe.reminder", "cafe.notice", "cafe.announce", "cafe.start"


# --- keys ---------------------------------------------------------------------------------------


def reminder_prefix(occurrence_id: int) -> str:
    return f"cafe:{occurrence_id}:"


def reminder_key(occurrence_id: int, offset: int, member_id: int) -> str:
    return f"{reminder_prefix(occurrence_id)}{offset}:{member_id}"


def notice_key(occurrence_id: int, revision: int, member_id: int) -> str:
    return f"cafe-notice:{occurrence_id}:{revision}:{member_id}"


def promoted_key(occurrence_id: int, member_id: int) -> str:
    return f"cafe-promoted:{occurrence_id}:{member_id}"


def announce_key(occurrence_id: int) -> str:
    return f"cafe-announce:{occurrence_id}"


def start_prefix(occurrence_id: int) -> str:
    return f"cafe-start:{occurrence_id}:"


def start_key(occurrence_id: int, starts_at: datetime) -> str:
    return f"{start_prefix(occurrence_id)}{int(starts_at.timestamp())}"


# --- queued items -------------------------------------------------------------------------------


def announce_item(occ: CafeOccurrence, due_at: datetime, room: RoomRef) -> dict[str, Any]:
    assert occ.id is not None
    return dict(
        key=announce_key(occ.id),
        due_at=due_at,
        kind=ANNOUNCE,
        data={"occurrence": occ.id},
        room=room,
    )


def start_item(occ: CafeOccurrence, room: RoomRef) -> dict[str, Any]:
    assert occ.id is not None
    return dict(
        key=start_key(occ.id, occ.starts_at),
        due_at=occ.starts_at,
        kind=START,
        data={"occurrence": occ.id, "starts_at": occ.starts_at.isoformat()},
        room=room,
    )


def reminder_data(occ: Occurrence, offset: int) -> dict[str, Any]:
    return {
        "occurrence": occ.id,
        "offset": offset,
        "title": occ.title,
        "topic": occ.row.topic,
        "host": occ.row.host,
        "starts_at": occ.starts_at.isoformat(),
        "minutes": occ.row.duration_minutes,
        "link": occ.link,
    }


def notice_data(occ: Occurrence, change: Change, **extra: Any) -> dict[str, Any]:
    return {
        "occurrence": occ.id,
        "change": change,
        "title": occ.title,
        "topic": occ.row.topic,
        "starts_at": occ.starts_at.isoformat(),
        "link": occ.link,
        **extra,
    }


class Reminders:
    """Members' reminder DMs for the occurrences they hold a seat at."""

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        outbox: Outbox,
        settings: CafeSettings,
        occurrences: Occurrences,
    ) -> None:
        self.db = db
        self.clock = clock
        self.outbox = outbox
        self.settings = settings
        self.occurrences = occurrences

    def fallback_room(self, occ: Occurrence) -> RoomRef | None:
        """Where a refused DM becomes a mention (never with the link), if configured."""
        return RoomRef.decode(occ.series.room) if self.settings.dm_fallback == "announce" else None

    async def member_offsets(self, member_ids: Sequence[int]) -> dict[int, list[int] | None]:
        """Each member's own offsets: a list, ``None`` (off), or absent (series default)."""
        if not member_ids:
            return {}
        async with self.db.session() as s:
            prefs = await queries.preferences(s, member_ids)
        return {p.member_id: None if p.offsets == "off" else csv_seconds(p.offsets) for p in prefs}

    async def schedule(self, occ: Occurrence, member_ids: list[int]) -> int:
        """Queue each member's reminders for ``occ`` (past offsets are not queued), and the
        confirmation question (for members who have not answered) with its release job."""
        if occ.cancelled or not member_ids:
            return 0
        prefs = await self.member_offsets(member_ids)
        default = csv_seconds(occ.series.reminders)
        now = self.clock.now()
        fallback = self.fallback_room(occ)
        items: list[dict[str, Any]] = []
        for member_id in member_ids:
            offsets = prefs.get(member_id, default)
            for offset in offsets or []:
                due = occ.starts_at - timedelta(seconds=offset)
                if due < now:
                    continue
                items.append(
                    dict(
                        key=reminder_key(occ.id, offset, member_id),
                        due_at=due,
                        kind=REMINDER,
                        data=reminder_data(occ, offset),
                        member_id=member_id,
                        fallback_room=fallback,
                    )
                )
        unanswered = await self._unconfirmed(occ.id, member_ids)
        items += confirmation.items(occ, unanswered, now, fallback)
        return await self.outbox.enqueue_many(items)

    async def _unconfirmed(self, occurrence_id: int, member_ids: list[int]) -> list[int]:
        async with self.db.session() as s:
            regs = await queries.member_rows(s, occurrence_id, member_ids)
        return [r.member_id for r in regs if r.confirmed_at is None]

    async def cancel(self, occurrence_id: int, member_ids: list[int] | None) -> int:
        """Drop pending reminders of an occurrence (for some members, or all), and their
        confirmation questions. (A release job checks the café when it runs: kept.)"""
        await self.outbox.cancel(
            prefix=confirmation.request_prefix(occurrence_id), members=member_ids
        )
        return await self.outbox.cancel(prefix=reminder_prefix(occurrence_id), members=member_ids)

    async def set_preference(self, member_id: int, offsets: Preference) -> None:
        """``offsets``: seconds, ``None`` for off, ``"default"`` to follow each series."""
        async with self.db.session() as s:
            await queries.delete_preference(s, member_id)
            if offsets is None:
                s.add(CafePreference(member_id=member_id, offsets="off"))
            elif isinstance(offsets, list):
                s.add(CafePreference(member_id=member_id, offsets=seconds_csv(offsets)))
        # Re-queue this member's reminders for every upcoming café they are registered to.
        for occ in await self.occurrences.upcoming(member_id=member_id, limit=100):
            if occ.my_status == REGISTERED and occ.starts_at > self.clock.now():
                await self.cancel(occ.id, [member_id])
                await self.schedule(occ, [member_id])

    async def preference(self, member_id: int) -> Preference:
        prefs = await self.member_offsets([member_id])
        return prefs.get(member_id, "default")
