"""Help and usage lines, generated from the command specs in the reader's language.

``help`` lists the commands for members, then those for moderators (each group's commands
together); ``help poll create`` shows each option's allowed values and default and the
examples declared with the command.
"""

from __future__ import annotations

import enum
from typing import Any

from bot.core.catalogue import Catalogue
from bot.core.commands import INT_MAX_DEFAULT, CommandSpec, OptionKind, OptionSpec
from bot.core.errors import UserError
from bot.core.i18n import N_, Translator
from bot.core.refs import Actor, Role
from bot.core.reply import Field, Reply

_KIND_HINT = {
    OptionKind.INTEGER: N_("nombre"),
    OptionKind.NUMBER: N_("nombre"),
    OptionKind.BOOLEAN: N_("oui/non"),
    OptionKind.STRING: N_("texte"),
}
#: The two audiences of ``help``: what members can do, then what moderators can do.
_SECTIONS = (
    (N_("Pour tous"), (Role.EVERYONE, Role.MEMBER)),
    (N_("Pour les modérateurs"), (Role.MODERATOR, Role.ADMIN)),
)


def _option_usage(option: OptionSpec, t: Translator) -> str:
    if option.choices and len(option.choices) <= 6:
        value = "|".join(option.choices)
    else:
        value = t(_KIND_HINT[option.kind])
    text = f"{option.name}:{value}"
    return f"<{text}>" if option.required else f"[{text}]"


def usage_line(spec: CommandSpec, t: Translator, prefix: str = "!") -> str:
    parts = [f"{prefix}{spec.path}", *(_option_usage(o, t) for o in spec.options)]
    return " ".join(parts)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def allowed_values(option: OptionSpec, t: Translator) -> str:
    """What the option accepts, in words: its choices, its range, yes/no, or a length."""
    if option.choices:
        return t("valeurs : {choices}", choices=", ".join(option.choices))
    if option.kind is OptionKind.BOOLEAN:
        return t("oui ou non")
    if option.kind in (OptionKind.INTEGER, OptionKind.NUMBER):
        low = option.min
        high = None if option.max is None or option.max >= INT_MAX_DEFAULT else option.max
        if low is not None and high is not None:
            return t("un nombre de {min} à {max}", min=_number(low), max=_number(high))
        if low is not None:
            return t("un nombre à partir de {min}", min=_number(low))
        if high is not None:
            return t("un nombre jusqu'à {max}", max=_number(high))
        return t("un nombre")
    if option.max_length is not None:
        return t("un texte de {max} caractères au plus", max=option.max_length)
    return t("un texte")


def _default(option: OptionSpec, t: Translator) -> str | None:
    value: Any = option.default
    if option.required or value is None or value == "":
        return None
    if isinstance(value, bool):
        return t("oui") if value else t("non")
    if isinstance(value, enum.Enum):
        value = value.value
    return str(value)


def option_help(option: OptionSpec, t: Translator) -> str:
    """``La question posée — un texte de 300 caractères au plus`` plus, for an optional
    option, ``(facultatif, par défaut : single)``."""
    text = t(option.description) + " — " + allowed_values(option, t)
    if option.required:
        return text
    default = _default(option, t)
    if default is None:
        return text + t(" (facultatif)")
    return text + t(" (facultatif, par défaut : {default})", default=default)


def command_help(spec: CommandSpec, t: Translator, prefix: str) -> Reply:
    fields = [Field(o.name, option_help(o, t)) for o in spec.options]
    text = t(spec.description) + "\n\n" + t("Utilisation :") + f" `{usage_line(spec, t, prefix)}`"
    if spec.examples:
        title = t("Exemple :") if len(spec.examples) == 1 else t("Exemples :")
        lines = [f"`{prefix}{t(example)}`" for example in spec.examples]
        text += "\n\n" + title + "\n" + "\n".join(lines)
    return Reply(title=f"{prefix}{spec.path}", text=text, fields=fields)


def help_reply(
    catalogue: Catalogue, t: Translator, actor: Actor, prefix: str, topic: str = ""
) -> Reply:
    """``help``: every group; ``help poll``: its commands; ``help poll create``: one command;
    ``help cafe programme``: a subgroup's commands."""
    words = topic.lower().lstrip("!/").split()
    if words:
        spec, _ = catalogue.lookup(words)
        if spec is not None:
            return command_help(spec, t, prefix)
        if catalogue.is_subgroup(words) or catalogue.is_group(words[0]):
            group = " ".join(words[:2]) if catalogue.is_subgroup(words) else words[0]
            specs = [s for s in catalogue.listing(group) if actor.has(s.permission)]
            entries = [f"- `{prefix}{s.path}` — {t(s.description)}" for s in specs]
            return Reply(
                title=t("Commandes « {group} »", group=group),
                text="\n".join(entries)
                + "\n\n"
                + t(
                    "Détail d'une commande : `{prefix}help {example}`",
                    prefix=prefix,
                    example=specs[0].path if specs else "",
                ),
            )
        suggestion = catalogue.suggest(words)
        if suggestion:
            raise UserError(
                "Aucune aide pour « {topic} ». Vouliez-vous dire « {suggestion} » ?",
                topic=topic[:60],
                suggestion=suggestion,
            )
        raise UserError(
            "Aucune aide pour « {topic} ». Tapez {prefix}help pour tout voir.",
            topic=topic[:60],
            prefix=prefix,
        )
    blocks: list[str] = []
    for title, roles in _SECTIONS:
        lines = _section(catalogue, t, actor, prefix, roles)
        if lines:
            blocks.append(f"**{t(title)}**\n" + "\n".join(lines))
    text = (
        "\n\n".join(blocks)
        + "\n\n"
        + t(
            "Aide d'un groupe : `{prefix}help poll` ; "
            "d'une commande : `{prefix}help poll create`.",
            prefix=prefix,
        )
    )
    return Reply(title=t("Commandes de Passerelle"), text=text)


def _section(
    catalogue: Catalogue, t: Translator, actor: Actor, prefix: str, roles: tuple[Role, ...]
) -> list[str]:
    """The lines of one audience: top-level commands, then each group's commands."""

    def shown(spec: CommandSpec) -> bool:
        return spec.permission in roles and actor.has(spec.permission)

    lines = [
        f"- `{prefix}{spec.path}` — {t(spec.description)}"
        for spec in catalogue
        if spec.group is None and shown(spec)
    ]
    for group, specs in sorted(catalogue.groups.items()):
        visible = [s for s in specs if shown(s)]
        if visible:
            lines.append(f"- `{prefix}{group}` — {catalogue.summary(visible)}")
    return lines
