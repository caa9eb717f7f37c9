"""Checks of a validated configuration that pydantic cannot make alone: an enabled platform's
credentials and community, and each ``[cogs.<name>]`` section against that cog's own settings
model (found by name). ``load_settings`` runs them; a problem is one line naming the key, in the
operator's language."""

from __future__ import annotations

import importlib

from pydantic import BaseModel, ValidationError

from bot.config import Settings, available_cogs
from bot.config_problems import Say, problems_from


def check_platforms(settings: Settings, lang: str | None = None) -> list[str]:
    """An enabled platform needs its credentials (said before anything connects)."""
    say = Say(lang)
    problems: list[str] = []
    if settings.discord.enabled and not settings.discord.token:
        problems.append(
            say(
                "discord.token : requis quand discord.enabled = true "
                "(ou définissez PASSERELLE_DISCORD__TOKEN)"
            )
        )
    if settings.discord.enabled:
        # Without it every server the bot is in would be the community (an administrator of
        # any of them a Passerelle admin): the community is always explicit.
        guild_id = (settings.discord.guild_id or "").strip()
        if not guild_id:
            problems.append(
                say(
                    "discord.guild_id : requis quand discord.enabled = true (l'identifiant du "
                    "serveur de la communauté : mode développeur, puis clic droit sur le "
                    "serveur → Copier l'identifiant du serveur)"
                )
            )
        elif not guild_id.isdecimal() or not guild_id.isascii():
            problems.append(
                say(
                    "discord.guild_id : {value} n'est pas un identifiant de serveur (des "
                    'chiffres seulement, p. ex. "123456789012345678")',
                    value=repr(guild_id),
                )
            )
    problems.extend(check_discord_shards(settings, say))
    matrix = settings.matrix
    if matrix.enabled:
        if not matrix.homeserver:
            problems.append(
                say(
                    "matrix.homeserver : requis quand matrix.enabled = true "
                    "(p. ex. https://matrix.example.org)"
                )
            )
        if not matrix.user_id:
            problems.append(
                say(
                    "matrix.user_id : requis quand matrix.enabled = true "
                    "(p. ex. @passerelle:example.org)"
                )
            )
        if not (matrix.access_token or matrix.password):
            problems.append(
                say(
                    "matrix.access_token : requis quand matrix.enabled = true, ou "
                    "matrix.password (ou PASSERELLE_MATRIX__ACCESS_TOKEN)"
                )
            )
        if not [room for room in matrix.rooms if room.strip()]:
            # Roles are read from power levels in these rooms only: without them, a member
            # could make herself admin in a room of her own and invite the bot there.
            problems.append(
                say(
                    "matrix.rooms : requis quand matrix.enabled = true : les salons de la "
                    'communauté (identifiants ou alias, p. ex. ["#communaute:example.org"]) '
                    "dont les niveaux de pouvoir donnent les rôles"
                )
            )
    if settings.email.enabled and not settings.email.sender:
        problems.append(
            say(
                "email.from : requis quand email.enabled = true "
                '(p. ex. "Passerelle <bot@example.org>")'
            )
        )
    if settings.email.enabled and settings.email.username and not settings.email.password:
        problems.append(
            say(
                "email.password : requis avec email.username "
                "(ou définissez PASSERELLE_EMAIL__PASSWORD)"
            )
        )
    return problems


def check_discord_shards(settings: Settings, say: Say) -> list[str]:
    """A process cannot be told to hold more shards than the bot has (checked even while
    Discord is disabled: the value is wrong either way)."""
    discord = settings.discord
    if discord.shards_per_process <= discord.shard_count:
        return []
    return [
        say(
            "discord.shards_per_process : {value} dépasse discord.shard_count ({count}) : un "
            "processus ne peut pas tenir plus de shards qu'il n'y en a (0 = tous les shards "
            "libres)",
            value=discord.shards_per_process,
            count=discord.shard_count,
        )
    ]


def check_cog_sections(settings: Settings, lang: str | None = None) -> list[str]:
    say = Say(lang)
    problems: list[str] = []
    available = set(available_cogs())
    for name in settings.cogs.enabled or []:
        if name not in available:
            problems.append(
                say(
                    "cogs.enabled : cog inconnu {name} (disponibles : {available})",
                    name=repr(name),
                    available=", ".join(sorted(available)),
                )
            )
    for name, section in (settings.cogs.model_extra or {}).items():
        if name not in available:
            problems.append(
                say(
                    "cogs.{name} : section de cog inconnue (disponibles : {available})",
                    name=name,
                    available=", ".join(sorted(available)),
                )
            )
            continue
        if not isinstance(section, dict):
            problems.append(say("cogs.{name} : une table de réglages est attendue", name=name))
            continue
        model = cog_settings_model(name)
        if model is None:
            if section:
                problems.append(say("cogs.{name} : ce cog n'a pas de réglages", name=name))
            continue
        try:
            model.model_validate(section)
        except ValidationError as exc:
            problems.extend(problems_from(exc, say.t, prefix=f"cogs.{name}."))
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
