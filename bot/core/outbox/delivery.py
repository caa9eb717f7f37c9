"""What a renderer gets and how one claimed row becomes a message.

``Delivery`` is the row's data plus its recipient (language, zone, mention); ``Renderer`` turns it
into a ``Reply`` at send time. ``prepare`` builds the delivery of a row from its batch's
recipients (fetched together by ``fetch_recipients``); ``finish_reply`` adds what the outbox
itself says (the late note, the fallback mention); ``fallback_data`` is the payload of the room
post that replaces a refused DM.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from bot.core.i18n import Translator
from bot.core.mail.routing import EMAIL
from bot.core.members import MemberInfo
from bot.core.refs import MemberRef, RoomRef
from bot.core.reply import Reply
from bot.storage.models import Identity, Member, OutboxMessage

if TYPE_CHECKING:
    from bot.storage.db import Database

#: A row's status (``core_outbox.status``).
PENDING, SENT, FAILED, SKIPPED, DROPPED = "pending", "sent", "failed", "skipped", "dropped"


@dataclass(slots=True)
class Delivery:
    """What a renderer gets: the row's data and its recipient's language and zone."""

    key: str
    kind: str
    data: dict[str, Any]
    due_at: datetime
    now: datetime
    late: bool  # sent more than ``[outbox] late_after`` after its due time, whatever the cause
    fallback: bool
    t: Translator
    member: MemberInfo | None = None
    member_ref: MemberRef | None = None
    room: RoomRef | None = None
    mention: str = ""
    down: bool = False  # late because the bot was down when it was due


Renderer = Callable[[Delivery], Awaitable[Reply | None]]
#: The reader's translator (``Core.translator``).
TranslatorFor = Callable[..., Awaitable[Translator]]


@dataclass(frozen=True, slots=True)
class PendingMessage:
    """A row still to send, as cogs see it (``Outbox.pending``)."""

    key: str
    kind: str
    member_id: int | None
    due_at: datetime


@dataclass(slots=True)
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    retried: int = 0
    dropped: int = 0
    keys: list[str] = field(default_factory=list)

    def add(self, other: DeliveryReport) -> None:
        for name in ("sent", "failed", "skipped", "retried", "dropped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.keys.extend(other.keys)


@dataclass(slots=True)
class Batch:
    """One claimed batch: recipients fetched together, outcomes stamped together."""

    members: dict[int, MemberInfo] = field(default_factory=dict)
    refs: dict[tuple[int, str], MemberRef] = field(default_factory=dict)
    #: (row id, status, failure reason, sent at)
    finishes: list[tuple[int, str, str | None, datetime | None]] = field(default_factory=list)
    #: (row id, next try, counts as an attempt, failure reason)
    retries: list[tuple[int, datetime, bool, str | None]] = field(default_factory=list)
    #: row id → its payload without the secrets it carried, written with its outcome
    scrubbed: dict[int, str] = field(default_factory=dict)


async def render_stored_reply(delivery: Delivery) -> Reply | None:
    reply = Reply.from_json(delivery.data["reply"])
    if delivery.fallback:
        return Reply(
            text=delivery.t(
                "{mention}, j'ai un message pour vous mais je ne peux pas vous écrire en privé. "
                "Autorisez les messages privés pour le recevoir.",
                mention=delivery.mention,
            )
        )
    return reply


async def fetch_recipients(db: Database, rows: list[OutboxMessage]) -> Batch:
    """Every recipient of a batch in two queries (not two per row)."""
    batch = Batch()
    ids = sorted({r.member_id for r in rows if r.member_id is not None})
    if not ids:
        return batch
    platforms = sorted({r.platform for r in rows})
    async with db.session() as session:
        # Plain columns, not ORM objects: this runs for every batch of every fan-out.
        people = await session.exec(
            select(Member.id, Member.display_name, Member.locale, Member.timezone).where(
                col(Member.id).in_(ids)
            )
        )
        for member_id, name, locale, zone in people:
            assert member_id is not None  # a primary key read back
            batch.members[member_id] = MemberInfo(member_id, name, locale, zone)
            if EMAIL in platforms:
                # E-mail has no identity row: the adapter finds the member's address itself
                # (and refuses anything but the confirmation to an unconfirmed one).
                batch.refs[(member_id, EMAIL)] = MemberRef(EMAIL, str(member_id), name)
        identities = await session.exec(
            select(
                Identity.member_id,
                Identity.platform,
                Identity.external_id,
                Identity.display_name,
            )
            .where(col(Identity.member_id).in_(ids), col(Identity.platform).in_(platforms))
            .order_by(col(Identity.last_seen_at))
        )
        for member_id, platform, external_id, name in identities:
            # Ordered by last seen: the most recently seen identity wins.
            batch.refs[(member_id, platform)] = MemberRef(platform, external_id, name)
    return batch


async def prepare(
    row: OutboxMessage,
    batch: Batch,
    *,
    now: datetime,
    late: bool,
    down: bool = False,
    translator: TranslatorFor,
    mention: Callable[[MemberRef], str],
) -> Delivery | None:
    """The delivery of one row, or None when its recipient has no identity to reach."""
    data = json.loads(row.payload)
    member = batch.members.get(row.member_id) if row.member_id else None
    member_ref = None
    room = RoomRef.decode(row.room) if row.room else None
    if row.member_id is not None:
        member_ref = batch.refs.get((row.member_id, row.platform))
        if room is None and member_ref is None:
            return None
    # A post in a room speaks the room's language; a DM the member's (the core's one rule).
    t = await translator(member=member, room=room, public=room is not None)
    return Delivery(
        key=row.key,
        kind=row.kind,
        data=data,
        due_at=row.due_at,
        now=now,
        late=late,
        fallback=bool(data.get("__fallback__")),
        t=t,
        member=member,
        member_ref=member_ref,
        room=room,
        mention=mention(member_ref) if member_ref else "",
        down=down,
    )


def finish_reply(reply: Reply, delivery: Delivery, due_at: datetime, now: datetime) -> None:
    """What the outbox adds to a rendered reply: the fallback's one allowed ping, the late
    note."""
    if delivery.fallback and delivery.member_ref is not None and delivery.mention:
        # A fallback post names its recipient on purpose: that one ping is allowed.
        reply.mentions = (*reply.mentions, delivery.member_ref.id)
    if not delivery.late:
        return
    when = delivery.t.datetime(due_at, now=now)
    if delivery.down:
        note = delivery.t(
            "_Envoyé en retard : le bot était indisponible à l'heure prévue ({when})._", when=when
        )
    else:  # a backlog, a slow platform, a rate limit: the reader is told all the same
        note = delivery.t(
            "_Envoyé avec {delay} de retard sur l'heure prévue ({when})._",
            delay=delivery.t.duration(now - due_at),
            when=when,
        )
    reply.text = (reply.text + "\n\n" if reply.text else "") + note


def is_late(lateness: timedelta, late_after: float) -> bool:
    """Late: sent more than ``late_after`` seconds after its due time, whatever the cause."""
    return lateness > timedelta(seconds=late_after)


def fallback_data(row: OutboxMessage) -> dict[str, Any]:
    """The payload of the room post that stands in for a DM the member refuses."""
    data: dict[str, Any] = json.loads(row.payload)
    data["__fallback__"] = True
    return data
