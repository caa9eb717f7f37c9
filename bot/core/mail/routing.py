"""Which outbox messages may go by e-mail: the one kind → topic rule.

A member chooses topics (``me email reminders:on digest:on``), not kinds; a cog's kinds join a
topic here. Only messages addressed to a member's DMs are routed (room posts never are);
everything else — questions with buttons, live messages — stays on chat, where it can be
answered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core.core import Core

#: Outbox kind → e-mail topic. Café kinds are named in cogs/cafe/reminders.py; "digest" is the
#: monthly digest's kind.
TOPICS: dict[str, str] = {
    "cafe.reminder": "reminders",  # "the café starts in 1 hour"
    "cafe.notice": "reminders",  # a café you joined moved or was cancelled
    "digest": "digest",
}

#: The kind of the confirmation e-mail (the only one sent to an unconfirmed address).
CONFIRM_KIND = "email.confirm"
EMAIL = "email"  # the platform name of the e-mail channel


def topic_of(kind: str) -> str | None:
    return TOPICS.get(kind)


async def apply_choices(core: Core, member_id: int) -> None:
    """Move the member's pending messages to match their choices now: to e-mail for the
    topics they get by e-mail (confirmed, not refused, chosen), back to their chat DMs for
    the others. Called after every change (confirm, choose, unsubscribe, remove, refusal),
    so a café joined before choosing e-mail is reminded by e-mail, and an unsubscribe stops
    what was already queued."""
    status = await core.mail.status(member_id)
    chosen = {
        topic
        for topic in set(TOPICS.values())
        if status is not None
        and status.confirmed
        and status.refused_reason is None
        and getattr(status, topic)
    }
    chats = {p for p, a in core.adapters.items() if getattr(a, "chat", True)}
    chat = (await core.members.preferred_platforms([member_id], chats)).get(member_id)
    for topic in set(TOPICS.values()):
        kinds = [kind for kind, t in TOPICS.items() if t == topic]
        if topic in chosen and EMAIL in core.adapters:
            await core.outbox.reroute(member_id, kinds, EMAIL)
        elif chat is not None:
            await core.outbox.reroute(member_id, kinds, chat)
