"""Discord adapter (discord.py). Imported only when ``[discord] enabled = true``."""

from bot.adapters.discord.adapter import DiscordAdapter
from bot.adapters.discord.delivery import nonce_for

__all__ = ["DiscordAdapter", "nonce_for"]
