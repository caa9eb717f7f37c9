"""Which outbox messages may go by e-mail: the one kind → topic rule.

A member chooses topics (``me email reminders:on digest:on``), not kinds; a cog's kinds join a
topic here. Only messages addressed to a member's DMs are routed (room posts never are);
everything else — questions with buttons, live messages — stays on chat, where it can be
answered.
"""

from __future__ import annotations

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
