"""Discord adapter (discord.py). Imported only when ``[discord] enabled = true``."""

from bot.adapters.discord.adapter import DiscordAdapter, nonce_for

__all__ = ["DiscordAdapter", "nonce_for"]
