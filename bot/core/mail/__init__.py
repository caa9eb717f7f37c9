"""The e-mail channel's rules, platform-free: addresses and their confirmation (``store``),
what counts as an address (``address``), which outbox kinds may go by e-mail (``routing``) and
the ``me email`` commands (``commands``). Sending is the e-mail adapter's job
(``bot/adapters/email``)."""

from bot.core.mail.routing import CONFIRM_KIND, EMAIL, TOPICS, topic_of
from bot.core.mail.store import EmailStatus, EmailStore, Issued, Recipient

__all__ = [
    "CONFIRM_KIND",
    "EMAIL",
    "TOPICS",
    "EmailStatus",
    "EmailStore",
    "Issued",
    "Recipient",
    "topic_of",
]
