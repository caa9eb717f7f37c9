"""E-mail adapter (aiosmtplib): the send-only channel. Imported only when ``[email] enabled``."""

from bot.adapters.email.adapter import EmailAdapter
from bot.adapters.email.message import build_message, message_id

__all__ = ["EmailAdapter", "build_message", "message_id"]
