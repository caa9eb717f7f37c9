"""Publishing the catalogue as slash commands, only when it changed.

A digest of what was last pushed (catalogue, payload, scope, application) is kept in a small
JSON file (``sync_state``; next to the SQLite database by default): an unchanged catalogue is
not re-synced at start-up, which keeps Discord's command rate limits out of restarts.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.adapters.discord.appcommands import CatalogueTranslator
from bot.adapters.discord.budget import fit

if TYPE_CHECKING:
    from bot.config import DiscordSection
    from bot.core.core import Core

log = logging.getLogger(__name__)

SYNC_FORMAT = 1


class CommandSync:
    """Builds the JSON Discord receives for the catalogue and syncs it when it changed."""

    def __init__(
        self,
        core: Core,
        client: discord.Client,
        tree: app_commands.CommandTree,
        settings: DiscordSection,
    ) -> None:
        self.core = core
        self.client = client
        self.tree = tree
        self.settings = settings

    def scope(self) -> discord.Object | None:
        """Where commands are published: the community server (global without one)."""
        return discord.Object(int(self.settings.guild_id)) if self.settings.guild_id else None

    def state_path(self) -> Path:
        if self.settings.sync_state:
            return Path(self.settings.sync_state)
        from sqlalchemy.engine import make_url

        url = make_url(self.core.settings.database.url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            return Path(url.database).resolve().parent / "discord-commands.json"
        return Path("discord-commands.json")

    async def payload(self) -> list[dict[str, Any]]:
        """The JSON Discord receives for the catalogue, localisations included, each top-level
        command fitted to Discord's size budget (``budget.fit``)."""
        translator = CatalogueTranslator(self.core.i18n, self.core.catalogue)
        payload = [
            await command.get_translated_payload(self.tree, translator)
            for command in self.tree.get_commands(guild=self.scope())
        ]
        for command in payload:
            fit(command)
        return payload

    async def sync(self) -> bool:
        """Push the commands if they changed since the last push; whether it pushed."""
        payload = await self.payload()
        scope = self.settings.guild_id or "global"
        digest = hashlib.sha256(
            json.dumps([SYNC_FORMAT, payload], sort_keys=True, default=str).encode()
        ).hexdigest()[:16]
        state = {
            "catalogue": self.core.catalogue.digest(),
            "payload": digest,
            "scope": scope,
            "application": str(self.client.application_id),
        }
        path = self.state_path()
        try:
            previous = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            previous = None
        if previous == state:
            log.info("Discord: commands unchanged (%s); not syncing", state["catalogue"])
            return False
        # The fitted payload itself is pushed (``tree.sync`` would rebuild it unfitted).
        http, application, guild = self.client.http, self.client.application_id, self.scope()
        if application is None:  # only before login; on_setup runs after it
            raise RuntimeError("Discord: no application id to sync commands to")
        if guild is None:
            await http.bulk_upsert_global_commands(application, payload=payload)
        else:
            await http.bulk_upsert_guild_commands(application, guild.id, payload=payload)
        try:
            path.write_text(json.dumps(state), encoding="utf-8")
        except OSError:
            log.warning("Discord: could not store the command digest in %s", path)
        log.info("Discord: synced %d commands (%s) to %s", len(payload), digest, scope)
        return True
