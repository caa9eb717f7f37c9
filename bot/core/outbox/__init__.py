"""The outbox: every scheduled or fanned-out message, sent exactly once.

A row has a unique key (inserting twice is harmless), a due time and a target (a room, or a
member's DMs on one platform). Senders claim due rows with one ``UPDATE … WHERE id IN (SELECT …
FOR UPDATE SKIP LOCKED)`` and a lease, send them through the right adapter (the key doubles as
the platform's idempotency key), then stamp them. Rows due while the bot was down are sent late
within the grace window, saying so; older ones are skipped and logged. Housekeeping deletes
finished rows after ``[outbox] keep_sent`` days: a sent message's text must not stay next to its
recipient's id forever (e.g. the confirmation of an anonymous vote).

Rooms: ``api.py`` (``Outbox``: enqueue, cancel, pending, purge, register; the e-mail route),
``sender.py`` (``Sender``: claim, send loop), ``outcomes.py`` (stamping a batch, retries with
backoff, the stand-in for a message failed for good), ``upkeep.py`` (purging finished rows,
releasing a dead process's claims), ``delivery.py`` (``Delivery`` and renderers, recipients,
the late note and the DM fallback).
"""

from bot.core.outbox.api import Outbox
from bot.core.outbox.delivery import (
    DROPPED,
    FAILED,
    PENDING,
    SENT,
    SKIPPED,
    Delivery,
    DeliveryReport,
    PendingMessage,
    Renderer,
    render_stored_reply,
)
from bot.core.outbox.sender import HOUSEKEEPING_EVERY, MAX_INLINE_RATE_WAIT, Sender

__all__ = [
    "DROPPED",
    "FAILED",
    "HOUSEKEEPING_EVERY",
    "MAX_INLINE_RATE_WAIT",
    "PENDING",
    "SENT",
    "SKIPPED",
    "Delivery",
    "DeliveryReport",
    "Outbox",
    "PendingMessage",
    "Renderer",
    "Sender",
    "render_stored_reply",
]
