"""The catalogue as discord.py app commands, built at run time from the neutral specs.

Each ``CommandSpec`` becomes an ``app_commands.Command`` whose callback carries a hand-made
``__signature__``: discord.py reads it as the option schema (types, ranges, choices, defaults).
One ``Group`` per cog group (a subgroup nested in it), top-level commands for group ``None``.
Descriptions are French source strings wrapped in ``locale_str``; ``CatalogueTranslator``
gives Discord the English (and French) localisations from the core's catalogues.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands
from discord.app_commands import locale_str

from bot.core.commands import CommandSpec, OptionKind, OptionSpec
from bot.core.i18n import N_, I18n
from bot.core.refs import ROLE_RANK, Role

if TYPE_CHECKING:
    from bot.core.catalogue import Catalogue

log = logging.getLogger(__name__)

MAX_COMMANDS_PER_GROUP = 25
GROUP_DESCRIPTION = N_("Commandes « {group} »")

# Discord locales we publish, and the catalogue locale each one reads.
LOCALES: dict[discord.Locale, str] = {
    discord.Locale.french: "fr",
    discord.Locale.american_english: "en",
    discord.Locale.british_english: "en",
}

# Who sees a command whose every use is moderator-only: Discord hides it from members without
# this permission (server admins can widen it per role under Server Settings → Integrations).
# Only a visibility hint — the core checks every invocation's roles anyway.
MODERATOR_PERMISSIONS = discord.Permissions(manage_guild=True)

Runner = Callable[[discord.Interaction, CommandSpec, dict[str, Any]], Awaitable[None]]
Completer = Callable[[discord.Interaction, CommandSpec, OptionSpec, str], Awaitable[list[Any]]]


def source(msgid: str, **params: Any) -> locale_str:
    """A French source string for Discord: the text shown by default, plus its msgid."""
    text = msgid.format(**params) if params else msgid
    return locale_str(text, msgid=msgid, params=params)


class CatalogueTranslator(app_commands.Translator):
    """Localisations for names and descriptions, from the same .po catalogues as replies."""

    def __init__(self, i18n: I18n, catalogue: Catalogue) -> None:
        self.i18n = i18n
        self.catalogue = catalogue

    async def translate(
        self,
        string: locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        lang = LOCALES.get(locale)
        if lang is None:
            return None
        if context.location in (
            app_commands.TranslationContextLocation.command_name,
            app_commands.TranslationContextLocation.group_name,
        ):
            # The English name is the public surface; a language may add its own word
            # (``/sondage créer`` in a French client), see bot/core/names.py.
            path = getattr(context.data, "qualified_name", None)
            return self.catalogue.local_name(path, lang) if path else None
        if context.location is app_commands.TranslationContextLocation.parameter_name:
            return None  # option names stay as typed in the text grammar
        msgid = string.extras.get("msgid", string.message)
        params = string.extras.get("params") or {}
        if lang != "fr" and not self.i18n.catalogues.has(lang, msgid):
            return None
        text = self.i18n.translator(lang)(msgid, **params)
        return text[:100] or None


def _annotation(option: OptionSpec) -> Any:
    if option.kind is OptionKind.BOOLEAN:
        return bool
    if option.kind in (OptionKind.INTEGER, OptionKind.NUMBER):
        base = int if option.kind is OptionKind.INTEGER else float
        if option.min is None and option.max is None:
            return base
        low = base(option.min) if option.min is not None else None
        high = base(option.max) if option.max is not None else None
        return app_commands.Range[base, low, high]
    if option.choices:
        return Literal[option.choices]
    if option.max_length is not None:
        return app_commands.Range[str, None, min(option.max_length, 6000)]
    return str


def moderator_only(specs: list[CommandSpec]) -> bool:
    """Whether every command in a top-level entry needs at least a moderator."""
    return bool(specs) and all(ROLE_RANK[s.permission] >= ROLE_RANK[Role.MODERATOR] for s in specs)


def build_command(
    spec: CommandSpec, run: Runner, complete: Completer, parent: app_commands.Group | None
) -> app_commands.Command[Any, ..., Any]:
    names = {o.arg: o.name for o in spec.options}

    async def callback(interaction: discord.Interaction, **values: Any) -> None:
        await run(interaction, spec, {names.get(k, k): v for k, v in values.items()})

    params = [
        inspect.Parameter(
            "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
        )
    ]
    for option in spec.options:
        params.append(
            inspect.Parameter(
                option.arg,  # ``from_``: a Python keyword cannot be a parameter (renamed below)
                inspect.Parameter.KEYWORD_ONLY,
                annotation=_annotation(option),
                default=inspect.Parameter.empty if option.required else None,
            )
        )
    callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    callback.__annotations__ = {p.name: p.annotation for p in params}
    callback.__qualname__ = callback.__name__ = f"cmd_{spec.path.replace(' ', '_')}"
    command: app_commands.Command[Any, ..., Any] = app_commands.Command(
        name=spec.name,
        description=source(spec.description),
        callback=callback,
        parent=parent,
    )
    app_commands.describe(**{o.arg: source(o.description) for o in spec.options})(command)
    renamed = {o.arg: o.name for o in spec.options if o.arg != o.name}
    if renamed:
        app_commands.rename(**renamed)(command)
    for option in spec.options:
        if option.autocomplete and not option.choices:
            command.autocomplete(option.arg)(_completer(spec, option, complete))
    return command


def _completer(spec: CommandSpec, option: OptionSpec, complete: Completer) -> Any:
    async def autocomplete(interaction: discord.Interaction, current: str) -> list[Any]:
        return await complete(interaction, spec, option, current)

    return autocomplete


def build_tree_commands(
    catalogue: Catalogue, run: Runner, complete: Completer
) -> list[app_commands.Command[Any, ..., Any] | app_commands.Group]:
    """Top-level app commands and groups for every spec in the catalogue; a subgroup
    (``cafe programme``) is a ``Group`` nested in its cog's group (Discord allows one level)."""
    out: list[app_commands.Command[Any, ..., Any] | app_commands.Group] = []
    groups: dict[str, app_commands.Group] = {}
    members: dict[str, list[CommandSpec]] = {}
    for spec in catalogue:
        if spec.group is not None:
            members.setdefault(spec.top, []).append(spec)
    for spec in catalogue:
        if spec.group is None:
            command = build_command(spec, run, complete, None)
            if moderator_only([spec]):
                command.default_permissions = MODERATOR_PERMISSIONS
            out.append(command)
            continue
        group = groups.get(spec.top)
        if group is None:
            # Discord sets visibility per top-level entry only: a group with any member
            # command stays visible to all.
            group = app_commands.Group(
                name=spec.top,
                description=source(GROUP_DESCRIPTION, group=spec.top),
                default_permissions=MODERATOR_PERMISSIONS
                if moderator_only(members[spec.top])
                else None,
            )
            groups[spec.top] = group
            out.append(group)
        if spec.subgroup is not None:
            parent = groups.get(spec.subgroup)
            if parent is None:
                if len(group.commands) >= MAX_COMMANDS_PER_GROUP:
                    log.warning(
                        "Group %s is full (25 entries): %s not published", *spec.path.split()[:2]
                    )
                    continue
                parent = app_commands.Group(
                    name=spec.subgroup.split(" ", 1)[1],
                    description=source(GROUP_DESCRIPTION, group=spec.subgroup),
                    parent=group,  # discord.py adds it to ``group``
                )
                groups[spec.subgroup] = parent
            group = parent
        if len(group.commands) >= MAX_COMMANDS_PER_GROUP:
            log.warning("Group %s is full (25 entries): %s not published", spec.group, spec.path)
            continue
        group.add_command(build_command(spec, run, complete, group))
    return out
