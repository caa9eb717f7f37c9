"""Checks of a validated configuration that pydantic cannot make alone: an enabled platform's
credentials and community, and each ``[cogs.<name>]`` section against that cog's own settings
model (found by name). ``load_settings`` runs them; a problem is one line naming the key."""

from __future__ import annotations

import importlib

from pydantic import BaseModel, ValidationError

from bot.config import Settings, _problems, available_cogs


def check_platforms(settings: Settings) -> list[str]:
    """An enabled platform needs its credentials (said before anything connects)."""
    problems: list[str] = []
    if settings.discord.enabled and not settings.discord.token:
        problems.append(
            "discord.token: required when discord.enabled = true "
            "(or set PASSERELLE_DISCORD__TOKEN)"
        )
    if settings.discord.enabled:
        # Without it every server the bot is in would be the community (an administrator of
        # any of them a Passerelle admin): the community is always explicit.
        guild_id = (settings.discord.guild_id or "").strip()
        if not guild_id:
            problems.append(
                "discord.guild_id: required when discord.enabled = true (the community "
                "server's id: Developer Mode, then right-click the server → Copy Server ID)"
            )
        elif not guild_id.isdecimal() or not guild_id.isascii():
            problems.append(
                f"discord.guild_id: {guild_id!r} is not a server id (digits only, e.g. "
                '"123456789012345678")'
            )
    problems.extend(check_discord_shards(settings))
    matrix = settings.matrix
    if matrix.enabled:
        if not matrix.homeserver:
            problems.append(
                "matrix.homeserver: required when matrix.enabled = true "
                "(e.g. https://matrix.example.org)"
            )
        if not matrix.user_id:
            problems.append(
                "matrix.user_id: required when matrix.enabled = true "
                "(e.g. @passerelle:example.org)"
            )
        if not (matrix.access_token or matrix.password):
            problems.append(
                "matrix.access_token: required when matrix.enabled = true, or "
                "matrix.password (or PASSERELLE_MATRIX__ACCESS_TOKEN)"
            )
        if not [room for room in matrix.rooms if room.strip()]:
            # Roles are read from power levels in these rooms only: without them, a member
            # could make herself admin in a room of her own and invite the bot there.
            problems.append(
                "matrix.rooms: required when matrix.enabled = true: the community rooms "
                '(ids or aliases, e.g. ["#communaute:example.org"]) whose power levels give '
                "roles"
            )
    if settings.email.enabled and not settings.email.sender:
        problems.append(
            'email.from: required when email.enabled = true (e.g. "Passerelle <bot@example.org>")'
        )
    if settings.email.enabled and settings.email.username and not settings.email.password:
        problems.append(
            "email.password: required with email.username (or set PASSERELLE_EMAIL__PASSWORD)"
        )
    return problems


def check_discord_shards(settings: Settings) -> list[str]:
    """A process cannot be told to hold more shards than the bot has (checked even while
    Discord is disabled: the value is wrong either way)."""
    discord = settings.discord
    if discord.shards_per_process <= discord.shard_count:
        return []
    # Imported only for this message: loading the catalogues costs start-up time.
    from bot.core.operator import operator_translator

    t = operator_translator()
    return [
        t(
            "discord.shards_per_process : {value} dépasse discord.shard_count ({count}) : un "
            "processus ne peut pas tenir plus de shards qu'il n'y en a (0 = tous les shards "
            "libres)",
            value=discord.shards_per_process,
            count=discord.shard_count,
        )
    ]


def check_cog_sections(settings: Settings) -> list[str]:
    problems: list[str] = []
    available = set(available_cogs())
    for name in settings.cogs.enabled or []:
        if name not in available:
            problems.append(
                f"cogs.enabled: unknown cog {name!r} (available: {', '.join(sorted(available))})"
            )
    for name, section in (settings.cogs.model_extra or {}).items():
        if name not in available:
            problems.append(
                f"cogs.{name}: unknown cog section (available: {', '.join(sorted(available))})"
            )
            continue
        if not isinstance(section, dict):
            problems.append(f"cogs.{name}: expected a table of settings")
            continue
        model = cog_settings_model(name)
        if model is None:
            if section:
                problems.append(f"cogs.{name}: this cog has no settings")
            continue
        try:
            model.model_validate(section)
        except ValidationError as exc:
            problems.extend(_problems(exc, prefix=f"cogs.{name}."))
    return problems


def cog_settings_model(name: str) -> type[BaseModel] | None:
    """``cogs/<name>/settings.py`` defines ``<Name>Settings`` (a pydantic model, e.g.
    ``PollSettings`` for ``poll``), if the cog has any."""
    try:
        module = importlib.import_module(f"cogs.{name}.settings")
    except ModuleNotFoundError:
        return None
    model = getattr(module, f"{name.title().replace('_', '')}Settings", None)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None
